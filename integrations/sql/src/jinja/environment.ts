/**
 * The Jinja engine: nunjucks, patched once per process to follow Jinja2 semantics that dbt
 * projects rely on (Python str/list/dict methods, `return()` from macros, `{% do %}`,
 * `{% set ns.attr = v %}`, `{% test %}` blocks, `is none`, `tojson`, `namespace()`...), plus
 * a tiny context object that lets many renders share one set of instantiated macros.
 *
 * @example
 * const env = createJinjaEnvironment();
 * const t = compileTemplate(env, "{{ 'a' ~ x.upper() }}", "models/a.sql");
 * renderTemplate(env, t, { x: "b" }); // "aB"
 */
import nunjucks from "nunjucks";
import { StrataError } from "@strata/core";
import { STRING_METHODS, LIST_METHODS, DICT_METHODS } from "./python-methods.ts";
import { installFilters, installTests } from "./filters.ts";
import { Namespace, pythonGlobals } from "./globals.ts";

type Fn = (...args: unknown[]) => unknown;

interface Frame {
  topLevel: boolean;
}
interface NunjucksRuntime {
  memberLookup: Fn;
  makeMacro: (argNames: string[], kwargNames: string[], func: Fn) => Fn;
  Frame: new () => Frame;
  SafeString: new (s: string) => object;
}
interface NodesApi {
  CallExtension: new (ext: object, prop: string, args: unknown, contentArgs?: unknown) => unknown;
  NodeList: new (lineno: number, colno: number, children: unknown[]) => unknown;
}
interface ParserApi {
  nextToken(): { value: string; lineno: number; colno: number };
  parseExpression(): unknown;
  advanceAfterBlockEnd(name: string): void;
}

/** A compiled template: nunjucks' root render function plus the file it came from. */
export interface CompiledTemplate {
  readonly file: string;
  readonly source: string;
  readonly root: (env: unknown, ctx: unknown, frame: Frame, runtime: unknown, cb: (err: unknown, out: string) => void) => void;
}

/** Thrown by `return(value)` and caught by the enclosing macro, which then returns `value`. */
export class ReturnSignal {
  constructor(readonly value: unknown) {}
}

const rt = (nunjucks as unknown as { runtime: NunjucksRuntime }).runtime;

/** The SafeString class macros return. */
export const SafeString = rt.SafeString;

function isPlain(o: object): boolean {
  const p = Object.getPrototypeOf(o) as unknown;
  return p === Object.prototype || p === null || o instanceof Namespace;
}

let patched = false;

/** Applies the Jinja2-compatibility patches to nunjucks (idempotent, process-wide). */
export function installJinjaPatches(): void {
  if (patched) return;
  patched = true;
  nunjucks.installJinjaCompat();
  const compatLookup = rt.memberLookup;
  rt.memberLookup = function memberLookup(this: unknown, ...a: unknown[]): unknown {
    if (a.length === 4) return compatLookup.apply(this, a);
    const obj = a[0];
    const key = a[1] as string;
    if (obj === null || obj === undefined) return undefined;
    if (typeof obj === "string" || obj instanceof rt.SafeString) {
      const s = String(obj);
      const m = STRING_METHODS[key];
      if (m) return (...args: unknown[]) => m(s, ...args);
      if (typeof key === "number") return s[key];
      return undefined;
    }
    if (Array.isArray(obj)) {
      const m = LIST_METHODS[key];
      if (m) return (...args: unknown[]) => (m as Fn)(obj, ...args);
      return (obj as unknown as Record<string, unknown>)[key];
    }
    if (typeof obj === "object" && isPlain(obj) && !(typeof (obj as Record<string, unknown>)[key] === "function")) {
      const m = DICT_METHODS[key];
      if (m && !Object.prototype.hasOwnProperty.call(obj, key)) return (...args: unknown[]) => (m as Fn)(obj, ...args);
    }
    const v = (obj as Record<string, unknown>)[key];
    if (typeof v === "function" && typeof obj === "object") return (...args: unknown[]) => (v as Fn).apply(obj, args);
    return v;
  };
  // Compiled macros swap a `frame` variable shared by the whole file and restore it on the
  // way out; a throw (return(), errors, pending lookups) would skip the restore and corrupt
  // every later call. Wrap each macro body in try/finally.
  const compilerApi = (nunjucks as unknown as { compiler: { compile: (...a: unknown[]) => string } }).compiler;
  const compile = compilerApi.compile;
  compilerApi.compile = (...a: unknown[]) =>
    compile(...a)
      .replace(/var callerFrame = frame;\nframe = /g, "var callerFrame = frame;\ntry {\nframe = ")
      .replace(/frame = (?:callerFrame|frame\.pop\(\));\nreturn new runtime\.SafeString\((\w+)\);/g, "return new runtime.SafeString($1);\n} finally { frame = callerFrame; }");
  const makeMacro = rt.makeMacro;
  rt.makeMacro = (argNames, kwargNames, func) => {
    const m = makeMacro(argNames, kwargNames, func);
    return function macro(this: unknown, ...args: unknown[]) {
      try {
        return m.apply(this, args);
      } catch (e) {
        if (e instanceof ReturnSignal) return e.value;
        throw e;
      }
    };
  };
}

