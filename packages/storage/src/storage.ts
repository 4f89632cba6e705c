import type { BackfillChunkNeed, EventRecord, EventType, MetadataMap, PartitionFactList, RunRecord, RunStatus, RunsFilter, StrataEvent, CheckSeverity } from "@strata/core";

/**
 * The storage interfaces of DESIGN.md. One SQL implementation (Kysely) serves them all;
 * dialects (SQLite now, Postgres later) supply only connection, migrations and capability flags.
 * All methods are async so a network database fits behind the same interface.
 */
export interface RunStorage {
  /** Inserts a run (no event is appended). A duplicate runId fails with `StrataError("STORAGE")`. */
  createRun(run: RunRecord): Promise<void>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** Newest first. */
  listRuns(filter?: RunsFilter): Promise<RunRecord[]>;
  /**
   * Moves a run to `status` and appends the matching RUN_* event in one transaction.
   * `fromStatuses` guards the transition (compare-and-set): returns false when the run was not
   * in one of them, so two processes never both start or finish a run.
   * Without `event`, the standard RUN_* event for `status` is appended (none for NOT_STARTED).
   * `startedAt` defaults to now on STARTED and `endedAt` on SUCCESS/FAILURE/CANCELED, where
   * "now" is `event.timestamp` when given. An unknown run fails with `RUN_NOT_FOUND`.
   */
  transitionRun(
    runId: string,
    status: RunStatus,
    options?: { fromStatuses?: RunStatus[]; event?: StrataEvent; fields?: Partial<Pick<RunRecord, "workerPid" | "workerHost" | "startedAt" | "endedAt">> },
  ): Promise<boolean>;
  /** Merges tags (new values win). An unknown run fails with `RUN_NOT_FOUND`. */
  addRunTags(runId: string, tags: Record<string, string>): Promise<void>;
  /** Records a worker heartbeat. An unknown run fails with `RUN_NOT_FOUND`. */
  heartbeat(runId: string, at: number): Promise<void>;
  /**
   * Deletes the run, its events, tags and pool slots; indexes that pointed at it fall back to
   * the newest remaining materialisation/evaluation. Unknown runs are ignored.
   */
  deleteRun(runId: string): Promise<void>;
}

export interface EventsQuery {
  /** Only events with id > afterId (for tailing). */
  afterId?: number;
  limit?: number;
  types?: EventType[];
  stepKey?: string;
}

export interface MaterializationRecord {
  eventId: number;
  runId: string;
  assetKey: string;
  partition?: string;
  timestamp: number;
  metadata: MetadataMap;
  codeVersion?: string;
  dataVersion?: string;
}

export interface CheckEvaluationRecord {
  eventId: number;
  runId: string;
  checkKey: string;
  assetKey: string;
  partition?: string;
  timestamp: number;
  passed: boolean;
  severity: CheckSeverity;
  metadata: MetadataMap;
  description?: string;
}

/** The asset index row: maintained in the same transaction as the event that changes it. */
export interface AssetRecord {
  assetKey: string;
  lastMaterialization?: MaterializationRecord;
  /** Run currently planning to materialise it (ASSET_MATERIALIZATION_PLANNED not yet followed by a result). */
  lastPlannedRunId?: string;
  lastRunId?: string;
  /** Latest failed step's run for this asset, when newer than the last materialisation. */
  lastFailedRunId?: string;
  lastFailedAt?: number;
  wipedAt?: number;
}

export interface CheckStatusRecord {
  checkKey: string;
  assetKey: string;
  lastEvaluation?: CheckEvaluationRecord;
}

export interface EventLogStorage {
  /**
   * Appends events atomically and updates the derived indexes (asset records, check status)
   * in the same transaction. Returns the stored records with their ids, in input order.
   * ASSET_MATERIALIZATION sets `lastMaterialization` (and clears the failure and this run's
   * plan); ASSET_MATERIALIZATION_PLANNED sets `lastPlannedRunId`/`lastRunId`; STEP_FAILURE marks
   * `assetKey` and every key of `data.assetKeys` failed; events with `partition` (or
   * `data.partitions`, a string[]) also update the partition index (see {@link AssetPartitionRecord});
   * ASSET_CHECK_EVALUATION (needs
   * `assetKey`, `checkKey`, `data.check`) updates check status; ASSET_WIPED resets the asset.
   * A malformed event fails the whole batch with `StrataError("STORAGE")`. Batch events:
   * one call per event costs a transaction each.
   */
  storeEvents(events: StrataEvent[]): Promise<EventRecord[]>;
  getEvents(runId: string, query?: EventsQuery): Promise<EventRecord[]>;
  /**
   * Events of every run with id > `afterId`, in log order, at most `limit` (default 1,000): one
   * query tails the whole log (the server's live stream polls it). Primary-key range scan.
   */
  getEventsAfter(afterId: number, limit?: number): Promise<EventRecord[]>;
  /** Id of the newest event (0 when the log is empty): where a tail starts. */
  getLastEventId(): Promise<number>;
  /** Asset index rows for `keys`, or all known assets. */
  getAssetRecords(keys?: string[]): Promise<AssetRecord[]>;
  /** Newest first; only materialisations after the asset's last wipe. */
  getMaterializations(assetKey: string, options?: { limit?: number; beforeEventId?: number; partition?: string }): Promise<MaterializationRecord[]>;
  getCheckStatus(checkKeys?: string[]): Promise<CheckStatusRecord[]>;
  /** Newest first; only evaluations after the asset's last wipe. */
  getCheckHistory(checkKey: string, options?: { limit?: number }): Promise<CheckEvaluationRecord[]>;
  /**
   * Forgets an asset's history (events stay for runs; the index and its checks' status are reset
   * and an ASSET_WIPED event is recorded with runId "").
   */
  wipeAsset(assetKey: string): Promise<void>;
}

