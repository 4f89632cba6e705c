/**
 * The dbt Jinja runtime: one nunjucks environment, macros instantiated once per package and
 * shared by every render, and a mutable render state (current node, phase, captures) read by
 * the context functions in {@link buildDbtContext}. Rendering is synchronous.
 *
 * Lookup order for a name inside a node or macro of package P: variables set by the template,
 * P's macros, the root project's macros, dbt's built-in macros and context, then Jinja globals.
 *
 * @example
 * const r = new DbtRenderer({ projectName: "shop", target, vars: {} });
 * r.loadMacros("shop", "macros/cents.sql", "{% macro cents(c) %}({{ c }} / 100){% endmacro %}");
 * r.renderString("{{ cents('amount') }}", "shop", "inline.sql"); // "(amount / 100)"
 */
import type nunjucks from "nunjucks";
import { createJinjaEnvironment, compileTemplate, renderTemplate, templateError, rootCause, JinjaContext, type CompiledTemplate } from "./jinja/environment.ts";
import { BUILTIN_MACROS, BUILTIN_MACROS_FILE } from "./builtin-macros.ts";
import { buildDbtContext } from "./dbt-context.ts";
import { NeedLookup, type Introspection } from "./introspection.ts";
import type { ConfigMap } from "./config-merge.ts";
import type { DbtNode, DbtSource, AdapterType } from "./project-types.ts";
import type { Relation } from "./relation.ts";
import type { DbtTarget } from "./profiles.ts";

type Fn = (...args: unknown[]) => unknown;

export interface RenderState {
  phase: "parse" | "compile";
  node: DbtNode | undefined;
  thisRelation: Relation | undefined;
  refs: { package?: string; name: string; version?: string | number }[];
  sources: [string, string][];
  config: ConfigMap;
  /** unique_ids of ephemeral models referenced while compiling, in first-use order. */
  ephemerals: string[];
  cache: Map<string, unknown>;
  introspection: Introspection;
  fullRefresh: boolean;
  statements: Map<string, unknown>;
  logs: { level: "info" | "warn" | "debug"; message: string }[];
  result: unknown;
}

/** How refs and sources resolve; provided by the loaded project. */
export interface RefResolver {
  resolveRef(from: DbtNode | undefined, pkg: string | undefined, name: string, version: string | number | undefined): DbtNode;
  resolveSource(from: DbtNode | undefined, source: string, table: string): DbtSource;
  tryRef(pkg: string | undefined, name: string): DbtNode | undefined;
  trySource(source: string, table: string): DbtSource | undefined;
  nodes(): Iterable<DbtNode>;
  allSources(): Iterable<DbtSource>;
}

export interface RendererOptions {
  projectName: string;
  target: DbtTarget;
  /** `vars:` from dbt_project.yml (global keys, and per-package mappings). */
  vars: Record<string, unknown>;
  /** `--vars` from the command line (win over project vars). */
  cliVars?: Record<string, unknown>;
  env?: Record<string, string | undefined>;
  /** `dispatch:` from dbt_project.yml: macro_namespace → search order. */
  dispatch?: Record<string, string[]>;
}

export const BUILTIN_PACKAGE = "dbt";

export function emptyState(): RenderState {
  return {
    phase: "parse", node: undefined, thisRelation: undefined, refs: [], sources: [], config: {}, ephemerals: [],
    cache: new Map(), introspection: {}, fullRefresh: false, statements: new Map(), logs: [], result: undefined,
  };
}

export class DbtRenderer {
  readonly env: nunjucks.Environment;
  readonly adapter: AdapterType;
  state: RenderState = emptyState();
  resolver: RefResolver | undefined;
  /** Macro names per package, in definition order. */
  readonly macroNames = new Map<string, string[]>();
  private readonly builtinCtx: Record<string, unknown>;
  private readonly rootCtx: Record<string, unknown>;
  private readonly pkgCtx = new Map<string, Record<string, unknown>>();
  private readonly templates = new Map<string, CompiledTemplate>();

