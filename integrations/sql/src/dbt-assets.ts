/**
 * A dbt project as Strata assets: one subsettable multi-asset with a spec per model, seed and
 * snapshot (ephemeral models are inlined, not assets), deps from `ref`/`source`, tests as
 * checks on the asset they test, and YAML docs (description, columns, tags, group, owners) on
 * the specs. Sources map to upstream keys (`<source>/<table>` by default) that
 * {@link dbtSourceAssets} can declare as external assets, and source freshness becomes
 * `freshness` checks on them ({@link dbtSourceFreshnessChecks}).
 *
 * @example
 * const opts = { projectDir: "./jaffle_shop", keyPrefix: "dbt" };
 * export default defineDefinitions({
 *   assets: [dbtAssets(opts), ...dbtSourceAssets(opts)],
 *   checks: dbtSourceFreshnessChecks(opts),
 * });
 * // strata materialize --select "dbt/orders+" --tag dbt/full_refresh=true
 */
import {
  MaterializeResult,
  MetadataValue,
  PartialMaterialization,
  StrataError,
  assetCheck,
  externalAsset,
  multiAsset,
  prefixKey,
  registerInternalPath,
  toAssetKey,
  type AssetCheckDefinition,
  type AssetCheckResult,
  type AssetContext,
  type AssetKey,
  type AssetKeyInput,
  type AssetsDefinition,
  type MetadataInput,
  type MultiAssetSpecInput,
} from "@strata/core";
import { DuckDBClient } from "@strata/duckdb";
import { loadDbtProject } from "./load-project.ts";
import { selectNodes } from "./selection.ts";
import { runDbtProject, runnableParents } from "./run-project.ts";
import { duckdbAdapter } from "./adapters/duckdb.ts";
import { openAdapter } from "./adapters/open.ts";
import { sourceFreshness, type DbtNodeResult } from "./run-node.ts";
import { freshnessQuery } from "./freshness.ts";
import type { SqlAdapter } from "./adapters/adapter.ts";
import type { DbtNode, DbtProject, DbtSource, FreshnessThreshold } from "./project-types.ts";

registerInternalPath("/integrations/sql/src/");

export interface DbtAssetsOptions {
  projectDir: string;
  /** profiles.yml target (default: the profile's `target:`). */
  target?: string;
  profilesDir?: string;
  vars?: Record<string, unknown>;
  /** dbt selection of the nodes to expose (default: all). */
  select?: string | string[];
  exclude?: string | string[];
  /** Prefix of every model/seed/snapshot key. */
  keyPrefix?: AssetKeyInput;
  /** Key of a node's asset (default: its name, `name_v<version>` for versions; keyPrefix applies). */
  nodeKey?: (node: DbtNode) => AssetKeyInput;
  /** Upstream key of a source table (default `<source>/<table>`; keyPrefix does not apply). */
  sourceKey?: (source: string, table: string, def: DbtSource) => AssetKeyInput;
  /** Group for nodes without `meta.strata.group` / `meta.dagster.group` / dbt group (default "dbt"). */
  group?: string;
  /**
   * Resource holding the warehouse connection: a {@link SqlAdapter} or a `DuckDBClient`
   * (e.g. `duckdbResource()`). Default: open the profiles.yml target for each run.
   */
  resource?: string;
  /** Step name (default `dbt_<project name>`). */
  name?: string;
}

/** Run tag that makes dbt assets rebuild incremental models and snapshots from scratch. */
export const FULL_REFRESH_TAG = "dbt/full_refresh";

const cache = new Map<string, DbtProject>();

/**
 * Loads the project behind {@link DbtAssetsOptions}. `dbtAssets` always reads the files afresh;
 * `dbtSourceAssets` reuses what the last `dbtAssets` with the same options read.
 */
export function loadProjectFor(o: DbtAssetsOptions, fresh = false): DbtProject {
  const k = JSON.stringify([o.projectDir, o.target, o.profilesDir, o.vars]);
  let p = fresh ? undefined : cache.get(k);
  if (!p) {
    p = loadDbtProject(o.projectDir, { ...(o.target ? { target: o.target } : {}), ...(o.profilesDir ? { profilesDir: o.profilesDir } : {}), ...(o.vars ? { vars: o.vars } : {}) });
    cache.set(k, p);
  }
  return p;
}