/** `{% do expr %}`: evaluates an expression for its side effects. */
class DoExtension {
  tags = ["do"];
  parse(parser: ParserApi, nodes: NodesApi): unknown {
    const tok = parser.nextToken();
    const expr = parser.parseExpression();
    parser.advanceAfterBlockEnd(tok.value);
    return new nodes.CallExtension(this, "run", new nodes.NodeList(tok.lineno, tok.colno, [expr]));
  }
  run(): string {
    return "";
  }
}

/** A fresh nunjucks environment with dbt-compatible filters, tests and Python globals. */
export function createJinjaEnvironment(): nunjucks.Environment {
  installJinjaPatches();
  const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: false });
  env.addExtension("DoExtension", new DoExtension() as unknown as nunjucks.Extension);
  installFilters(env);
  installTests(env);
  for (const [k, v] of Object.entries(pythonGlobals())) env.addGlobal(k, v);
  env.addGlobal("return", (v: unknown) => {
    throw new ReturnSignal(v);
  });
  return env;
}

const SET_ATTR = /\{%(-?)\s*set\s+([A-Za-z_]\w*)\.([A-Za-z_]\w*)\s*=([\s\S]*?)(-?)%\}/g;
const TAG = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;
const TRAILING_COMMA = /,(\s*)([)\]}])/g;
const MATERIALIZATION = /\{%-?\s*materialization\b[\s\S]*?\{%-?\s*endmaterialization\s*-?%\}/g;

/**
 * Rewrites Jinja2 syntax nunjucks cannot parse into equivalents it can, keeping line numbers:
 * `{% set ns.x = v %}`, `{% test t(...) %}…{% endtest %}`, trailing commas in calls and
 * literals, and (ignored) custom `{% materialization %}` blocks.
 */
export function preprocessJinja(src: string): string {
  let out = src;
  if (out.includes("set ")) out = out.replace(SET_ATTR, (_m, a: string, obj: string, attr: string, expr: string, b: string) => `{%${a} do __setattr(${obj}, "${attr}", (${expr})) ${b}%}`);
  if (out.includes("test")) {
    out = out
      .replace(/\{%(-?)\s*test\s+([A-Za-z_]\w*)\s*\(/g, (_m, a: string, name: string) => `{%${a} macro test_${name}(`)
      .replace(/\{%(-?)\s*endtest\s*(-?)%\}/g, "{%$1 endmacro $2%}");
  }
  if (out.includes("materialization")) out = out.replace(MATERIALIZATION, (m) => m.replace(/[^\n]/g, ""));
  // Python allows a trailing comma in calls, lists and dicts (`config(a=1,)`); nunjucks does not.
  if (out.includes(",")) out = out.replace(TAG, (tag) => (tag.includes(",") ? tag.replace(TRAILING_COMMA, "$1$2") : tag));
  return out;
}

/** Compiles a template once; syntax errors become `SQL_TEMPLATE` errors naming file:line. */
export function compileTemplate(env: nunjucks.Environment, source: string, file: string, lineOffset = 0): CompiledTemplate {
  try {
    const t = new nunjucks.Template(preprocessJinja(source), env, file, true) as unknown as { rootRenderFunc: CompiledTemplate["root"] };
    return { file, source, root: t.rootRenderFunc };
  } catch (e) {
    throw templateError(e, file, source, lineOffset);
  }
}

/** The context object compiled templates read variables from; lookups follow `ctx`'s prototype chain. */
export class JinjaContext {
  readonly blocks: Record<string, unknown[]> = {};
  readonly exported: string[] = [];
  constructor(
    readonly env: nunjucks.Environment,
    readonly ctx: Record<string, unknown>,
  ) {}
  lookup(name: string): unknown {
    return name in this.ctx ? this.ctx[name] : (this.env as unknown as { globals: Record<string, unknown> }).globals[name];
  }
  setVariable(name: string, val: unknown): void {
    this.ctx[name] = val;
  }
  getVariables(): Record<string, unknown> {
    return this.ctx;
  }
  addExport(name: string): void {
    this.exported.push(name);
  }
  getExported(): Record<string, unknown> {
    return Object.fromEntries(this.exported.map((n) => [n, this.ctx[n]]));
  }
  addBlock(name: string, block: unknown): void {
    (this.blocks[name] ??= []).push(block);
  }
  getBlock(name: string): unknown {
    const b = this.blocks[name];
    if (!b?.[0]) throw new Error(`unknown block "${name}"`);
    return b[0];
  }
  getSuper(): never {
    throw new Error("template inheritance (super()) is not supported in dbt models");
  }
}

/** Renders synchronously. Errors propagate with nunjucks' line info (see {@link templateError}). */
export function renderTemplate(env: nunjucks.Environment, t: CompiledTemplate, ctx: Record<string, unknown> | JinjaContext): string {
  const context = ctx instanceof JinjaContext ? ctx : new JinjaContext(env, ctx);
  const frame = new rt.Frame();
  frame.topLevel = true;
  let out = "";
  let error: unknown;
  t.root(env, context, frame, rt, (err, res) => {
    error = err;
    out = res;
  });
  if (error) throw error;
  return out;
}

/** The innermost non-template cause of an error thrown while rendering. */
export function rootCause(e: unknown): unknown {
  let cur = e;
  for (let i = 0; i < 10; i++) {
    const c = (cur as { cause?: unknown } | null)?.cause;
    if (c === undefined || c === null || !(cur instanceof Error) || cur.name !== "Template render error") break;
    cur = c;
  }
  return cur;
}

/**
 * Maps a nunjucks error to a `StrataError` naming `file:line` (nunjucks lines are 0-based).
 * Strata errors raised inside templates (unknown ref, raise_compiler_error) keep their code.
 */
export function templateError(e: unknown, file: string, source: string, lineOffset = 0): unknown {
  if (e instanceof ReturnSignal) return new StrataError("SQL_TEMPLATE", "return() called outside a macro", { where: file });
  const cause = rootCause(e);
  if (cause !== e && !(cause instanceof Error)) return cause;
  // Render errors carry a 0-based `lineno`; parse errors only a 1-based "[Line n" in the message.
  const lineno = (e as { lineno?: number }).lineno;
  const parsed = /\[Line (\d+), Column \d+\]/.exec(e instanceof Error ? e.message : "");
  const line = typeof lineno === "number" ? lineno + 1 + lineOffset : parsed ? Number(parsed[1]) + lineOffset : undefined;
  const where = line !== undefined ? `${file}:${line}` : file;
  const excerpt = line !== undefined ? source.split("\n")[line - 1 - lineOffset]?.trim() : undefined;
  if (cause instanceof StrataError) {
    if (cause.where && cause.where !== file) return cause;
    return new StrataError(cause.code, cause.message, { where, hint: cause.hint, details: cause.details, cause: cause.cause });
  }
  const raw = cause instanceof Error ? cause.message : String(cause);
  const message = raw.replace(/^\(.*?\)\s*(\[Line \d+, Column \d+\])?\s*/s, "").replace(/^Error:\s*/, "").trim();
  return new StrataError("SQL_TEMPLATE", `Jinja error in ${where}: ${message}`, {
    where,
    hint: excerpt ? `at: ${excerpt}` : "Check the Jinja syntax: every {% if %}/{% for %}/{% macro %} needs its end tag, and quotes and parentheses must balance.",
    cause: e,
  });
}
