/**
 * Runs many nodes of a project in DAG order (`dbt build` / `run` / `seed` / `snapshot` /
 * `test`), skipping the downstream of failures, and writes `target/manifest.json` and
 * `target/run_results.json`. In build mode tests run right after what they test, and a failing
 * error-severity test skips that node's downstream, like `dbt build`.
 *
 * @example
 * const run = await runDbtProject(project, adapter, { command: "build", select: ["+orders"] });
 * run.results.filter((r) => r.status === "error").length; // 0
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { selectNodes } from "./selection.ts";
import { buildManifest, buildRunResults } from "./manifest.ts";
import { relationKey, runDbtNode, sourceFreshness, type DbtNodeResult, type FreshnessResult, type RunNodeOptions } from "./run-node.ts";
import { createSchemaStatement } from "./materializations.ts";
import type { CompiledNode } from "./compile.ts";
import type { DbtNode, DbtProject, NodeResourceType } from "./project-types.ts";
import type { RelationKind, SqlAdapter } from "./adapters/adapter.ts";

export type DbtCommand = "build" | "run" | "seed" | "snapshot" | "test";

const TYPES: Record<DbtCommand, NodeResourceType[]> = {
  build: ["seed", "model", "snapshot", "test"],
  run: ["model"],
  seed: ["seed"],
  snapshot: ["snapshot"],
  test: ["test"],
};

export interface RunProjectOptions extends RunNodeOptions {
  command?: DbtCommand;
  select?: readonly string[];
  exclude?: readonly string[];
  /** Exact unique_ids to run instead of `select`/`exclude` (still filtered by command). */
  only?: Iterable<string>;
  /** Write target/manifest.json and target/run_results.json (default true). */
  writeArtifacts?: boolean;
  onNodeStart?(node: DbtNode, index: number, total: number): void;
  onNodeResult?(result: DbtNodeResult, index: number, total: number): void;
}

export interface ProjectRunResult {
  results: DbtNodeResult[];
  elapsedMs: number;
  /** False when any node errored or an error-severity test failed. */
  success: boolean;
}

const isEphemeral = (n: DbtNode) => n.resourceType === "model" && n.config.materialized === "ephemeral";

/** Runnable parents of a node, looking through ephemeral models to what they read. */
export function runnableParents(project: DbtProject, node: DbtNode): string[] {
  const out = new Set<string>();
  const visit = (id: string) => {
    const p = project.nodes.get(id);
    if (!p) return;
    if (isEphemeral(p)) p.dependsOn.nodes.forEach(visit);
    else out.add(id);
  };
  node.dependsOn.nodes.forEach(visit);
  return [...out];
}

/** Orders `ids` so parents come first; in build mode a node's tests come before its children. */
export function executionOrder(project: DbtProject, ids: ReadonlySet<string>, build: boolean): string[] {
  const parents = new Map<string, Set<string>>();
  for (const id of ids) parents.set(id, new Set(runnableParents(project, project.nodes.get(id)!).filter((p) => ids.has(p))));
  if (build) {
    const ancestors = new Map<string, Set<string>>();
    const anc = (id: string): Set<string> => {
      let a = ancestors.get(id);
      if (a) return a;
      a = new Set();
      ancestors.set(id, a);
      for (const p of runnableParents(project, project.nodes.get(id)!)) {
        a.add(p);
        for (const x of anc(p)) a.add(x);
      }
      return a;
    };
    for (const id of ids) {
      const t = project.nodes.get(id)!;
      if (t.resourceType !== "test") continue;
      const tested = parents.get(id)!;
      for (const child of ids) {
        const c = project.nodes.get(child)!;
        if (c.resourceType === "test" || tested.has(child)) continue;
        const cp = parents.get(child)!;
        // A test gates the children of what it tests, unless that child is itself upstream of the test.
        if ([...tested].some((p) => cp.has(p)) && ![...tested].some((p) => anc(p).has(child))) cp.add(id);
      }
    }
  }
  const order: string[] = [];
  const state = new Map<string, 1 | 2>();
  const visit = (id: string) => {
    if (state.get(id) === 2 || state.get(id) === 1) return;
    state.set(id, 1);
    for (const p of parents.get(id) ?? []) visit(p);
    state.set(id, 2);
    order.push(id);
  };
  for (const id of project.nodes.keys()) if (ids.has(id)) visit(id);
  // Stable-ish: keep discovery order among independent nodes, but tests early in build mode.
  return order;
}

