/**
 * The compile phase (`execute = true`): renders a node's final SQL with relations resolved,
 * ephemeral models inlined as CTEs and, for generic tests, the test macro called with its
 * arguments (`where` applied by wrapping the model in a filtered subquery, like dbt).
 *
 * @example
 * const c = await compileNode(project, "model.shop.orders", { introspection: { relationExists: (r) => db.exists(r) } });
 * c.compiledCode; // 'select ... from "dev"."main"."stg_orders"'
 */
import { StrataError } from "@strata/core";
import { injectCtes, type Cte } from "./inject-ctes.ts";
import { isRefExpression } from "./add-generic-tests.ts";
import { NeedLookup, type Introspection } from "./introspection.ts";
import { Relation } from "./relation.ts";
import type { DbtNode, DbtProject } from "./project-types.ts";
import type { RenderState } from "./dbt-renderer.ts";

export interface CompileOptions {
  introspection?: Introspection;
  fullRefresh?: boolean;
}

export interface CompiledNode {
  uniqueId: string;
  compiledCode: string;
  /** Ephemeral models inlined, as unique_ids. */
  ephemerals: string[];
  logs: RenderState["logs"];
}

interface Shared {
  cache: Map<string, unknown>;
  opts: CompileOptions;
}

/** The relation a generic test runs against (ephemeral models are inlined as CTEs). */
function attachedRelation(project: DbtProject, node: DbtNode): Relation {
  const a = node.attachedNode ?? "";
  const src = project.sources.get(a);
  if (src) return new Relation(src.relation, { type: "external" });
  const m = project.nodes.get(a);
  if (!m) throw new StrataError("SQL_COMPILE", `Test ${node.name} is attached to unknown node ${a}`, { where: `${node.originalFilePath}:${node.line}` });
  if (m.config.materialized === "ephemeral") {
    const st = project.renderer.state;
    if (!st.ephemerals.includes(m.uniqueId)) st.ephemerals.push(m.uniqueId);
    return new Relation(m.relation, { type: "cte", cteName: `__dbt__cte__${m.name}` });
  }
  return new Relation(m.relation);
}

function renderGenericTest(project: DbtProject, node: DbtNode): string {
  const r = project.renderer;
  const meta = node.testMetadata!;
  const file = node.originalFilePath;
  const where = `${file}:${node.line}`;
  const fn = r.macro(meta.namespace ?? project.name, `test_${meta.name}`)!;
  const kwargs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta.kwargs)) {
    if (k === "model") continue;
    const native = typeof v === "string" ? /^\s*\{\{([\s\S]*)\}\}\s*$/.exec(v) : null;
    // Like dbt's native rendering of test arguments: "{{ var('xs') }}" yields the list itself.
    if (isRefExpression(v)) kwargs[k] = r.evalExpression(v, project.name, file);
    else if (native && !native[1]!.includes("{{")) kwargs[k] = r.evalExpression(native[1]!, project.name, file);
    else if (typeof v === "string" && v.includes("{{")) kwargs[k] = r.renderString(v, project.name, file);
    else kwargs[k] = v;
  }
  const rel = String(attachedRelation(project, node));
  const cond = node.config.where;
  kwargs.model = typeof cond === "string" && cond.trim() !== "" ? `(select * from ${rel} where ${r.renderString(cond, project.name, file)}) dbt_subquery` : rel;
  return String(r.callMacro(fn, [], kwargs, where) ?? "");
}

function renderOnce(project: DbtProject, node: DbtNode, shared: Shared): { sql: string; ephemerals: string[]; logs: RenderState["logs"] } {
  const r = project.renderer;
  return r.withState(
    {
      phase: "compile", node, thisRelation: new Relation(node.relation), cache: shared.cache,
      introspection: shared.opts.introspection ?? {}, fullRefresh: shared.opts.fullRefresh ?? false,
    },
    () => {
      const sql = node.testMetadata ? renderGenericTest(project, node) : r.render(node.uniqueId, node.rawCode, node.packageName, node.originalFilePath, node.line - 1);
      return { sql: sql.trim(), ephemerals: r.state.ephemerals, logs: r.state.logs };
    },
  );
}

