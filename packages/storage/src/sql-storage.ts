import { StrataError, type EventRecord, type PartitionFactList, type RunRecord, type RunsFilter, type RunStatus, type StrataEvent } from "@strata/core";
import { Kysely } from "kysely";
import {
  createBackfillInTx,
  launchChunkInTx,
  selectBackfill,
  selectBackfillChunks,
  selectBackfills,
  transitionBackfillInTx,
  updateChunksInTx,
  type BackfillTransitionOptions,
} from "./backfill-store.ts";
import { appendEvents } from "./event-append.ts";
import {
  queryAssetRecords,
  queryCheckHistory,
  queryCheckStatus,
  queryEvents,
  queryEventsAfter,
  queryLastEventId,
  queryMaterializations,
} from "./event-queries.ts";
import { migrate, type Migration } from "./migration.ts";
import { MIGRATIONS } from "./migrations/index.ts";
import {
  addDynamicPartitionsInTx,
  deleteDynamicPartitionsInTx,
  queryAssetPartitions,
  queryPartitionsOfAssets,
  queryDynamicPartitions,
  queryDynamicPartitionSets,
} from "./partition-store.ts";
import { queryPartitionColumns } from "./partition-columns.ts";
import { queryPartitionFacts } from "./partition-pages.ts";
import { claimSlotInTx } from "./pool-store.ts";
import { deleteRunInTx } from "./run-delete.ts";
import { addTagsInTx, insertRun, requireRun, selectRun, selectRuns, transitionRunInTx, type TransitionOptions } from "./run-store.ts";
import type { StrataDatabase } from "./schema.ts";
import type {
  AssetPartitionColumns,
  AssetPartitionRecord,
  AssetRecord,
  BackfillChunkRecord,
  BackfillChunkStatus,
  BackfillRecord,
  BackfillStatus,
  CheckEvaluationRecord,
  CheckStatusRecord,
  AutomationEvaluationRecord,
  NewAutomationEvaluation,
  EventsQuery,
  MaterializationRecord,
  TickRecord,
  TicksFilter,
  Storage,
  StorageCapabilities,
} from "./storage.ts";
import type { StorageDialect } from "./storage-dialect.ts";
import { toStorageError } from "./storage-error.ts";
import {
  createRunWithKeyInTx,
  createTickInTx,
  pruneTicksInTx,
  selectEvaluations,
  selectRunKeys,
  selectTick,
  selectTicks,
  storeEvaluationsInTx,
  updateTickInTx,
} from "./tick-store.ts";
import { writeTransaction, type Tx } from "./transaction.ts";

/** Options of {@link SqlStorage.open}. */
export interface SqlStorageOptions {
  /** Schema migrations to apply; defaults to Strata's own. Tests pass shorter or longer lists. */
  migrations?: readonly Migration[];
}

/**
 * The one SQL implementation of {@link Storage}, on Kysely. Every query is written so SQLite and
 * Postgres both run it; the {@link StorageDialect} supplies the connection, migration column
 * types, capability flags and error classification. Every write runs in one transaction that
 * holds the write lock from its start; driver errors surface as `StrataError("STORAGE")`.
 *
 * @example
 * const storage = await SqlStorage.open(sqliteDialect({ path: ".strata/strata.db" }));
 * await storage.createRun(run);
 * await storage.transitionRun(run.runId, "STARTED", { fromStatuses: ["STARTING"] });
 */
export class SqlStorage implements Storage {
  readonly capabilities: StorageCapabilities;
  readonly #db: Kysely<StrataDatabase>;
  readonly #dialect: StorageDialect;
  #closed = false;

  private constructor(db: Kysely<StrataDatabase>, dialect: StorageDialect) {
    this.#db = db;
    this.#dialect = dialect;
    this.capabilities = dialect.capabilities;
  }

  /** Connects through `dialect` and migrates the schema to the newest version. */
  static async open(dialect: StorageDialect, options: SqlStorageOptions = {}): Promise<SqlStorage> {
    let db: Kysely<StrataDatabase>;
    try {
      db = new Kysely<StrataDatabase>({ dialect: dialect.createKyselyDialect() });
    } catch (err) {
      throw toStorageError(err, "open the database", dialect);
    }
    try {
      await migrate(db, dialect, options.migrations ?? MIGRATIONS);
    } catch (err) {
      await db.destroy();
      throw toStorageError(err, "migrate the schema", dialect);
    }
    return new SqlStorage(db, dialect);
  }

  // ---- runs ----

