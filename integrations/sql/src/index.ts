/**
 * @strata/sql: parse and compile dbt projects natively in Node (no Python, no database driver).
 * Execution (DuckDB/Postgres) runs the statement lists produced here.
 *
 * @example
 * import { loadDbtProject, compileProject, selectNodes, buildManifest } from "@strata/sql";
 * const project = loadDbtProject("./jaffle_shop");
 * const compiled = await compileProject(project);
 * const manifest = buildManifest(project, compiled);
 */
export { loadDbtProject, type LoadOptions } from "./load-project.ts";
export { compileNode, compileNodeSync, compileProject, compileHooks, type CompileOptions, type CompiledNode } from "./compile.ts";
export { freshnessQuery, freshnessStatus, thresholdMs } from "./freshness.ts";
export { selectNodes, type SelectOptions } from "./selection.ts";
export { buildManifest, buildRunResults, type DbtManifest, type NodeRunResult, type RunStatus } from "./manifest.ts";
export {
  viewStatements, tableStatements, incrementalStageStatements, incrementalMergeStatements, incrementalTempRelation, createSchemaStatement,
  type MaterializeInput, type IncrementalInput, type IncrementalStrategy, type OnSchemaChange,
} from "./materializations.ts";
export { snapshotStatements, type SnapshotInput } from "./snapshot-statements.ts";
export { seedStatements, inferSeedType, sqlType, type SeedInput, type SeedPlan, type SeedType } from "./seed-statements.ts";
export { parseCsv, type CsvTable } from "./csv.ts";
export { testResultQuery, failingRowsQuery, testSeverity, testStatus } from "./test-queries.ts";
export { injectCtes, type Cte } from "./inject-ctes.ts";
export { Relation, renderRelation, quoteIdent } from "./relation.ts";
export { AgateTable, type QueryResult } from "./agate-table.ts";
export type { Introspection, WarehouseColumn } from "./introspection.ts";
export { loadTarget, type DbtTarget, type TargetOptions } from "./profiles.ts";
export { DbtRenderer, type RendererOptions, type RenderState } from "./dbt-renderer.ts";
export { createJinjaEnvironment, compileTemplate, renderTemplate, preprocessJinja } from "./jinja/environment.ts";
export { mergeConfig, resolveTreeConfig, type ConfigMap } from "./config-merge.ts";
export type {
  AdapterType, ColumnInfo, DbtGroup, DbtMacro, DbtNode, DbtProject, DbtSource, FreshnessThreshold, NodeResourceType, RelationName,
  ResourceType, SourceFreshness, TestMetadata,
} from "./project-types.ts";
export type { SqlAdapter, SqlSession, RelationKind, Row } from "./adapters/adapter.ts";
export { duckdbAdapter, openDuckDBAdapter } from "./adapters/duckdb.ts";
export { postgresAdapter, openPostgresAdapter, type PostgresAdapterOptions } from "./adapters/postgres.ts";
export { openAdapter } from "./adapters/open.ts";
export { runDbtNode, sourceFreshness, type DbtNodeResult, type RunNodeOptions, type FreshnessResult } from "./run-node.ts";
export { runDbtProject, plannedNodes, executionOrder, writeArtifacts, runSourceFreshness, freshnessSources, buildSourcesJson, type DbtCommand, type RunProjectOptions, type ProjectRunResult, type SourceFreshnessRun } from "./run-project.ts";
export { excerpt } from "./node-error.ts";
export { dbtAssets, dbtSourceAssets, dbtSourceFreshnessChecks, loadProjectFor, defaultSourceKey, FULL_REFRESH_TAG, type DbtAssetsOptions } from "./dbt-assets.ts";