const list = (v: string | string[] | undefined) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);
const isAsset = (n: DbtNode) => n.resourceType !== "test" && !(n.resourceType === "model" && n.config.materialized === "ephemeral");
const OWNER = /^(team:[A-Za-z0-9_.\- ]+|[^@\s]+@[^@\s]+\.[^@\s]+)$/;

function metaOf(n: { meta: Record<string, unknown> }, key: string): unknown {
  for (const ns of ["strata", "dagster"]) {
    const m = n.meta[ns];
    if (m && typeof m === "object" && key in m) return (m as Record<string, unknown>)[key];
  }
  return undefined;
}

function ownersOf(project: DbtProject, n: DbtNode): string[] {
  const raw = metaOf(n, "owners");
  const out = Array.isArray(raw) ? raw.map(String) : [];
  const email = n.group ? project.groups.get(n.group)?.owner.email : undefined;
  if (out.length === 0 && email) out.push(email);
  return out.map((o) => (o.includes("@") || o.startsWith("team:") ? o : `team:${o}`)).filter((o) => OWNER.test(o));
}

export function defaultSourceKey(source: string, table: string): AssetKeyInput {
  return [source, table];
}

/** Upstream sources of a node, looking through ephemeral models. */
function sourcesOf(project: DbtProject, n: DbtNode, seen = new Set<string>()): string[] {
  const out: string[] = [];
  for (const d of n.dependsOn.nodes) {
    if (project.sources.has(d)) out.push(d);
    const p = project.nodes.get(d);
    if (p && !isAsset(p) && p.resourceType === "model" && !seen.has(d)) {
      seen.add(d);
      out.push(...sourcesOf(project, p, seen));
    }
  }
  return out;
}

interface Mapping {
  project: DbtProject;
  keyOf: Map<string, AssetKey>;
  nodeOf: Map<AssetKey, string>;
  /** Node id → tests declared as its checks. */
  checksOf: Map<string, DbtNode[]>;
}

function mapping(o: DbtAssetsOptions): Mapping {
  const project = loadProjectFor(o, true);
  const selected = selectNodes(project, { ...(list(o.select) ? { select: list(o.select)! } : {}), ...(list(o.exclude) ? { exclude: list(o.exclude)! } : {}), indirectSelection: "empty" });
  const keyOf = new Map<string, AssetKey>();
  const nodeOf = new Map<AssetKey, string>();
  for (const n of project.nodes.values()) {
    if (n.packageName !== project.name || !isAsset(n)) continue;
    const base = o.nodeKey ? o.nodeKey(n) : n.version !== undefined ? `${n.name}_v${n.version}` : n.name;
    const key = prefixKey(o.keyPrefix, toAssetKey(base));
    keyOf.set(n.uniqueId, key);
    if (selected.has(n.uniqueId)) nodeOf.set(key, n.uniqueId);
  }
  for (const s of project.sources.values()) keyOf.set(s.uniqueId, toAssetKey((o.sourceKey ?? defaultSourceKey)(s.sourceName, s.name, s)));
  const checksOf = new Map<string, DbtNode[]>();
  for (const t of project.nodes.values()) {
    if (t.resourceType !== "test") continue;
    const parents = t.dependsOn.nodes.filter((d) => project.nodes.has(d));
    const target = t.attachedNode ?? (parents.length === 1 ? parents[0] : undefined);
    if (!target || !project.nodes.has(target) || !nodeOf.has(keyOf.get(target) ?? "")) continue;
    (checksOf.get(target) ?? checksOf.set(target, []).get(target)!).push(t);
  }
  return { project, keyOf, nodeOf, checksOf };
}