export function writeArtifacts(project: DbtProject, results: readonly DbtNodeResult[], elapsedMs: number, args: Record<string, unknown> = {}): void {
  const dir = resolve(project.root, project.paths.target);
  mkdirSync(dir, { recursive: true });
  const compiled = new Map<string, CompiledNode>();
  for (const r of results) if (r.compiledCode !== undefined) compiled.set(r.uniqueId, { uniqueId: r.uniqueId, compiledCode: r.compiledCode, ephemerals: [], logs: [] });
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(buildManifest(project, compiled)));
  const runResults = buildRunResults(
    results.map((r) => ({
      uniqueId: r.uniqueId, status: r.status, startedAt: r.startedAt, completedAt: r.completedAt, message: r.error?.message ?? r.message,
      failures: r.failures ?? null, ...(r.rowCount !== undefined ? { rowsAffected: r.rowCount } : {}),
      ...(r.compiledCode !== undefined ? { compiledCode: r.compiledCode } : {}), ...(r.relationName ? { relationName: r.relationName } : {}),
    })),
    { elapsedTime: elapsedMs / 1000, args },
  );
  writeFileSync(join(dir, "run_results.json"), JSON.stringify(runResults, null, 1));
}

/** The nodes a command would run, in execution order. */
export function plannedNodes(project: DbtProject, opts: Pick<RunProjectOptions, "command" | "select" | "exclude" | "only"> = {}): string[] {
  const command = opts.command ?? "build";
  const types = new Set(TYPES[command]);
  const chosen = opts.only
    ? new Set(opts.only)
    : selectNodes(project, { ...(opts.select?.length ? { select: opts.select } : {}), ...(opts.exclude?.length ? { exclude: opts.exclude } : {}) });
  const ids = new Set([...chosen].filter((id) => {
    const n = project.nodes.get(id);
    return n !== undefined && types.has(n.resourceType) && !isEphemeral(n);
  }));
  return executionOrder(project, ids, command === "build");
}

/** Relations in the schemas the run writes to. */
async function catalog(adapter: SqlAdapter, project: DbtProject, order: readonly string[]): Promise<Map<string, RelationKind>> {
  const schemas = new Set(order.map((id) => project.nodes.get(id)!.relation.schema));
  const out = new Map<string, RelationKind>();
  if (schemas.size === 0) return out;
  const rows = await adapter.query(
    `select table_catalog, table_schema, table_name, table_type from information_schema.tables where table_schema in (${[...schemas].map((_, i) => `$${i + 1}`).join(", ")})`,
    [...schemas],
  );
  for (const r of rows) {
    out.set(relationKey({ database: String(r.table_catalog), schema: String(r.table_schema), identifier: String(r.table_name) }), String(r.table_type).toUpperCase() === "VIEW" ? "view" : "table");
  }
  return out;
}

/**
 * DuckDB only: creates the schemas the run writes to up front, each in its own autocommit
 * statement. Two DuckDB transactions creating the same new schema conflict ("Catalog
 * write-write conflict on create"), so a node whose transaction created its schema failed when
 * another writer of the warehouse (an I/O manager, a parallel step) created it at the same
 * moment. Created here, the schema exists before any node's transaction starts; a conflict
 * means another writer is creating it and is retried. Errors are left to the nodes to report.
 */
async function ensureSchemas(adapter: SqlAdapter, project: DbtProject, order: readonly string[]): Promise<void> {
  if (adapter.type !== "duckdb") return;
  const schemas = new Map<string, DbtNode["relation"]>();
  for (const id of order) {
    const n = project.nodes.get(id)!;
    if (n.resourceType === "test" || n.config.materialized === "ephemeral") continue;
    schemas.set(`${n.relation.database}.${n.relation.schema}`, n.relation);
  }
  for (const r of schemas.values()) {
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        await adapter.execute(createSchemaStatement("duckdb", r));
        break;
      } catch (err) {
        if (!/conflict/i.test((err as Error).message)) break;
        await new Promise((res) => setTimeout(res, 20 * (attempt + 1)));
      }
    }
  }
}

export async function runDbtProject(project: DbtProject, adapter: SqlAdapter, opts: RunProjectOptions = {}): Promise<ProjectRunResult> {
  const started = Date.now();
  const order = plannedNodes(project, opts);
  const inRun = new Set(order);
  const blocked = new Set<string>();
  const results: DbtNodeResult[] = [];
  const build = (opts.command ?? "build") === "build";
  // One catalog read for the run (like dbt's relation cache), kept up to date as nodes build.
  const relations = opts.relations ?? (await catalog(adapter, project, order));
  // Like dbt, which creates the run's schemas before running any node.
  if ((opts.command ?? "build") !== "test") await ensureSchemas(adapter, project, order);
  for (const [i, id] of order.entries()) {
    const node = project.nodes.get(id)!;
    opts.onNodeStart?.(node, i, order.length);
    const gate = runnableParents(project, node).filter((p) => inRun.has(p) && blocked.has(p));
    // Tests gate children in build mode (see executionOrder); find failed ones among selected tests.
    const failedTests = build && node.resourceType !== "test"
      ? [...blocked].filter((b) => project.nodes.get(b)?.resourceType === "test" && runnableParents(project, project.nodes.get(b)!).some((p) => runnableParents(project, node).includes(p)))
      : [];
    let result: DbtNodeResult;
    if (gate.length || failedTests.length) {
      const why = [...gate, ...failedTests].map((g) => project.nodes.get(g)!.name).join(", ");
      result = { uniqueId: id, name: node.name, resourceType: node.resourceType, status: "skipped", message: `SKIP (upstream ${why} failed)`, startedAt: new Date(), completedAt: new Date(), materialized: String(node.config.materialized ?? "") };
    } else {
      result = await runDbtNode(project, id, adapter, { ...opts, relations });
    }
    // A test skipped because one of its parents failed must not also block its other parents' children.
    const failed = node.resourceType === "test" ? result.status === "error" || result.status === "fail" : result.status === "error" || result.status === "skipped";
    if (failed) blocked.add(id);
    results.push(result);
    opts.onNodeResult?.(result, i, order.length);
  }
  const elapsedMs = Date.now() - started;
  if (opts.writeArtifacts ?? true) writeArtifacts(project, results, elapsedMs, { which: opts.command ?? "build", full_refresh: opts.fullRefresh ?? false, select: opts.select ?? [], exclude: opts.exclude ?? [] });
  return { results, elapsedMs, success: results.every((r) => r.status !== "error" && r.status !== "fail") };
}

