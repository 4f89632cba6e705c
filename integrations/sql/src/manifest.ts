/**
 * `target/manifest.json` in dbt's v12 shape (nodes, sources, macros, groups, parent_map,
 * child_map), and `target/run_results.json` (v6), so tools that read dbt artifacts keep working.
 *
 * @example
 * const manifest = buildManifest(project, compiled);
 * manifest.nodes["model.jaffle_shop.orders"].depends_on.nodes; // ["model.jaffle_shop.stg_orders", ...]
 */
import type { CompiledNode } from "./compile.ts";
import type { DbtNode, DbtProject, DbtSource, ColumnInfo } from "./project-types.ts";

const SCHEMA = "https://schemas.getdbt.com/dbt/manifest/v12.json";
const RUN_RESULTS_SCHEMA = "https://schemas.getdbt.com/dbt/run-results/v6.json";

function columns(cols: Record<string, ColumnInfo>): Record<string, unknown> {
  return Object.fromEntries(
    Object.values(cols).map((c) => [c.name, { name: c.name, description: c.description, meta: c.meta, data_type: c.dataType ?? null, constraints: [], quote: null, tags: c.tags }]),
  );
}

function nodeJson(project: DbtProject, n: DbtNode, compiled: CompiledNode | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {
    database: n.relation.database, schema: n.relation.schema, name: n.name, resource_type: n.resourceType, package_name: n.packageName,
    path: n.path, original_file_path: n.originalFilePath, unique_id: n.uniqueId, fqn: n.fqn, alias: n.relation.identifier,
    checksum: { name: "sha256", checksum: "" }, config: n.config, tags: n.tags, description: n.description, columns: columns(n.columns),
    meta: n.meta, group: n.group ?? null, docs: { show: true, node_color: null }, patch_path: n.patchPath ? `${project.name}://${n.patchPath}` : null,
    build_path: null, unrendered_config: {}, created_at: 0, relation_name: n.config.materialized === "ephemeral" || n.resourceType === "test" ? null : `"${n.relation.database}"."${n.relation.schema}"."${n.relation.identifier}"`,
    raw_code: n.rawCode, language: "sql",
    refs: n.refs.map((r) => ({ name: r.name, package: r.package ?? null, version: r.version ?? null })),
    sources: n.sources, metrics: [], depends_on: { macros: n.dependsOn.macros, nodes: n.dependsOn.nodes },
    compiled_path: compiled ? `${project.paths.target}/compiled/${project.name}/${n.originalFilePath}` : null,
    compiled: compiled !== undefined,
  };
  if (compiled) {
    out.compiled_code = compiled.compiledCode;
    out.extra_ctes_injected = true;
    out.extra_ctes = compiled.ephemerals.map((id) => ({ id, sql: null }));
  }
  if (n.resourceType === "model") Object.assign(out, { access: "protected", constraints: [], version: n.version ?? null, latest_version: n.latestVersion ?? null, deprecation_date: null });
  if (n.resourceType === "test") {
    Object.assign(out, { column_name: n.columnName ?? null, file_key_name: n.attachedNode ? `models.${n.attachedNode.split(".")[2]}` : null, attached_node: n.attachedNode ?? null });
    if (n.testMetadata) out.test_metadata = { name: n.testMetadata.name, kwargs: n.testMetadata.kwargs, namespace: n.testMetadata.namespace ?? null };
  }
  if (n.resourceType === "seed") out.root_path = project.root;
  return out;
}

function sourceJson(s: DbtSource): Record<string, unknown> {
  const t = (x: { count: number; period: string } | undefined) => (x ? { count: x.count, period: x.period } : { count: null, period: null });
  return {
    database: s.relation.database, schema: s.relation.schema, name: s.name, resource_type: "source", package_name: s.packageName,
    path: s.originalFilePath, original_file_path: s.originalFilePath, unique_id: s.uniqueId, fqn: s.fqn, source_name: s.sourceName,
    source_description: s.sourceDescription, loader: s.loader, identifier: s.identifier, quoting: {}, loaded_at_field: s.loadedAtField ?? null,
    freshness: s.freshness ? { warn_after: t(s.freshness.warnAfter), error_after: t(s.freshness.errorAfter), filter: s.freshness.filter ?? null } : null,
    external: null, description: s.description, columns: columns(s.columns), meta: s.meta, source_meta: {}, tags: s.tags, config: { enabled: true, ...s.config },
    relation_name: `"${s.relation.database}"."${s.relation.schema}"."${s.identifier}"`, created_at: 0,
  };
}