function specOf(o: DbtAssetsOptions, m: Mapping, n: DbtNode): MultiAssetSpecInput {
  const { project, keyOf } = m;
  const deps = [
    ...runnableParents(project, n).map((p) => keyOf.get(p)).filter((k): k is AssetKey => k !== undefined),
    ...sourcesOf(project, n).map((s) => keyOf.get(s)!),
  ];
  const columns = Object.values(n.columns);
  const metadata: MetadataInput = {
    "dbt/unique_id": n.uniqueId,
    "dbt/materialized": String(n.config.materialized ?? ""),
    relation: `${n.relation.database}.${n.relation.schema}.${n.relation.identifier}`,
    ...(columns.length ? { column_schema: MetadataValue.tableSchema(columns.map((c) => ({ name: c.name, type: c.dataType ?? "", ...(c.description ? { description: c.description } : {}) }))) } : {}),
  };
  const group = metaOf(n, "group") ?? n.group ?? o.group ?? "dbt";
  return {
    key: keyOf.get(n.uniqueId)!,
    deps: [...new Set(deps)],
    group: String(group),
    kinds: ["dbt", project.adapter],
    tags: Object.fromEntries(n.tags.map((t) => [t, ""])),
    owners: ownersOf(project, n),
    ...(n.description ? { description: n.description } : {}),
    metadata,
    checks: (m.checksOf.get(n.uniqueId) ?? []).map((t) => ({
      name: t.name,
      severity: String(t.config.severity ?? "error").toLowerCase() === "warn" ? ("WARN" as const) : ("ERROR" as const),
      ...(t.description ? { description: t.description } : {}),
    })),
    codeRef: { file: n.absPath, line: n.line },
  };
}

async function adapterFor(o: DbtAssetsOptions, project: DbtProject, ctx: Pick<AssetContext, "resource">): Promise<{ adapter: SqlAdapter; owned: boolean }> {
  if (!o.resource) return { adapter: await openAdapter(project.target), owned: true };
  const v = ctx.resource<unknown>(o.resource);
  if (v instanceof DuckDBClient) return { adapter: duckdbAdapter(v), owned: false };
  if (v && typeof v === "object" && "transaction" in v && "relationKind" in v) return { adapter: v as SqlAdapter, owned: false };
  throw new StrataError("DEFS_INVALID", `Resource "${o.resource}" is not a SqlAdapter or a DuckDBClient`, {
    hint: "Use duckdbResource(), or a resource returning openPostgresAdapter(...)/openDuckDBAdapter(...).",
  });
}

const sqlBlock = (sql: string) => MetadataValue.markdown("```sql\n" + sql + "\n```");

function checkResult(assetKey: AssetKey, t: DbtNode, r: DbtNodeResult | undefined): AssetCheckResult {
  if (!r || r.status === "skipped") {
    return { assetKey, checkName: t.name, passed: false, description: r?.message ?? "not run", metadata: {} };
  }
  const metadata: MetadataInput = {
    failures: MetadataValue.int(r.failures ?? 0),
    status: r.status,
    ...(r.sampleRows?.length ? { failing_rows: MetadataValue.table(r.sampleRows) } : {}),
    ...(r.compiledCode ? { compiled_sql: sqlBlock(r.compiledCode) } : {}),
    ...(r.error ? { error: r.error.message } : {}),
  };
  return {
    assetKey, checkName: t.name, passed: r.status === "pass", metadata,
    ...(r.status === "warn" ? { severity: "WARN" as const } : r.status === "fail" || r.status === "error" ? { severity: "ERROR" as const } : {}),
    ...(r.status !== "pass" ? { description: r.error?.message.split("\n")[0] ?? `${r.failures ?? 0} failing row(s)` } : {}),
  };
}

/**
 * The multi-asset running a dbt project's selected nodes (like `dbt build`: seeds, models,
 * snapshots and their tests in DAG order). A failing model fails itself and skips its
 * downstream; the rest are recorded (the step then fails with the model's error).
 */
