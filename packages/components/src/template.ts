/**
 * A tiny, safe expression language for `{{ ... }}` in YAML definitions. It has identifiers,
 * member access (`env.NAME`, `vars.db.host`, `list[0]`), calls to whitelisted helpers
 * (`env('NAME', 'default')`, `daily_partitions('2024-01-01')`), string / number / boolean / null
 * / list literals and filters (`x | default('y') | upper`). Nothing else: no operators, no
 * assignment, no access to prototypes, no way to reach JavaScript built-ins. It never uses
 * `eval`, `Function` or a general template engine.
 */
import { lex, type Token } from "./expression-lexer.ts";
import type { StrataErrorCode } from "@strata/core";

/** A function that templates may call. Only values made with {@link helper} are callable. */
export class TemplateHelper {
  constructor(
    readonly name: string,
    readonly fn: (...args: unknown[]) => unknown,
    /** Parameter names, when the helper accepts keyword arguments (`f(fail_after='24h')`). */
    readonly params?: readonly string[],
  ) {}
}

/** Marks `fn` as callable from templates under `name`; with `params`, keyword arguments map onto those positions. */
export function helper(name: string, fn: (...args: unknown[]) => unknown, params?: readonly string[]): TemplateHelper {
  return new TemplateHelper(name, fn, params);
}

/** An object whose members are looked up on demand (`env.NAME`). Missing members are {@link Missing}. */
export class LookupObject {
  constructor(
    readonly name: string,
    readonly lookup: (member: string) => unknown,
    readonly call?: (...args: unknown[]) => unknown,
  ) {}
}

/** An undefined value with the reason, so `| default(...)` can replace it and errors can say why. */
export class Missing {
  constructor(
    readonly code: StrataErrorCode,
    readonly message: string,
    readonly hint?: string,
  ) {}
}

/** A value not known without running user code (e.g. template vars during `check yaml`). */
export class Opaque {
  constructor(readonly description: string) {}
}

export class TemplateError extends Error {
  constructor(
    readonly code: StrataErrorCode,
    message: string,
    /** Offset in the template text where the failing expression starts. */
    readonly offset: number,
    readonly hint?: string,
  ) {
    super(message);
  }
}

type Expr =
  | { t: "lit"; v: unknown }
  | { t: "id"; name: string }
  | { t: "member"; obj: Expr; name: string }
  | { t: "index"; obj: Expr; index: Expr }
  | { t: "call"; fn: Expr; args: Expr[]; kwargs?: { name: string; value: Expr; at: number }[] }
  | { t: "list"; items: Expr[] }
  | { t: "filter"; value: Expr; name: string; args: Expr[] };

type Tok = Token;

const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);
const MAX_EXPR = 500;

function tokenize(src: string, base: number): Tok[] {
  return lex(src, {
    base,
    numbers: true,
    isPunct: (c, next) => "().,[]|".includes(c) || (c === "=" && next !== "="),
    unclosed: (at) => new TemplateError("TEMPLATE_INVALID", `Unclosed string in template expression "${src.trim()}"`, at),
    unexpected: (c, at) =>
      new TemplateError(
        "TEMPLATE_INVALID",
        `Unexpected "${c}" in template expression "${src.trim()}"`,
        at,
        "Templates allow names, member access (a.b), helper calls (env('X')), literals, lists and filters (| default('x')); no operators.",
      ),
  });
}

class Parser {
  private i = 0;
  constructor(
    private readonly toks: Tok[],
    private readonly src: string,
    private readonly base: number,
  ) {}

  parse(): Expr {
    if (this.toks.length === 0) throw new TemplateError("TEMPLATE_INVALID", "Empty template expression {{ }}", this.base);
    const e = this.filtered();
    const t = this.toks[this.i];
    if (t) throw this.err(`Unexpected "${t.v}"`, t.at);
    return e;
  }

  private err(msg: string, at: number): TemplateError {
    return new TemplateError("TEMPLATE_INVALID", `${msg} in template expression "${this.src.trim()}"`, at);
  }

  private peek(v: string): boolean {
    const t = this.toks[this.i];
    return t !== undefined && t.k === "punct" && t.v === v;
  }