export interface KeyValueStorage {
  getValue(key: string): Promise<string | undefined>;
  setValue(key: string, value: string): Promise<void>;
  deleteValue(key: string): Promise<void>;
}

/** Named pools limit concurrent steps across all runs; slots are claimed in a transaction. */
export interface PoolStorage {
  /** Claims a slot if fewer than `limit` are held; true on success. Idempotent per (runId, stepKey). */
  claimPoolSlot(pool: string, limit: number, runId: string, stepKey: string): Promise<boolean>;
  freePoolSlot(pool: string, runId: string, stepKey: string): Promise<void>;
  /** Frees every slot held by a run (when it ends or its worker died). */
  freeRunPoolSlots(runId: string): Promise<void>;
  getPoolUsage(): Promise<{ pool: string; runId: string; stepKey: string; claimedAt: number }[]>;
}

export interface StorageCapabilities {
  dialect: "sqlite" | "postgres";
  /** `FOR UPDATE SKIP LOCKED` available (work queues on Postgres). */
  skipLocked: boolean;
}

export interface Storage extends RunStorage, EventLogStorage, KeyValueStorage, PoolStorage, PartitionStorage, BackfillStorage, TickStorage {
  readonly capabilities: StorageCapabilities;
  /**
   * Removes every run, event, index row (asset, check, partition), key-value entry, pool slot,
   * dynamic partition key, backfill, tick, run key and automation evaluation (`strata wipe`).
   */
  wipeAll(): Promise<void>;
  close(): Promise<void>;
}

/** Status of one asset partition, as kept by the partition index. "missing" = no row. */
export type PartitionStatus = "materialized" | "failed" | "in_progress" | "missing";

/**
 * One row of the partition status index, maintained in the same transaction as the events:
 * ASSET_MATERIALIZATION_PLANNED → in_progress; ASSET_MATERIALIZATION → materialized;
 * STEP_FAILURE (data.assetKeys with the event's partition or data.partitions) → failed; when
 * the run ends, rows it left in_progress fall back to what they were.
 * ASSET_MATERIALIZATION_PLANNED may also list a range run's keys in `data.partitions`. ASSET_WIPED
 * deletes the asset's rows. `deleteRun` resets rows the deleted run left in_progress; rows it
 * materialised keep `lastMaterializationRunId`/`lastRunId` pointing at it.
 */
export interface AssetPartitionRecord {
  assetKey: string;
  partition: string;
  status: Exclude<PartitionStatus, "missing">;
  lastMaterializedAt?: number;
  lastMaterializationEventId?: number;
  lastMaterializationRunId?: string;
  /** Run that last touched it (planned, materialised or failed). */
  lastRunId?: string;
  /** Latest failure, when newer (in log order) than the last materialisation: a materialisation clears it. */
  lastFailedAt?: number;
  updatedAt: number;
}

/**
 * One asset's partition index rows as parallel columns (row i = `partitions[i]`), in no
 * particular order.
 */
export interface AssetPartitionColumns {
  partitions: string[];
  /** One character per row, the status's first letter: "m" materialized, "f" failed, "i" in_progress. */
  statuses: string;
  /** Event id of each row's last materialisation (since its last wipe); NaN when none. */
  materializationEventIds: Float64Array;
}

