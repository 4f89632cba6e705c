import type { Generated } from "kysely";

/**
 * Kysely table types for the Strata schema (see `migrations.ts` for the DDL). Timestamps are
 * milliseconds since the epoch; JSON is stored as TEXT so every dialect reads it the same way.
 * Integer columns may come back as strings from network drivers (Postgres `bigint`), so row
 * mappers always pass them through `Number()`.
 */
export interface RunsTable {
  id: Generated<number>;
  run_id: string;
  status: string;
  selection: string;
  /** JSON string[] */
  asset_keys: string;
  /** JSON string[] */
  check_keys: string;
  /** JSON Record<string, string> */
  tags: string;
  location: string;
  /** JSON object */
  config: string;
  parent_run_id: string | null;
  root_run_id: string | null;
  partition_key: string | null;
  worker_pid: number | null;
  worker_host: string | null;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  updated_at: number;
  heartbeat_at: number | null;
}

/** One row per (run, tag) so tag filters use an index instead of JSON functions. */
export interface RunTagsTable {
  run_id: string;
  key: string;
  value: string;
}

/** One row per (run, asset) so "runs of asset X" is an indexed lookup on every dialect. */
export interface RunAssetsTable {
  run_id: string;
  asset_key: string;
}

export interface EventLogsTable {
  id: Generated<number>;
  run_id: string;
  type: string;
  timestamp: number;
  level: string;
  message: string;
  step_key: string | null;
  asset_key: string | null;
  check_key: string | null;
  partition_key: string | null;
  /** JSON EventData, or null when the event carried none. */
  data: string | null;
}

/** Latest state per asset, maintained in the same transaction as the events that change it. */
export interface AssetIndexTable {
  asset_key: string;
  last_mat_event_id: number | null;
  last_mat_run_id: string | null;
  last_mat_timestamp: number | null;
  last_planned_run_id: string | null;
  last_run_id: string | null;
  last_failed_run_id: string | null;
  last_failed_at: number | null;
  wiped_at: number | null;
  /** Id of the ASSET_WIPED event: history queries only see events after it. */
  wiped_event_id: number | null;
}

/** Latest evaluation per check key. */
export interface CheckStatusTable {
  check_key: string;
  asset_key: string;
  last_event_id: number;
  last_run_id: string;
  last_timestamp: number;
  /** 1 or 0 (integers read the same on every dialect). */
  passed: number;
  severity: string;
}

export interface KvTable {
  key: string;
  value: string;
  updated_at: number;
}

/** One row per pool: claimers lock it (row lock / write lock) so count-then-insert is atomic. */
export interface PoolsTable {
  pool: string;
  slot_limit: number;
  updated_at: number;
}

export interface PoolSlotsTable {
  pool: string;
  run_id: string;
  step_key: string;
  claimed_at: number;
}

/**
 * Partition status index: one row per (asset, partition) that has been planned, materialised
 * or failed. No row means "missing". Maintained by `partition-index.ts` with the events.
 */
export interface AssetPartitionsTable {
  asset_key: string;
  partition: string;
  /** "materialized" | "failed" | "in_progress" */
  status: string;
  last_materialized_at: number | null;
  last_materialization_event_id: number | null;
  last_materialization_run_id: string | null;
  last_run_id: string | null;
  /** Cleared by a later materialisation, so non-null means "failed after its last success". */
  last_failed_at: number | null;
  updated_at: number;
}

/** The partition status summary: `asset_partitions`' status and last materialisation, packed in pages (partition-pages.ts). */
export interface AssetPartitionPagesTable {
  asset_key: string;
  /** The smallest key the page may hold ("" for an asset's first page). */
  lo: string;
  entries: number;
  max_materialized_at: number | null;
  /** One line per partition: status letter, last materialisation (ms), tab, escaped key. */
  body: string;
}

/** Keys of dynamic partition sets; `position` gives insertion order. */
export interface DynamicPartitionsTable {
  position: Generated<number>;
  name: string;
  partition_key: string;
  added_at: number;
}

export interface BackfillsTable {
  id: Generated<number>;
  backfill_id: string;
  status: string;
  selection: string;
  /** JSON string[] */
  asset_keys: string;
  /** JSON object */
  partition_selection: string;
  /** JSON Record<string, string> */
  tags: string;
  max_concurrent_runs: number;
  location: string;
  created_at: number;
  updated_at: number;
  ended_at: number | null;
  error: string | null;
}

export interface BackfillChunksTable {
  backfill_id: string;
  chunk_id: number;
  /** JSON string[] */
  asset_keys: string;
  /** JSON string[] */
  partition_keys: string;
  /** JSON { start, end }, or null */
  partition_range: string | null;
  /** JSON number[] */
  depends_on: string;
  /** JSON BackfillChunkNeed[], or null (chunks planned before migration 0004) */
  needs: string | null;
  status: string;
  run_id: string | null;
  attempts: number;
  updated_at: number;
}

/** One tick of a schedule, sensor or the automation loop: its intent first, then its outcome. */
export interface TicksTable {
  id: Generated<number>;
  tick_id: string;
  instigator_name: string;
  /** "schedule" | "sensor" | "automation" */
  instigator_type: string;
  /** "STARTED" | "SKIPPED" | "SUCCESS" | "FAILURE" */
  status: string;
  scheduled_at: number | null;
  /** JSON string[] */
  run_ids: string;
  /** JSON string[] */
  run_keys: string;
  cursor: string | null;
  skip_reason: string | null;
  error: string | null;
  /** JSON: what the tick planned (run requests, evaluation state), for resuming after a crash. */
  data: string | null;
  created_at: number;
  updated_at: number;
  ended_at: number | null;
}

/** Idempotency keys: a key used by an instigator maps to the one run it created. */
export interface RunKeysTable {
  instigator: string;
  run_key: string;
  run_id: string;
  created_at: number;
}

export interface AutomationEvaluationsTable {
  id: Generated<number>;
  tick_id: string;
  asset_key: string;
  evaluated_at: number;
  requested_count: number;
  /** JSON AssetConditionEvaluation */
  evaluation: string;
}

export interface MigrationsTable {
  version: number;
  name: string;
  applied_at: number;
}

/** The whole database as Kysely sees it. */
export interface StrataDatabase {
  runs: RunsTable;
  run_tags: RunTagsTable;
  run_assets: RunAssetsTable;
  event_logs: EventLogsTable;
  asset_index: AssetIndexTable;
  check_status: CheckStatusTable;
  kv: KvTable;
  pools: PoolsTable;
  pool_slots: PoolSlotsTable;
  asset_partitions: AssetPartitionsTable;
  asset_partition_pages: AssetPartitionPagesTable;
  dynamic_partitions: DynamicPartitionsTable;
  backfills: BackfillsTable;
  backfill_chunks: BackfillChunksTable;
  ticks: TicksTable;
  run_keys: RunKeysTable;
  automation_evaluations: AutomationEvaluationsTable;
  migrations: MigrationsTable;
}