export interface DbtManifest {
  metadata: Record<string, unknown>;
  nodes: Record<string, Record<string, unknown> & { depends_on: { nodes: string[]; macros: string[] } }>;
  sources: Record<string, Record<string, unknown>>;
  macros: Record<string, Record<string, unknown>>;
  docs: Record<string, unknown>;
  exposures: Record<string, unknown>;
  metrics: Record<string, unknown>;
  groups: Record<string, unknown>;
  selectors: Record<string, unknown>;
  disabled: Record<string, unknown>;
  parent_map: Record<string, string[]>;
  child_map: Record<string, string[]>;
  group_map: Record<string, string[]>;
  saved_queries: Record<string, unknown>;
  semantic_models: Record<string, unknown>;
  unit_tests: Record<string, unknown>;
}

export function buildManifest(project: DbtProject, compiled?: Map<string, CompiledNode>, generatedAt = new Date()): DbtManifest {
  const nodes: DbtManifest["nodes"] = {};
  for (const n of project.nodes.values()) nodes[n.uniqueId] = nodeJson(project, n, compiled?.get(n.uniqueId)) as DbtManifest["nodes"][string];
  const sources: DbtManifest["sources"] = {};
  for (const s of project.sources.values()) sources[s.uniqueId] = sourceJson(s);
  const macros: DbtManifest["macros"] = {};
  for (const m of project.macros.values()) {
    macros[m.uniqueId] = { name: m.name, resource_type: "macro", package_name: m.packageName, path: m.originalFilePath, original_file_path: m.originalFilePath, unique_id: m.uniqueId, macro_sql: "", depends_on: { macros: [] }, description: m.description, meta: {}, docs: { show: true }, patch_path: null, arguments: [], created_at: 0, supported_languages: null };
  }
  const parent: Record<string, string[]> = {};
  const child: Record<string, string[]> = {};
  for (const id of [...Object.keys(nodes), ...Object.keys(sources)]) {
    parent[id] = [];
    child[id] = [];
  }
  for (const n of project.nodes.values()) {
    parent[n.uniqueId] = [...n.dependsOn.nodes];
    for (const p of n.dependsOn.nodes) (child[p] ??= []).push(n.uniqueId);
  }
  for (const k of Object.keys(child)) child[k]!.sort();
  const groups: Record<string, unknown> = {};
  const groupMap: Record<string, string[]> = {};
  for (const g of project.groups.values()) {
    groups[`group.${project.name}.${g.name}`] = { name: g.name, resource_type: "group", package_name: project.name, unique_id: `group.${project.name}.${g.name}`, owner: g.owner };
  }
  for (const n of project.nodes.values()) if (n.group) (groupMap[n.group] ??= []).push(n.uniqueId);
  return {
    metadata: {
      dbt_schema_version: SCHEMA, dbt_version: "1.8.0", generated_at: generatedAt.toISOString(), invocation_id: null, env: {},
      project_name: project.name, adapter_type: project.adapter, send_anonymous_usage_stats: false, user_id: null, generator: "strata",
    },
    nodes, sources, macros, docs: {}, exposures: {}, metrics: {}, groups, selectors: {}, disabled: {},
    parent_map: parent, child_map: child, group_map: groupMap, saved_queries: {}, semantic_models: {}, unit_tests: {},
  };
}

export type RunStatus = "success" | "error" | "skipped" | "pass" | "fail" | "warn" | "runtime error";

/** One executed node, as the executor reports it. */
export interface NodeRunResult {
  uniqueId: string;
  status: RunStatus;
  startedAt: Date;
  completedAt: Date;
  message?: string;
  failures?: number | null;
  rowsAffected?: number;
  compiledCode?: string;
  relationName?: string;
  threadId?: string;
}

export function buildRunResults(results: readonly NodeRunResult[], opts: { elapsedTime?: number; args?: Record<string, unknown>; generatedAt?: Date } = {}): Record<string, unknown> {
  return {
    metadata: { dbt_schema_version: RUN_RESULTS_SCHEMA, dbt_version: "1.8.0", generated_at: (opts.generatedAt ?? new Date()).toISOString(), invocation_id: null, env: {} },
    results: results.map((r) => ({
      status: r.status,
      timing: [
        { name: "compile", started_at: r.startedAt.toISOString(), completed_at: r.startedAt.toISOString() },
        { name: "execute", started_at: r.startedAt.toISOString(), completed_at: r.completedAt.toISOString() },
      ],
      thread_id: r.threadId ?? "Thread-1",
      execution_time: (r.completedAt.getTime() - r.startedAt.getTime()) / 1000,
      adapter_response: r.rowsAffected === undefined ? {} : { _message: `OK ${r.rowsAffected}`, code: "OK", rows_affected: r.rowsAffected },
      message: r.message ?? null,
      failures: r.failures ?? null,
      unique_id: r.uniqueId,
      compiled: r.compiledCode !== undefined,
      compiled_code: r.compiledCode ?? null,
      relation_name: r.relationName ?? null,
    })),
    elapsed_time: opts.elapsedTime ?? results.reduce((s, r) => s + (r.completedAt.getTime() - r.startedAt.getTime()) / 1000, 0),
    args: opts.args ?? {},
  };
}
