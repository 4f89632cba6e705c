import type { EventRecord, EventType, MetadataMap, RunRecord, RunStatus, RunsFilter, StrataEvent, CheckSeverity } from "@strata/core";

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
   * `assetKey` and every key of `data.assetKeys` failed; ASSET_CHECK_EVALUATION (needs
   * `assetKey`, `checkKey`, `data.check`) updates check status; ASSET_WIPED resets the asset.
   * A malformed event fails the whole batch with `StrataError("STORAGE")`. Batch events:
   * one call per event costs a transaction each.
   */
  storeEvents(events: StrataEvent[]): Promise<EventRecord[]>;
  getEvents(runId: string, query?: EventsQuery): Promise<EventRecord[]>;
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

export interface Storage extends RunStorage, EventLogStorage, KeyValueStorage, PoolStorage {
  readonly capabilities: StorageCapabilities;
  /** Removes every run, event, index row, key-value entry and pool slot (`strata wipe`). */
  wipeAll(): Promise<void>;
  close(): Promise<void>;
}
