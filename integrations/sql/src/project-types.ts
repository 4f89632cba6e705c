/**
 * The parsed shape of a dbt project: nodes (models, seeds, snapshots, tests), sources, macros,
 * the target it compiles for. Plain data: everything here is JSON-serialisable except
 * `DbtProject.renderer`.
 *
 * @example
 * const project = loadDbtProject("./jaffle_shop");
 * project.nodes.get("model.jaffle_shop.orders")?.dependsOn.nodes; // ["model.jaffle_shop.stg_orders", ...]
 */
import type { ConfigMap } from "./config-merge.ts";
import type { DbtTarget } from "./profiles.ts";
import type { DbtRenderer } from "./dbt-renderer.ts";

export type AdapterType = "duckdb" | "postgres";
export type NodeResourceType = "model" | "seed" | "snapshot" | "test";
export type ResourceType = NodeResourceType | "source";

export interface ColumnInfo {
  name: string;
  description: string;
  dataType?: string;
  meta: Record<string, unknown>;
  tags: string[];
}

/** A relation in the warehouse. */
export interface RelationName {
  database: string;
  schema: string;
  identifier: string;
}

export interface TestMetadata {
  /** Generic test name without namespace, e.g. `not_null`, `expression_is_true`. */
  name: string;
  /** Package namespace for namespaced tests (`dbt_utils`), else undefined. */
  namespace?: string;
  /** Arguments from YAML (not rendered), including `column_name` when column-level. */
  kwargs: Record<string, unknown>;
}

export interface DbtNode {
  uniqueId: string;
  resourceType: NodeResourceType;
  packageName: string;
  name: string;
  /** Path relative to its resource folder (`staging/stg_orders.sql`). */
  path: string;
  /** Path relative to the project root (`models/staging/stg_orders.sql`). */
  originalFilePath: string;
  /** 1-based line in `originalFilePath` where the node's code starts (snapshot blocks, YAML tests). */
  line: number;
  fqn: string[];
  rawCode: string;
  config: ConfigMap;
  description: string;
  columns: Record<string, ColumnInfo>;
  meta: Record<string, unknown>;
  tags: string[];
  group?: string;
  version?: string | number;
  latestVersion?: string | number;
  /** Raw `ref()` calls captured at parse time: [package?, name, version?]. */
  refs: { package?: string; name: string; version?: string | number }[];
  /** Raw `source()` calls: [source, table]. */
  sources: [string, string][];
  dependsOn: { nodes: string[]; macros: string[] };
  /** Resolved relation (ephemeral models still get one, rendered as a CTE name instead). */
  relation: RelationName;
  /** For tests: what was tested. */
  testMetadata?: TestMetadata;
  attachedNode?: string;
  columnName?: string;
  /** Absolute file path (for code references). */
  absPath: string;
  /** YAML file that declared the properties/test, if any. */
  patchPath?: string;
}

export interface FreshnessThreshold {
  count: number;
  period: "minute" | "hour" | "day";
}

export interface SourceFreshness {
  warnAfter?: FreshnessThreshold;
  errorAfter?: FreshnessThreshold;
  filter?: string;
}

export interface DbtSource {
  uniqueId: string;
  packageName: string;
  sourceName: string;
  name: string;
  identifier: string;
  relation: RelationName;
  description: string;
  sourceDescription: string;
  loader: string;
  loadedAtField?: string;
  freshness?: SourceFreshness;
  columns: Record<string, ColumnInfo>;
  meta: Record<string, unknown>;
  tags: string[];
  originalFilePath: string;
  absPath: string;
  line: number;
  fqn: string[];
  config: ConfigMap;
}

export interface DbtMacro {
  uniqueId: string;
  name: string;
  packageName: string;
  originalFilePath: string;
  absPath: string;
  line: number;
  description: string;
}

export interface DbtGroup {
  name: string;
  owner: { name?: string; email?: string };
}

export interface DbtProject {
  root: string;
  name: string;
  profileName: string;
  target: DbtTarget;
  adapter: AdapterType;
  vars: Record<string, unknown>;
  /** In dependency order of discovery: models, seeds, snapshots, tests. */
  nodes: Map<string, DbtNode>;
  sources: Map<string, DbtSource>;
  macros: Map<string, DbtMacro>;
  groups: Map<string, DbtGroup>;
  /** Installed packages found in `dbt_packages/` (by their project names). */
  packages: string[];
  /** Paths from dbt_project.yml. */
  paths: { model: string[]; seed: string[]; macro: string[]; snapshot: string[]; test: string[]; target: string };
  /** The Jinja renderer with all macros loaded (reused by compilation). */
  renderer: DbtRenderer;
}