  private expect(v: string): void {
    const t = this.toks[this.i];
    if (!t || t.k !== "punct" || t.v !== v) throw this.err(`Expected "${v}"`, t?.at ?? this.base + this.src.length);
    this.i++;
  }

  private filtered(): Expr {
    let e = this.postfix();
    while (this.peek("|")) {
      this.i++;
      const t = this.toks[this.i++];
      if (!t || t.k !== "id") throw this.err("Expected a filter name after |", t?.at ?? this.base + this.src.length);
      const args = this.peek("(") ? this.args() : [];
      e = { t: "filter", value: e, name: t.v, args };
    }
    return e;
  }

  private args(): Expr[] {
    this.expect("(");
    const args: Expr[] = [];
    if (!this.peek(")")) {
      for (;;) {
        args.push(this.filtered());
        if (this.peek(",")) this.i++;
        else break;
      }
    }
    this.expect(")");
    return args;
  }

  /** `fn(a, b, name=value)`: positional arguments, then keyword arguments. */
  private call(fn: Expr): Expr {
    this.expect("(");
    const args: Expr[] = [];
    const kwargs: { name: string; value: Expr; at: number }[] = [];
    if (!this.peek(")")) {
      for (;;) {
        const t = this.toks[this.i];
        const n = this.toks[this.i + 1];
        if (t?.k === "id" && n?.k === "punct" && n.v === "=") {
          this.i += 2;
          if (kwargs.some((k) => k.name === t.v)) throw this.err(`Keyword argument "${t.v}" given twice`, t.at);
          kwargs.push({ name: t.v, value: this.filtered(), at: t.at });
        } else {
          if (kwargs.length) throw this.err("Positional argument after a keyword argument", t?.at ?? this.base + this.src.length);
          args.push(this.filtered());
        }
        if (this.peek(",")) this.i++;
        else break;
      }
    }
    this.expect(")");
    return kwargs.length ? { t: "call", fn, args, kwargs } : { t: "call", fn, args };
  }

  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      if (this.peek(".")) {
        this.i++;
        const t = this.toks[this.i++];
        if (!t || (t.k !== "id" && t.k !== "num")) throw this.err("Expected a name after .", t?.at ?? this.base + this.src.length);
        e = { t: "member", obj: e, name: t.v };
      } else if (this.peek("[")) {
        this.i++;
        const index = this.filtered();
        this.expect("]");
        e = { t: "index", obj: e, index };
      } else if (this.peek("(")) {
        e = this.call(e);
      } else return e;
    }
  }

  private primary(): Expr {
    const t = this.toks[this.i++];
    if (!t) throw this.err("Expected a value", this.base + this.src.length);
    if (t.k === "str") return { t: "lit", v: t.v };
    if (t.k === "num") return { t: "lit", v: Number(t.v) };
    if (t.k === "id") {
      if (t.v === "true" || t.v === "false") return { t: "lit", v: t.v === "true" };
      if (t.v === "null" || t.v === "none" || t.v === "None") return { t: "lit", v: null };
      return { t: "id", name: t.v };
    }
    if (t.v === "[") {
      const items: Expr[] = [];
      if (!this.peek("]")) {
        for (;;) {
          items.push(this.filtered());
          if (this.peek(",")) this.i++;
          else break;
        }
      }
      this.expect("]");
      return { t: "list", items };
    }
    if (t.v === "(") {
      const e = this.filtered();
      this.expect(")");
      return e;
    }
    throw this.err(`Unexpected "${t.v}"`, t.at);
  }
}

/** Filters available after `|`. `default` (alias `d`) replaces missing/null values. */
const FILTERS: Record<string, (v: unknown, args: unknown[]) => unknown> = {
  default: (v, [d]) => (v instanceof Missing || v === null || v === undefined ? d : v),
  upper: (v) => String(v).toUpperCase(),
  lower: (v) => String(v).toLowerCase(),
  trim: (v) => String(v).trim(),
  string: (v) => String(v),
  int: (v) => {
    const n = Number.parseInt(String(v), 10);
    if (Number.isNaN(n)) throw new Error(`"${String(v)}" is not a whole number`);
    return n;
  },
  float: (v) => {
    const n = Number(v);
    if (Number.isNaN(n)) throw new Error(`"${String(v)}" is not a number`);
    return n;
  },
  bool: (v) => (typeof v === "string" ? ["1", "true", "yes", "on"].includes(v.toLowerCase()) : Boolean(v)),
  replace: (v, [a, b]) => String(v).replaceAll(String(a), String(b ?? "")),
  join: (v, [sep]) => (Array.isArray(v) ? v.map(String).join(sep === undefined ? "," : String(sep)) : String(v)),
  split: (v, [sep]) => String(v).split(sep === undefined ? "," : String(sep)).map((s) => s.trim()).filter(Boolean),
};
FILTERS.d = FILTERS.default!;