export function dbtAssets(o: DbtAssetsOptions): AssetsDefinition {
  const m = mapping(o);
  const { project } = m;
  const nodes = [...m.nodeOf.values()].map((id) => project.nodes.get(id)!);
  if (nodes.length === 0) {
    throw new StrataError("SELECTION_EMPTY", `dbtAssets: the selection matches no models, seeds or snapshots in ${project.root}`, {
      hint: "Check select/exclude (dbt syntax, e.g. \"+orders\", \"tag:nightly\").",
    });
  }
  return multiAsset(
    {
      name: o.name ?? `dbt_${project.name}`,
      specs: nodes.map((n) => specOf(o, m, n)),
      canSubset: true,
      ...(o.resource ? { resources: [o.resource] } : {}),
      codeRef: { file: `${project.root}/dbt_project.yml`, line: 1 },
    },
    async (ctx) => {
      const ids = ctx.selectedAssetKeys.map((k) => m.nodeOf.get(k)!);
      const tests = ids.flatMap((id) => (m.checksOf.get(id) ?? []).map((t) => t.uniqueId));
      const fullRefresh = ctx.runTags[FULL_REFRESH_TAG] === "true";
      const { adapter, owned } = await adapterFor(o, project, ctx);
      let run;
      try {
        run = await runDbtProject(project, adapter, {
          command: "build", only: [...ids, ...tests], fullRefresh, columns: true,
          onNodeResult: (r, i, total) => {
            const line = `${i + 1} of ${total} ${r.status.toUpperCase()} ${r.resourceType} ${r.name}: ${r.message.split("\n")[0]}`;
            if (r.status === "error") ctx.log.error(line, { error: r.error?.message });
            else if (r.status === "fail" || r.status === "warn" || r.status === "skipped") ctx.log.warn(line);
            else ctx.log.info(line);
          },
        });
      } finally {
        if (owned) await adapter.close();
      }
      const byId = new Map(run.results.map((r) => [r.uniqueId, r] as const));
      const done: MaterializeResult[] = [];
      const failed: DbtNodeResult[] = [];
      for (const id of ids) {
        const r = byId.get(id);
        if (!r || r.status !== "success") {
          if (r) failed.push(r);
          continue;
        }
        const key = m.keyOf.get(id)!;
        const metadata: MetadataInput = {
          ...(r.compiledCode ? { compiled_sql: sqlBlock(r.compiledCode) } : {}),
          ...(r.rowCount !== undefined ? { row_count: MetadataValue.int(r.rowCount) } : {}),
          ...(r.columns?.length ? { column_schema: MetadataValue.tableSchema(r.columns.map((c) => ({ name: c.name, type: c.dataType, ...(project.nodes.get(id)!.columns[c.name]?.description ? { description: project.nodes.get(id)!.columns[c.name]!.description } : {}) }))) } : {}),
          ...(r.relationName ? { relation: r.relationName } : {}),
          "dbt/execution_time_s": MetadataValue.float((r.completedAt.getTime() - r.startedAt.getTime()) / 1000),
        };
        const checkResults = (m.checksOf.get(id) ?? []).map((t) => checkResult(key, t, byId.get(t.uniqueId)));
        done.push(new MaterializeResult({ assetKey: key, metadata, checkResults }));
      }
      if (failed.length > 0) {
        const errors = failed.filter((r) => r.status === "error");
        const first = errors[0]?.error;
        const summary = `${errors.length} dbt node(s) failed${failed.length > errors.length ? `, ${failed.length - errors.length} skipped` : ""}`;
        const cause = first ? new StrataError(first.code, `${summary}: ${first.message}`, { ...(first.where ? { where: first.where } : {}), ...(first.hint ? { hint: first.hint } : {}), assetKey: m.keyOf.get(errors[0]!.uniqueId) }) : new StrataError("USER_CODE", summary);
        throw new PartialMaterialization(done, cause);
      }
      return done;
    },
  );
}

/**
 * External assets for the project's sources (keys from `sourceKey`), so dbt assets' deps
 * resolve when nothing else defines them. Pass `except` for keys your own assets produce.
 *
 * @example
 * assets: [dbtAssets(opts), ...dbtSourceAssets(opts, { except: ["app/events"] })]
 */
export function dbtSourceAssets(o: DbtAssetsOptions, opts: { except?: AssetKeyInput[] } = {}): AssetsDefinition[] {
  const project = loadProjectFor(o);
  const skip = new Set((opts.except ?? []).map((k) => toAssetKey(k)));
  const out: AssetsDefinition[] = [];
  const seen = new Set<string>();
  for (const s of project.sources.values()) {
    const key = toAssetKey((o.sourceKey ?? defaultSourceKey)(s.sourceName, s.name, s));
    if (skip.has(key) || seen.has(key)) continue;
    seen.add(key);
    out.push(externalAsset({
      key,
      group: o.group ?? "dbt_sources",
      kinds: ["dbt", project.adapter],
      ...(s.description || s.sourceDescription ? { description: s.description || s.sourceDescription } : {}),
      metadata: { "dbt/unique_id": s.uniqueId, relation: `${s.relation.database}.${s.relation.schema}.${s.relation.identifier}`, ...(s.loader ? { "dbt/loader": s.loader } : {}) },
      codeRef: { file: s.absPath, line: s.line },
    }));
  }
  return out;
}