  constructor(readonly opts: RendererOptions) {
    this.env = createJinjaEnvironment();
    this.adapter = opts.target.type;
    this.builtinCtx = buildDbtContext(this);
    this.rootCtx = Object.create(this.builtinCtx) as Record<string, unknown>;
    this.pkgCtx.set(BUILTIN_PACKAGE, this.builtinCtx);
    this.pkgCtx.set(opts.projectName, this.rootCtx);
    this.loadMacros(BUILTIN_PACKAGE, BUILTIN_MACROS_FILE, BUILTIN_MACROS);
  }

  get projectName(): string {
    return this.opts.projectName;
  }

  /** The shared variable scope of a package (created on first use, inheriting the root's). */
  ctxFor(pkg: string): Record<string, unknown> {
    let ctx = this.pkgCtx.get(pkg);
    if (!ctx) {
      ctx = Object.create(this.rootCtx) as Record<string, unknown>;
      this.pkgCtx.set(pkg, ctx);
    }
    return ctx;
  }

  /** Compiles a macro file and instantiates its macros into the package's scope. */
  loadMacros(pkg: string, file: string, source: string): string[] {
    const t = compileTemplate(this.env, source, file);
    const ctx = new JinjaContext(this.env, this.ctxFor(pkg));
    try {
      renderTemplate(this.env, t, ctx);
    } catch (e) {
      throw templateError(e, file, source);
    }
    const names = this.macroNames.get(pkg) ?? [];
    names.push(...ctx.exported);
    this.macroNames.set(pkg, names);
    this.refreshNamespace(pkg);
    return ctx.exported;
  }

  private refreshNamespace(pkg: string): void {
    const ctx = this.ctxFor(pkg);
    const ns: Record<string, unknown> = {};
    for (const n of this.macroNames.get(pkg) ?? []) ns[n] = ctx[n];
    this.builtinCtx[pkg] = ns;
  }

  /** A macro defined in `pkg` itself (no inheritance). */
  ownMacro(pkg: string, name: string): Fn | undefined {
    const ctx = this.pkgCtx.get(pkg);
    if (!ctx || !Object.prototype.hasOwnProperty.call(ctx, name)) return undefined;
    const m = ctx[name];
    return typeof m === "function" ? (m as Fn) : undefined;
  }

  /** A macro visible from `pkg` (its own, the root project's, or built in). */
  macro(pkg: string, name: string): Fn | undefined {
    const m = this.ctxFor(pkg)[name];
    return typeof m === "function" ? (m as Fn) : undefined;
  }

  /** Renders a template (cached by `key`) with `state` as the current render state. */
  render(key: string, source: string, pkg: string, file: string, lineOffset = 0): string {
    let t = this.templates.get(key);
    if (!t || t.source !== source) {
      t = compileTemplate(this.env, source, file, lineOffset);
      this.templates.set(key, t);
    }
    const ctx = new JinjaContext(this.env, Object.create(this.ctxFor(pkg)) as Record<string, unknown>);
    try {
      return renderTemplate(this.env, t, ctx);
    } catch (e) {
      const c = rootCause(e);
      if (c instanceof NeedLookup) throw c;
      throw templateError(e, file, source, lineOffset);
    }
  }

  /** Renders a one-off string in the root project's scope. */
  renderString(source: string, pkg = this.projectName, file = "<string>"): string {
    return this.render(`str:${source}`, source, pkg, file);
  }

  /** Evaluates a Jinja expression (`ref('x')`) and returns its value, not its text. */
  evalExpression(expr: string, pkg: string, file: string): unknown {
    this.state.result = undefined;
    this.render(`expr:${expr}`, `{% do __result(${expr}) %}`, pkg, file);
    return this.state.result;
  }

  /** Runs `fn` with a fresh render state built from `patch`, restoring the previous one after. */
  withState<T>(patch: Partial<RenderState>, fn: () => T): T {
    const prev = this.state;
    this.state = { ...emptyState(), ...patch };
    try {
      return fn();
    } finally {
      this.state = prev;
    }
  }

  /** Calls a macro from TypeScript, mapping Jinja errors to `where`. */
  callMacro(fn: Fn, args: unknown[], kwargs: Record<string, unknown> | undefined, where: string): unknown {
    try {
      return kwargs ? fn(...args, { ...kwargs, __keywords: true }) : fn(...args);
    } catch (e) {
      const c = rootCause(e);
      if (c instanceof NeedLookup) throw c;
      throw templateError(e, where, "");
    }
  }
}