function evaluate(e: Expr, scope: Readonly<Record<string, unknown>>, at: number): unknown {
  switch (e.t) {
    case "lit":
      return e.v;
    case "list":
      return e.items.map((x) => evaluate(x, scope, at));
    case "id": {
      if (!Object.hasOwn(scope, e.name)) {
        const names = Object.keys(scope).sort().join(", ");
        return new Missing("TEMPLATE_INVALID", `Unknown name "${e.name}" in template`, `Available: ${names}.`);
      }
      return scope[e.name];
    }
    case "member":
    case "index": {
      const obj = evaluate(e.obj, scope, at);
      const name = e.t === "member" ? e.name : evaluate(e.index, scope, at);
      if (obj instanceof Missing || obj instanceof Opaque) return obj;
      return member(obj, name);
    }
    case "call": {
      const fn = evaluate(e.fn, scope, at);
      if (fn instanceof Opaque) return fn;
      const args = e.args.map((a) => evaluate(a, scope, at));
      if (e.kwargs) {
        const params = fn instanceof TemplateHelper ? fn.params : undefined;
        if (!params) throw new TemplateError("TEMPLATE_INVALID", `${describeCallee(e.fn)} takes no keyword arguments`, e.kwargs[0]!.at);
        for (const k of e.kwargs) {
          const i = params.indexOf(k.name);
          if (i < 0) {
            throw new TemplateError("TEMPLATE_INVALID", `${describeCallee(e.fn)} has no parameter "${k.name}"`, k.at, `Parameters: ${params.join(", ")}.`);
          }
          if (i < args.length && args[i] !== undefined) throw new TemplateError("TEMPLATE_INVALID", `Parameter "${k.name}" given twice`, k.at);
          while (args.length < i) args.push(undefined);
          args[i] = evaluate(k.value, scope, at);
        }
      }
      const missing = args.find((a) => a instanceof Missing);
      if (missing) return missing;
      if (args.some((a) => a instanceof Opaque)) return new Opaque("a helper called with a value known only at load time");
      if (fn instanceof TemplateHelper) return fn.fn(...args);
      if (fn instanceof LookupObject && fn.call) return fn.call(...args);
      if (fn instanceof Missing) return fn;
      throw new TemplateError("TEMPLATE_INVALID", `${describeCallee(e.fn)} is not a function templates can call`, at);
    }
    case "filter": {
      const v = evaluate(e.value, scope, at);
      const f = FILTERS[e.name];
      if (!f || !Object.hasOwn(FILTERS, e.name)) {
        throw new TemplateError("TEMPLATE_INVALID", `Unknown filter "${e.name}"`, at, `Filters: ${Object.keys(FILTERS).join(", ")}.`);
      }
      const args = e.args.map((a) => evaluate(a, scope, at));
      if (v instanceof Opaque) return v;
      if (v instanceof Missing && e.name !== "default" && e.name !== "d") return v;
      try {
        return f(v, args);
      } catch (err) {
        throw new TemplateError("TEMPLATE_INVALID", `Filter "${e.name}" failed: ${(err as Error).message}`, at);
      }
    }
  }
}

function describeCallee(e: Expr): string {
  if (e.t === "id") return `"${e.name}"`;
  if (e.t === "member") return `"${e.name}"`;
  return "This value";
}