  async createRun(run: RunRecord): Promise<void> {
    await this.#write(`create run "${run.runId}"`, (tx) => insertRun(tx, this.#dialect, run), () => {
      throw new StrataError("STORAGE", `A run with id "${run.runId}" already exists.`, {
        hint: "Generate a fresh id with newRunId() for every run.",
      });
    });
  }

  getRun(runId: string): Promise<RunRecord | undefined> {
    return this.#read(`read run "${runId}"`, () => selectRun(this.#db, runId));
  }

  listRuns(filter?: RunsFilter): Promise<RunRecord[]> {
    return this.#read("list runs", () => selectRuns(this.#db, filter));
  }

  transitionRun(runId: string, status: RunStatus, options?: TransitionOptions): Promise<boolean> {
    return this.#write(`move run "${runId}" to ${status}`, (tx) => transitionRunInTx(tx, this.#dialect, runId, status, options));
  }

  addRunTags(runId: string, tags: Record<string, string>): Promise<void> {
    return this.#write(`tag run "${runId}"`, (tx) => addTagsInTx(tx, this.#dialect, runId, tags));
  }

  heartbeat(runId: string, at: number): Promise<void> {
    return this.#write(`record the heartbeat of run "${runId}"`, async (tx) => {
      const res = await tx.updateTable("runs").set({ heartbeat_at: at }).where("run_id", "=", runId).executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) await requireRun(tx, runId);
    });
  }

  deleteRun(runId: string): Promise<void> {
    return this.#write(`delete run "${runId}"`, (tx) => deleteRunInTx(tx, this.#dialect, runId));
  }

  // ---- event log ----

  storeEvents(events: StrataEvent[]): Promise<EventRecord[]> {
    if (events.length === 0) return Promise.resolve([]);
    return this.#write(`store ${events.length} events`, (tx) => appendEvents(tx, this.#dialect, events));
  }

  getEvents(runId: string, query?: EventsQuery): Promise<EventRecord[]> {
    return this.#read(`read events of run "${runId}"`, () => queryEvents(this.#db, runId, query));
  }

  getEventsAfter(afterId: number, limit = 1000): Promise<EventRecord[]> {
    return this.#read(`read events after ${afterId}`, () => queryEventsAfter(this.#db, afterId, limit));
  }

  getLastEventId(): Promise<number> {
    return this.#read("read the last event id", () => queryLastEventId(this.#db));
  }

  getAssetRecords(keys?: string[]): Promise<AssetRecord[]> {
    return this.#read("read asset records", () => queryAssetRecords(this.#db, this.#dialect, keys));
  }

  getMaterializations(
    assetKey: string,
    options?: { limit?: number; beforeEventId?: number; partition?: string },
  ): Promise<MaterializationRecord[]> {
    return this.#read(`read materializations of ${assetKey}`, () => queryMaterializations(this.#db, assetKey, options));
  }

  getCheckStatus(checkKeys?: string[]): Promise<CheckStatusRecord[]> {
    return this.#read("read check status", () => queryCheckStatus(this.#db, this.#dialect, checkKeys));
  }

  getCheckHistory(checkKey: string, options?: { limit?: number }): Promise<CheckEvaluationRecord[]> {
    return this.#read(`read the history of check ${checkKey}`, () => queryCheckHistory(this.#db, checkKey, options));
  }

  async wipeAsset(assetKey: string): Promise<void> {
    const event: StrataEvent = {
      runId: "",
      type: "ASSET_WIPED",
      timestamp: Date.now(),
      level: "info",
      message: `Asset ${assetKey} wiped`,
      assetKey,
    };
    await this.#write(`wipe asset ${assetKey}`, (tx) => appendEvents(tx, this.#dialect, [event]));
  }

  // ---- key-value ----

  async getValue(key: string): Promise<string | undefined> {
    const row = await this.#read(`read key "${key}"`, () =>
      this.#db.selectFrom("kv").select("value").where("key", "=", key).executeTakeFirst(),
    );
    return row?.value;
  }

  async setValue(key: string, value: string): Promise<void> {
    const now = Date.now();
    await this.#write(`write key "${key}"`, (tx) =>
      tx
        .insertInto("kv")
        .values({ key, value, updated_at: now })
        .onConflict((oc) => oc.column("key").doUpdateSet({ value, updated_at: now }))
        .execute(),
    );
  }

  async deleteValue(key: string): Promise<void> {
    await this.#write(`delete key "${key}"`, (tx) => tx.deleteFrom("kv").where("key", "=", key).execute());
  }

  // ---- pools ----

  claimPoolSlot(pool: string, limit: number, runId: string, stepKey: string): Promise<boolean> {
    return this.#write(`claim a slot in pool "${pool}"`, (tx) => claimSlotInTx(tx, pool, limit, runId, stepKey, Date.now()));
  }

  async freePoolSlot(pool: string, runId: string, stepKey: string): Promise<void> {
    await this.#write(`free a slot in pool "${pool}"`, (tx) =>
      tx.deleteFrom("pool_slots").where("pool", "=", pool).where("run_id", "=", runId).where("step_key", "=", stepKey).execute(),
    );
  }

  async freeRunPoolSlots(runId: string): Promise<void> {
    await this.#write(`free the pool slots of run "${runId}"`, (tx) => tx.deleteFrom("pool_slots").where("run_id", "=", runId).execute());
  }

  async getPoolUsage(): Promise<{ pool: string; runId: string; stepKey: string; claimedAt: number }[]> {
    const rows = await this.#read("read pool usage", () =>
      this.#db.selectFrom("pool_slots").selectAll().orderBy("pool").orderBy("claimed_at").orderBy("run_id").orderBy("step_key").execute(),
    );
    return rows.map((r) => ({ pool: r.pool, runId: r.run_id, stepKey: r.step_key, claimedAt: Number(r.claimed_at) }));
  }

  // ---- partitions ----

  getAssetPartitions(assetKey: string, options?: { partitions?: string[]; materializedAfter?: number }): Promise<AssetPartitionRecord[]> {
    return this.#read(`read the partitions of ${assetKey}`, () =>
      queryAssetPartitions(this.#db, this.#dialect, assetKey, options?.partitions, options?.materializedAfter),
    );
  }

  getPartitionFacts(assetKey: string, options?: { materializedAfter?: number }): Promise<PartitionFactList> {
    return this.#read(`read the partition status of ${assetKey}`, () => queryPartitionFacts(this.#db, assetKey, options?.materializedAfter));
  }

  getPartitionsOfAssets(assetKeys: string[], options: { brief?: boolean } = {}): Promise<Map<string, AssetPartitionRecord[]>> {
    return this.#read(`read the partitions of ${assetKeys.length} assets`, () => queryPartitionsOfAssets(this.#db, this.#dialect, assetKeys, options.brief ?? false));
  }

  getPartitionColumnsOfAssets(assetKeys: string[]): Promise<Map<string, AssetPartitionColumns>> {
    return this.#read(`read the partitions of ${assetKeys.length} assets`, () => queryPartitionColumns(this.#db, this.#dialect, assetKeys));
  }

  addDynamicPartitions(name: string, keys: string[]): Promise<number> {
    return this.#write(`add keys to dynamic partitions "${name}"`, (tx) => addDynamicPartitionsInTx(tx, this.#dialect, name, keys));
  }

  deleteDynamicPartitions(name: string, keys: string[]): Promise<number> {
    return this.#write(`delete keys of dynamic partitions "${name}"`, (tx) => deleteDynamicPartitionsInTx(tx, this.#dialect, name, keys));
  }

  getDynamicPartitions(name: string): Promise<string[]> {
    return this.#read(`read dynamic partitions "${name}"`, () => queryDynamicPartitions(this.#db, name));
  }

  listDynamicPartitionSets(): Promise<{ name: string; count: number }[]> {
    return this.#read("list dynamic partition sets", () => queryDynamicPartitionSets(this.#db));
  }

  // ---- backfills ----

  async createBackfill(backfill: BackfillRecord, chunks: BackfillChunkRecord[]): Promise<void> {
    await this.#write(
      `create backfill "${backfill.backfillId}" with ${chunks.length} chunks`,
      (tx) => createBackfillInTx(tx, this.#dialect, backfill, chunks),
      () => {
        throw new StrataError("STORAGE", `A backfill with id "${backfill.backfillId}" already exists.`, {
          hint: "Generate a fresh id for every backfill.",
        });
      },
    );
  }

  getBackfill(backfillId: string): Promise<BackfillRecord | undefined> {
    return this.#read(`read backfill "${backfillId}"`, () => selectBackfill(this.#db, backfillId));
  }

  listBackfills(filter?: { statuses?: BackfillStatus[]; limit?: number }): Promise<BackfillRecord[]> {
    return this.#read("list backfills", () => selectBackfills(this.#db, filter));
  }

  transitionBackfill(backfillId: string, status: BackfillStatus, options?: BackfillTransitionOptions): Promise<boolean> {
    return this.#write(`move backfill "${backfillId}" to ${status}`, (tx) => transitionBackfillInTx(tx, backfillId, status, options));
  }

  getBackfillChunks(backfillId: string, filter?: { statuses?: BackfillChunkStatus[] }): Promise<BackfillChunkRecord[]> {
    return this.#read(`read the chunks of backfill "${backfillId}"`, () => selectBackfillChunks(this.#db, backfillId, filter));
  }

  launchBackfillChunk(backfillId: string, chunkId: number, run: RunRecord, expectedRunId: string | null): Promise<boolean> {
    return this.#write(
      `launch chunk ${chunkId} of backfill "${backfillId}" as run "${run.runId}"`,
      (tx) => launchChunkInTx(tx, this.#dialect, backfillId, chunkId, run, expectedRunId),
      () => {
        throw new StrataError("STORAGE", `A run with id "${run.runId}" already exists; chunk ${chunkId} was not launched.`, {
          hint: "Generate a fresh id with newRunId() for every run.",
        });
      },
    );
  }

  async updateBackfillChunks(backfillId: string, updates: { chunkId: number; status: BackfillChunkStatus }[]): Promise<void> {
    if (updates.length === 0) return;
    await this.#write(`update ${updates.length} chunks of backfill "${backfillId}"`, (tx) => updateChunksInTx(tx, this.#dialect, backfillId, updates));
  }

  // ---- ticks, run keys, automation evaluations ----

  createTick(tick: TickRecord): Promise<boolean> {
    return this.#write(`create tick "${tick.tickId}"`, (tx) => createTickInTx(tx, tick));
  }

  updateTick(tickId: string, patch: Partial<TickRecord>): Promise<void> {
    return this.#write(`update tick "${tickId}"`, (tx) => updateTickInTx(tx, tickId, patch));
  }

  getTick(tickId: string): Promise<TickRecord | undefined> {
    return this.#read(`read tick "${tickId}"`, () => selectTick(this.#db, tickId));
  }

  listTicks(filter?: TicksFilter): Promise<TickRecord[]> {
    return this.#read("list ticks", () => selectTicks(this.#db, filter));
  }

  pruneTicks(instigatorName: string, keep: number): Promise<number> {
    return this.#write(`prune the ticks of "${instigatorName}"`, (tx) => pruneTicksInTx(tx, instigatorName, keep));
  }

  createRunWithKey(run: RunRecord, instigator: string, runKey: string): Promise<boolean> {
    return this.#write(
      `create run "${run.runId}" with run key "${runKey}"`,
      (tx) => createRunWithKeyInTx(tx, this.#dialect, run, instigator, runKey),
      () => {
        throw new StrataError("STORAGE", `A run with id "${run.runId}" already exists.`, { hint: "Generate a fresh id with newRunId() for every run." });
      },
    );
  }

  getRunKeys(instigator: string, runKeys?: string[]): Promise<{ runKey: string; runId: string }[]> {
    return this.#read(`read the run keys of "${instigator}"`, () => selectRunKeys(this.#db, this.#dialect, instigator, runKeys));
  }

  async storeAutomationEvaluations(records: NewAutomationEvaluation[], options?: { keepPerAsset?: number }): Promise<void> {
    if (records.length === 0) return;
    await this.#write(`store ${records.length} automation evaluations`, (tx) => storeEvaluationsInTx(tx, this.#dialect, records, options?.keepPerAsset ?? 50));
  }

  getAutomationEvaluations(assetKey: string, options?: { limit?: number }): Promise<AutomationEvaluationRecord[]> {
    return this.#read(`read the automation evaluations of ${assetKey}`, () => selectEvaluations(this.#db, assetKey, options?.limit ?? 20));
  }

  // ---- lifecycle ----

  async wipeAll(): Promise<void> {
    await this.#write("wipe all data", async (tx) => {
      for (const table of [
        "run_tags",
        "run_assets",
        "runs",
        "event_logs",
        "asset_index",
        "check_status",
        "kv",
        "pool_slots",
        "pools",
        "asset_partitions",
        "asset_partition_pages",
        "dynamic_partitions",
        "backfill_chunks",
        "backfills",
        "ticks",
        "run_keys",
        "automation_evaluations",
      ] as const) {
        await tx.deleteFrom(table).execute();
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#db.destroy();
  }

  #read<T>(action: string, fn: () => Promise<T>): Promise<T> {
    return this.#guard(action, fn);
  }

  #write<T>(action: string, fn: (tx: Tx) => Promise<T>, onDuplicate?: () => never): Promise<T> {
    return this.#guard(action, () => writeTransaction(this.#db, this.#dialect, fn), onDuplicate);
  }

  async #guard<T>(action: string, fn: () => Promise<T>, onDuplicate?: () => never): Promise<T> {
    if (this.#closed) {
      throw new StrataError("STORAGE", `Could not ${action}: the storage was closed.`, {
        hint: "Open a new storage; close() is final.",
      });
    }
    try {
      return await fn();
    } catch (err) {
      if (onDuplicate && this.#dialect.describeError(err)?.kind === "unique") onDuplicate();
      throw toStorageError(err, action, this.#dialect);
    }
  }
}