export interface SourceFreshnessRun {
  results: (FreshnessResult & { snapshottedAt: Date; executionTime: number })[];
  elapsedMs: number;
  /** False when a source is past `error_after` or its query failed (like `dbt source freshness`). */
  success: boolean;
}

/** Sources whose freshness `dbt source freshness` would check: `loaded_at_field` and a threshold. */
export function freshnessSources(project: DbtProject, opts: { select?: readonly string[]; exclude?: readonly string[] } = {}): string[] {
  const chosen = opts.select?.length
    ? selectNodes(project, { select: opts.select, ...(opts.exclude?.length ? { exclude: opts.exclude } : {}) })
    : new Set([...project.sources.keys()].filter((id) => !(opts.exclude?.length && selectNodes(project, { select: opts.exclude }).has(id))));
  return [...project.sources.values()]
    .filter((s) => chosen.has(s.uniqueId) && s.loadedAtField !== undefined && (s.freshness?.warnAfter !== undefined || s.freshness?.errorAfter !== undefined))
    .map((s) => s.uniqueId);
}

/**
 * `dbt source freshness`: checks the selected sources (`source:app`, `source:app.events`; all
 * by default) that declare freshness, and writes `target/sources.json` in dbt's shape.
 *
 * @example
 * const run = await runSourceFreshness(project, adapter, { select: ["source:app"] });
 * run.results.map((r) => r.status); // ["warn"]
 */
export async function runSourceFreshness(
  project: DbtProject,
  adapter: SqlAdapter,
  opts: { select?: readonly string[]; exclude?: readonly string[]; writeArtifacts?: boolean; onResult?(r: SourceFreshnessRun["results"][number], index: number, total: number): void } = {},
): Promise<SourceFreshnessRun> {
  const started = Date.now();
  const ids = freshnessSources(project, opts);
  const results: SourceFreshnessRun["results"] = [];
  for (const [i, id] of ids.entries()) {
    const t0 = Date.now();
    const snapshottedAt = new Date();
    const r = { ...(await sourceFreshness(project, id, adapter, snapshottedAt)), snapshottedAt, executionTime: (Date.now() - t0) / 1000 };
    results.push(r);
    opts.onResult?.(r, i, ids.length);
  }
  const elapsedMs = Date.now() - started;
  if (opts.writeArtifacts ?? true) {
    const dir = resolve(project.root, project.paths.target);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "sources.json"), JSON.stringify(buildSourcesJson(project, results, elapsedMs), null, 1));
  }
  return { results, elapsedMs, success: results.every((r) => r.status !== "error") };
}

/** `target/sources.json` (dbt's sources/v3 artifact). */
export function buildSourcesJson(project: DbtProject, results: SourceFreshnessRun["results"], elapsedMs: number): Record<string, unknown> {
  const t = (x: { count: number; period: string } | undefined) => (x ? { count: x.count, period: x.period } : { count: null, period: null });
  return {
    metadata: { dbt_schema_version: "https://schemas.getdbt.com/dbt/sources/v3.json", dbt_version: "1.8.0", generated_at: new Date().toISOString(), invocation_id: null, env: {} },
    results: results.map((r) => {
      const s = project.sources.get(r.uniqueId)!;
      const criteria = { warn_after: t(s.freshness?.warnAfter), error_after: t(s.freshness?.errorAfter), filter: s.freshness?.filter ?? null };
      if (r.error) return { unique_id: r.uniqueId, status: "runtime error", error: r.error.message, criteria };
      return {
        unique_id: r.uniqueId, max_loaded_at: r.maxLoadedAt?.toISOString() ?? null, snapshotted_at: r.snapshottedAt.toISOString(),
        max_loaded_at_time_ago_in_s: r.ageSeconds, status: r.status, criteria, adapter_response: {}, timing: [], thread_id: "Thread-1", execution_time: r.executionTime,
      };
    }),
    elapsed_time: elapsedMs / 1000,
  };
}