function member(obj: unknown, name: unknown): unknown {
  const key = typeof name === "number" ? name : String(name);
  if (typeof key === "string" && FORBIDDEN.has(key)) {
    return new Missing("TEMPLATE_INVALID", `"${key}" cannot be accessed in templates`);
  }
  if (obj instanceof LookupObject) return obj.lookup(String(key));
  if (Array.isArray(obj)) {
    if (key === "length") return obj.length;
    const i = typeof key === "number" ? key : Number(key);
    return Number.isInteger(i) && i >= 0 && i < obj.length ? obj[i] : new Missing("TEMPLATE_INVALID", `Index ${String(key)} is out of range`);
  }
  if (typeof obj === "object" && obj !== null && !(obj instanceof TemplateHelper)) {
    const proto = Object.getPrototypeOf(obj) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      return new Missing("TEMPLATE_INVALID", `Only plain objects can be read in templates (not a ${(obj as object).constructor?.name ?? "value"})`);
    }
    return Object.hasOwn(obj, key) ? (obj as Record<string, unknown>)[key] : new Missing("TEMPLATE_INVALID", `No member "${String(key)}"`, `Members: ${Object.keys(obj).join(", ")}.`);
  }
  return new Missing("TEMPLATE_INVALID", `Cannot read "${String(key)}" of ${obj === null ? "null" : typeof obj}`);
}

const TEMPLATE = /\{\{([\s\S]*?)\}\}/g;

/** Whether `text` contains a `{{ ... }}` expression (or a `{% ... %}` block, which is reported). */
export const hasTemplate = (text: string): boolean => text.includes("{{") || text.includes("{%");

/**
 * Renders `text`. A value that is exactly one `{{ expr }}` becomes the expression's value
 * (a number, a list, a partitions object…); otherwise each expression is interpolated as text.
 * Throws {@link TemplateError} (with the offset of the failing expression) on errors, missing
 * env vars included.
 */
export function renderTemplate(text: string, scope: Readonly<Record<string, unknown>>): unknown {
  const block = text.indexOf("{%");
  if (block >= 0) {
    throw new TemplateError(
      "TEMPLATE_INVALID",
      `"{%" blocks (if, for, set) are not part of Strata templates`,
      block,
      "Templates have only {{ expressions }}: names, helper calls and filters such as {{ env('X') | default('y') }}. Put logic in a function of the folder's template_vars.ts and call it: {{ my_function(...) }}.",
    );
  }
  const whole = /^\s*\{\{([\s\S]*?)\}\}\s*$/.exec(text);
  if (whole && !whole[1]!.includes("}}")) {
    const offset = text.indexOf("{{") + 2;
    return finish(evalExpr(whole[1]!, offset, scope), offset);
  }
  let out = "";
  let last = 0;
  let opaque: Opaque | undefined;
  for (const m of text.matchAll(TEMPLATE)) {
    const offset = m.index + 2;
    out += text.slice(last, m.index);
    const v = finish(evalExpr(m[1]!, offset, scope), offset);
    if (v instanceof Opaque) opaque = v;
    else if (v === null || v === undefined) out += "";
    else if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out += String(v);
    else {
      throw new TemplateError(
        "TEMPLATE_INVALID",
        `"{{${m[1]}}}" is ${Array.isArray(v) ? "a list" : "an object"} and cannot be put inside text`,
        offset,
        "Make the expression the whole value (nothing else in the YAML string) to use a list or object.",
      );
    }
    last = m.index + m[0].length;
  }
  if (text.indexOf("{{", last) >= 0) {
    throw new TemplateError("TEMPLATE_INVALID", `Unclosed "{{" in "${text}"`, text.indexOf("{{", last), 'Close it with "}}".');
  }
  return opaque ?? out + text.slice(last);
}

function evalExpr(src: string, offset: number, scope: Readonly<Record<string, unknown>>): unknown {
  if (src.length > MAX_EXPR) throw new TemplateError("TEMPLATE_INVALID", `Template expression longer than ${MAX_EXPR} characters`, offset);
  const expr = new Parser(tokenize(src, offset), src, offset).parse();
  try {
    return evaluate(expr, scope, offset);
  } catch (err) {
    if (err instanceof TemplateError) throw err;
    throw new TemplateError("TEMPLATE_INVALID", `Template expression "${src.trim()}" failed: ${(err as Error).message}`, offset);
  }
}

function finish(v: unknown, offset: number): unknown {
  if (v instanceof Missing) throw new TemplateError(v.code, v.message, offset, v.hint);
  if (v instanceof TemplateHelper || v instanceof LookupObject) {
    throw new TemplateError("TEMPLATE_INVALID", `"${v.name}" is a helper: call it, e.g. ${v.name}(...)`, offset);
  }
  return v;
}