/** Sources with freshness a check can evaluate: `loaded_at_field` and a `warn_after`/`error_after`. */
export function hasFreshness(s: DbtSource): boolean {
  return s.loadedAtField !== undefined && (s.freshness?.warnAfter !== undefined || s.freshness?.errorAfter !== undefined);
}

const thresholdText = (t: FreshnessThreshold | undefined) => (t ? `${t.count} ${t.period}${t.count === 1 ? "" : "s"}` : "none");

/**
 * Source freshness (`dbt source freshness`) as asset checks: for every source table declaring
 * `loaded_at_field` and `warn_after`/`error_after` (inherited from the source like dbt), a
 * standalone check named `freshness` on the source's key (from `sourceKey`, as
 * {@link dbtSourceAssets}). It queries `max(loaded_at_field)` in the warehouse (the `resource`
 * of the options, or the profiles.yml target) and passes within `warn_after`, fails with
 * severity WARN past `warn_after` and ERROR past `error_after` (or when the query fails).
 * Selecting the external source asset runs its checks (`strata materialize --select app/events`).
 *
 * @example
 * defineDefinitions({ assets: [dbtAssets(opts), ...dbtSourceAssets(opts)], checks: dbtSourceFreshnessChecks(opts) });
 */
export function dbtSourceFreshnessChecks(o: DbtAssetsOptions, opts: { blocking?: boolean } = {}): AssetCheckDefinition[] {
  const project = loadProjectFor(o);
  const out: AssetCheckDefinition[] = [];
  const seen = new Set<string>();
  for (const s of project.sources.values()) {
    if (!hasFreshness(s)) continue;
    const key = toAssetKey((o.sourceKey ?? defaultSourceKey)(s.sourceName, s.name, s));
    if (seen.has(key)) continue;
    seen.add(key);
    const { warnAfter, errorAfter } = s.freshness!;
    out.push(assetCheck(
      {
        asset: key,
        name: "freshness",
        severity: errorAfter ? "ERROR" : "WARN",
        blocking: opts.blocking ?? false,
        description: `dbt source freshness of ${s.sourceName}.${s.name}: max(${s.loadedAtField}) within ${thresholdText(warnAfter)} (warn), ${thresholdText(errorAfter)} (error)`,
        ...(o.resource ? { resources: [o.resource] } : {}),
        codeRef: { file: s.absPath, line: s.line },
      },
      async (ctx): Promise<AssetCheckResult> => {
        const { adapter, owned } = await adapterFor(o, project, ctx);
        const now = new Date();
        let r;
        try {
          r = await sourceFreshness(project, s.uniqueId, adapter, now);
        } finally {
          if (owned) await adapter.close();
        }
        const metadata: MetadataInput = {
          max_loaded_at: r.maxLoadedAt ? MetadataValue.timestamp(r.maxLoadedAt) : null,
          age_seconds: r.ageSeconds === null ? null : MetadataValue.float(Math.round(r.ageSeconds * 1000) / 1000),
          snapshotted_at: MetadataValue.timestamp(now),
          warn_after: thresholdText(warnAfter),
          error_after: thresholdText(errorAfter),
          status: r.error ? "runtime error" : r.status,
          query: sqlBlock(freshnessQuery(s)),
          ...(r.error ? { error: r.error.message } : {}),
        };
        const age = r.ageSeconds === null ? "no rows" : `${Math.round(r.ageSeconds)}s old`;
        if (r.status === "pass") return { assetKey: key, checkName: "freshness", passed: true, metadata };
        const description = r.error
          ? `Freshness query failed: ${r.error.message.split("\n")[0]}`
          : `${s.sourceName}.${s.name} is stale: max(${s.loadedAtField}) ${age}, ${r.status === "warn" ? `warn after ${thresholdText(warnAfter)}` : `error after ${thresholdText(errorAfter)}`}`;
        return { assetKey: key, checkName: "freshness", passed: false, severity: r.status === "warn" ? "WARN" : "ERROR", description, metadata };
      },
    ));
  }
  return out;
}