function compileWith(project: DbtProject, node: DbtNode, shared: Shared, stack: string[] = []): CompiledNode {
  if (node.resourceType === "seed") return { uniqueId: node.uniqueId, compiledCode: "", ephemerals: [], logs: [] };
  const { sql, ephemerals, logs } = renderOnce(project, node, shared);
  const ctes: Cte[] = [];
  const seen = new Set<string>();
  const visit = (id: string, path: string[]) => {
    if (seen.has(id)) return;
    if (path.includes(id)) throw new StrataError("SQL_COMPILE", `Ephemeral models form a cycle: ${[...path, id].join(" -> ")}`);
    const eph = project.nodes.get(id)!;
    const inner = renderOnce(project, eph, shared);
    for (const d of inner.ephemerals) visit(d, [...path, id]);
    seen.add(id);
    ctes.push({ name: `__dbt__cte__${eph.name}`, sql: inner.sql });
  };
  for (const id of ephemerals) visit(id, [...stack, node.uniqueId]);
  return { uniqueId: node.uniqueId, compiledCode: injectCtes(sql, ctes), ephemerals: [...seen], logs };
}

function nodeOf(project: DbtProject, uniqueId: string): DbtNode {
  const n = project.nodes.get(uniqueId);
  if (!n) throw new StrataError("SQL_COMPILE", `No node ${uniqueId} in project ${project.name}`, { hint: "Use a unique_id like model.<project>.<name>." });
  return n;
}

/** Compiles one node; async introspection answers are awaited and the node re-rendered. */
export async function compileNode(project: DbtProject, uniqueId: string, opts: CompileOptions = {}, cache = new Map<string, unknown>()): Promise<CompiledNode> {
  const node = nodeOf(project, uniqueId);
  for (let i = 0; ; i++) {
    try {
      return compileWith(project, node, { cache, opts });
    } catch (e) {
      if (!(e instanceof NeedLookup) || i > 1000) throw e;
      await e.pending;
    }
  }
}

/** Compiles one node synchronously; introspection (if any) must answer synchronously. */
export function compileNodeSync(project: DbtProject, uniqueId: string, opts: CompileOptions = {}, cache = new Map<string, unknown>()): CompiledNode {
  try {
    return compileWith(project, nodeOf(project, uniqueId), { cache, opts });
  } catch (e) {
    if (e instanceof NeedLookup) {
      e.pending.catch(() => undefined);
      throw new StrataError("SQL_COMPILE", `${uniqueId} needs an async warehouse lookup (${e.key})`, { hint: "Use compileNode() (async) with this introspection." });
    }
    throw e;
  }
}

/** Compiles every node (or those in `only`), sharing one lookup cache. */
export async function compileProject(project: DbtProject, opts: CompileOptions & { only?: Iterable<string> } = {}): Promise<Map<string, CompiledNode>> {
  const cache = new Map<string, unknown>();
  const out = new Map<string, CompiledNode>();
  for (const id of opts.only ?? project.nodes.keys()) out.set(id, await compileNode(project, id, opts, cache));
  return out;
}

/**
 * Renders a node's `pre_hook` or `post_hook` statements (Jinja allowed, `this` is the node).
 *
 * @example
 * compileHooks(project, "model.shop.orders", "post"); // ['grant select on "dev"."main"."orders" to reporter']
 */
export function compileHooks(project: DbtProject, uniqueId: string, which: "pre" | "post", opts: CompileOptions = {}): string[] {
  const node = nodeOf(project, uniqueId);
  const hooks = node.config[`${which}_hook`];
  const list = Array.isArray(hooks) ? hooks : hooks ? [hooks] : [];
  const r = project.renderer;
  return r.withState({ phase: "compile", node, thisRelation: new Relation(node.relation), introspection: opts.introspection ?? {}, fullRefresh: opts.fullRefresh ?? false }, () =>
    list.map((h) => {
      const sql = typeof h === "object" && h !== null && "sql" in h ? String((h as { sql: unknown }).sql) : String(h);
      return r.render(`hook:${sql}`, sql, node.packageName, node.originalFilePath).trim();
    }).filter((s) => s !== ""),
  );
}