export interface PartitionStorage {
  /**
   * The asset's recorded partitions (index rows only; never scans events), sorted by partition
   * key. `partitions` restricts the result to those keys (unrecorded ones are simply absent);
   * `materializedAfter` to rows last materialised strictly after that time (ms), which is what
   * staleness needs from an upstream asset. Fast for 100k rows.
   */
  getAssetPartitions(assetKey: string, options?: { partitions?: string[]; materializedAfter?: number }): Promise<AssetPartitionRecord[]>;
  /**
   * What partition status needs of an asset: partition key → status and last materialisation,
   * from the packed status summary kept with the index (a few hundred rows for 50,000 partitions; never
   * scans events). `materializedAfter`: only partitions last materialised strictly after that
   * time (ms), as staleness needs from an upstream asset. Parallel arrays, keys sorted (by page).
   */
  getPartitionFacts(assetKey: string, options?: { materializedAfter?: number }): Promise<PartitionFactList>;
  /**
   * Index rows of many assets at once, keyed by asset (every requested key present, [] when none).
   * `brief`: the rows may leave out the run ids and `lastFailedAt` (what an automation tick needs
   * from 100,000 rows: status and last materialisation), which halves the read.
   */
  getPartitionsOfAssets(assetKeys: string[], options?: { brief?: boolean }): Promise<Map<string, AssetPartitionRecord[]>>;
  /**
   * The same index rows as columns, keyed by asset (every requested key present, empty when
   * none): what an automation tick reads of every partitioned asset, without an object per row.
   */
  getPartitionColumnsOfAssets(assetKeys: string[]): Promise<Map<string, AssetPartitionColumns>>;
  /**
   * Adds keys to a dynamic partitions set (kept in insertion order; existing keys keep their
   * place); returns how many were new. An empty name or key fails with `PARTITION_INVALID`.
   */
  addDynamicPartitions(name: string, keys: string[]): Promise<number>;
  /** Removes keys; returns how many existed. */
  deleteDynamicPartitions(name: string, keys: string[]): Promise<number>;
  getDynamicPartitions(name: string): Promise<string[]>;
  listDynamicPartitionSets(): Promise<{ name: string; count: number }[]>;
}

export type BackfillStatus = "REQUESTED" | "IN_PROGRESS" | "COMPLETED" | "FAILED" | "CANCELING" | "CANCELED";

export interface BackfillRecord {
  backfillId: string;
  status: BackfillStatus;
  /** The selection string as given. */
  selection: string;
  assetKeys: string[];
  /** What partitions were asked for, as given (e.g. { range: "A...B" } or { missing: true }). */
  partitionSelection: Record<string, unknown>;
  tags: Record<string, string>;
  maxConcurrentRuns: number;
  location: string;
  createdAt: number;
  updatedAt: number;
  endedAt?: number;
  error?: string;
}

export type BackfillChunkStatus = "PENDING" | "LAUNCHED" | "SUCCESS" | "FAILED" | "SKIPPED" | "CANCELED";

/** One run-to-be of a backfill: some assets × some partitions, after the chunks it depends on. */
export interface BackfillChunkRecord {
  backfillId: string;
  chunkId: number;
  assetKeys: string[];
  /** Partition keys covered (one for per-partition runs, several for range runs). */
  partitionKeys: string[];
  /** Set when the chunk runs as one range run. */
  partitionRange?: { start: string; end: string };
  /** Chunk ids that must succeed first (upstream partitions). */
  dependsOn: number[];
  /**
   * Per dependency, the upstream partitions this chunk reads from it: when that chunk's run fails,
   * this one still runs if all of them were materialised. Absent for chunks planned before
   * migration 0004 (any failed dependency then skips the chunk).
   */
  needs?: BackfillChunkNeed[];
  status: BackfillChunkStatus;
  runId?: string;
  /** How many runs were launched for it (> 1 only when a lost run was relaunched). */
  attempts: number;
  updatedAt: number;
}

export interface BackfillStorage {
  /**
   * Stores a backfill and all its chunks in one transaction (11,000 chunks in well under a second).
   * Chunks of another backfill, duplicate chunk ids or `dependsOn` naming unknown chunks fail with
   * `BACKFILL_INVALID`; a duplicate backfill id with `STORAGE`. Nothing is stored on failure.
   */
  createBackfill(backfill: BackfillRecord, chunks: BackfillChunkRecord[]): Promise<void>;
  getBackfill(backfillId: string): Promise<BackfillRecord | undefined>;
  /** Newest first. */
  listBackfills(filter?: { statuses?: BackfillStatus[]; limit?: number }): Promise<BackfillRecord[]>;
  /**
   * Compare-and-set status change; sets `updatedAt`, and `endedAt` (default now for COMPLETED,
   * FAILED and CANCELED). An unknown backfill fails with `BACKFILL_NOT_FOUND`.
   */
  transitionBackfill(
    backfillId: string,
    status: BackfillStatus,
    options?: { fromStatuses?: BackfillStatus[]; error?: string; endedAt?: number },
  ): Promise<boolean>;
  getBackfillChunks(backfillId: string, filter?: { statuses?: BackfillChunkStatus[] }): Promise<BackfillChunkRecord[]>;
  /**
   * Creates `run` and attaches it to the chunk (status LAUNCHED, attempts + 1) in ONE
   * transaction, only if the chunk's current runId equals `expectedRunId` (null for a chunk
   * never launched). Returns false, writing nothing, when another process got there first:
   * a partition is never launched twice. An unknown chunk fails with `BACKFILL_NOT_FOUND`; an
   * existing run id with `STORAGE` (nothing written). The chunk's status is not checked.
   */
  launchBackfillChunk(backfillId: string, chunkId: number, run: RunRecord, expectedRunId: string | null): Promise<boolean>;
  /**
   * Sets chunk statuses (e.g. from their runs' outcomes) in one transaction; the last update of a
   * chunk wins. Unknown chunk ids fail with `BACKFILL_NOT_FOUND` and change nothing.
   */
  updateBackfillChunks(backfillId: string, updates: { chunkId: number; status: BackfillChunkStatus }[]): Promise<void>;
}

export type InstigatorType = "schedule" | "sensor" | "automation";
export type TickStatus = "STARTED" | "SKIPPED" | "SUCCESS" | "FAILURE";

/**
 * One tick of a daemon instigator. The daemon writes it (STARTED, with what it plans: run keys
 * and `data`) BEFORE creating runs, and completes it after: a tick left STARTED by a crash is
 * resumed, creating only the runs whose key does not exist yet.
 */
export interface TickRecord {
  /** Unique: deterministic per schedule tick (`schedule:<name>:<scheduledAt>`), so a tick is never planned twice. */
  tickId: string;
  instigatorName: string;
  instigatorType: InstigatorType;
  status: TickStatus;
  /** Schedules: the tick's scheduled time. */
  scheduledAt?: number;
  runIds: string[];
  /** Run keys planned (intent) by the tick. */
  runKeys: string[];
  /** Sensors: the cursor the tick produced. */
  cursor?: string;
  skipReason?: string;
  error?: string;
  /** What the tick planned (JSON), for resuming after a crash. */
  data?: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
  endedAt?: number;
}

export interface TicksFilter {
  instigatorName?: string;
  instigatorType?: InstigatorType;
  statuses?: TickStatus[];
  limit?: number;
}

/** A stored automation evaluation of one asset (the condition tree with its results). */
export interface AutomationEvaluationRecord {
  id: number;
  tickId: string;
  assetKey: string;
  evaluatedAt: number;
  requestedCount: number;
  /** The core's AssetConditionEvaluation, as JSON. */
  evaluation: Record<string, unknown>;
}

/** An evaluation to store: the record without its id; the evaluation as an object or as its JSON text. */
export type NewAutomationEvaluation = Omit<AutomationEvaluationRecord, "id" | "evaluation"> & { evaluation: Record<string, unknown> | string };

export interface TickStorage {
  /** Stores a new tick; returns false (writing nothing) when `tickId` already exists. */
  createTick(tick: TickRecord): Promise<boolean>;
  /** Updates a tick (fields given win; `updatedAt` = now). An unknown tick fails with `STORAGE`. */
  updateTick(tickId: string, patch: Partial<Pick<TickRecord, "status" | "runIds" | "runKeys" | "cursor" | "skipReason" | "error" | "data" | "endedAt">>): Promise<void>;
  getTick(tickId: string): Promise<TickRecord | undefined>;
  /** Newest first. */
  listTicks(filter?: TicksFilter): Promise<TickRecord[]>;
  /** Deletes the instigator's ticks except the newest `keep` (history bound). Returns how many were deleted. */
  pruneTicks(instigatorName: string, keep: number): Promise<number>;
  /**
   * Creates `run` and records `runKey` for `instigator` in ONE transaction, only if that key is
   * unused: returns false, writing nothing, when it was already used (even by a deleted run).
   * This is the idempotency of every daemon-created run.
   */
  createRunWithKey(run: RunRecord, instigator: string, runKey: string): Promise<boolean>;
  /** Run keys of `instigator` already used, with their runs (all, or only `runKeys`). */
  getRunKeys(instigator: string, runKeys?: string[]): Promise<{ runKey: string; runId: string }[]>;
  /**
   * Stores evaluations of one tick; keeps only the newest `keepPerAsset` per asset (default 50).
   * `evaluation` may be given as its JSON text when the caller has serialized it already.
   */
  storeAutomationEvaluations(
    records: NewAutomationEvaluation[],
    options?: { keepPerAsset?: number },
  ): Promise<void>;
  /** Newest first. */
  getAutomationEvaluations(assetKey: string, options?: { limit?: number }): Promise<AutomationEvaluationRecord[]>;
}
