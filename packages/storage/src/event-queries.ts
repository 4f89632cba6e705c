import type { EventRecord } from "@strata/core";
import type { ExpressionBuilder, Kysely } from "kysely";
import type { StrataDatabase } from "./schema.ts";
import type { AssetRecord, CheckEvaluationRecord, CheckStatusRecord, EventsQuery, MaterializationRecord } from "./storage.ts";
import type { StorageDialect } from "./storage-dialect.ts";
import { rowToCheckEvaluation, rowToEvent, rowToMaterialization } from "./event-rows.ts";
import { optional, optionalNumber } from "./json-column.ts";
import { chunksFor } from "./transaction.ts";

type Db = Kysely<StrataDatabase>;
const SUMMARY = ["id", "run_id", "asset_key", "check_key", "partition_key", "timestamp", "data"] as const;

/** Events of one run in log order, for display and tailing (`afterId`). */
export async function queryEvents(db: Db, runId: string, q: EventsQuery = {}): Promise<EventRecord[]> {
  let query = db.selectFrom("event_logs").selectAll().where("run_id", "=", runId);
  if (q.afterId !== undefined) query = query.where("id", ">", q.afterId);
  if (q.types && q.types.length > 0) query = query.where("type", "in", q.types);
  if (q.stepKey !== undefined) query = query.where("step_key", "=", q.stepKey);
  query = query.orderBy("id", "asc");
  if (q.limit !== undefined) query = query.limit(q.limit);
  return (await query.execute()).map(rowToEvent);
}

/** Events of all runs after `afterId`, in log order (tailing the whole log). */
export async function queryEventsAfter(db: Db, afterId: number, limit: number): Promise<EventRecord[]> {
  const rows = await db.selectFrom("event_logs").selectAll().where("id", ">", afterId).orderBy("id", "asc").limit(limit).execute();
  return rows.map(rowToEvent);
}

/** The newest event id, 0 for an empty log. */
export async function queryLastEventId(db: Db): Promise<number> {
  const row = await db.selectFrom("event_logs").select((eb) => eb.fn.max("id").as("max_id")).executeTakeFirst();
  return Number(row?.max_id ?? 0);
}

/** Only events after the asset's latest wipe count as its history. */
function afterWipe(eb: ExpressionBuilder<StrataDatabase, "event_logs">) {
  const wipedId = eb
    .selectFrom("asset_index")
    .select("asset_index.wiped_event_id")
    .whereRef("asset_index.asset_key", "=", "event_logs.asset_key");
  return eb("event_logs.id", ">", eb.fn.coalesce(wipedId, eb.lit(0)));
}

/** Materialisations of an asset, newest first, keyset-paginated by `beforeEventId`. */
export async function queryMaterializations(
  db: Db,
  assetKey: string,
  options: { limit?: number; beforeEventId?: number; partition?: string } = {},
): Promise<MaterializationRecord[]> {
  let q = db
    .selectFrom("event_logs")
    .select(SUMMARY)
    .where("asset_key", "=", assetKey)
    .where("type", "=", "ASSET_MATERIALIZATION")
    .where(afterWipe);
  if (options.beforeEventId !== undefined) q = q.where("id", "<", options.beforeEventId);
  if (options.partition !== undefined) q = q.where("partition_key", "=", options.partition);
  q = q.orderBy("id", "desc");
  if (options.limit !== undefined) q = q.limit(options.limit);
  return (await q.execute()).map(rowToMaterialization);
}

/** Check evaluations of one check, newest first. */
export async function queryCheckHistory(db: Db, checkKey: string, options: { limit?: number } = {}): Promise<CheckEvaluationRecord[]> {
  let q = db
    .selectFrom("event_logs")
    .select(SUMMARY)
    .where("check_key", "=", checkKey)
    .where("type", "=", "ASSET_CHECK_EVALUATION")
    .where(afterWipe)
    .orderBy("id", "desc");
  if (options.limit !== undefined) q = q.limit(options.limit);
  return (await q.execute()).map(rowToCheckEvaluation);
}

/** Asset index rows (with the latest materialisation's metadata), sorted by key. */
export async function queryAssetRecords(db: Db, dialect: StorageDialect, keys?: string[]): Promise<AssetRecord[]> {
  const base = db
    .selectFrom("asset_index as a")
    .leftJoin("event_logs as e", "e.id", "a.last_mat_event_id")
    .selectAll("a")
    .select([
      "e.id as mat_id",
      "e.run_id as mat_run_id",
      "e.partition_key as mat_partition",
      "e.timestamp as mat_timestamp",
      "e.data as mat_data",
    ])
    .orderBy("a.asset_key");
  const rows = keys === undefined ? await base.execute() : await inChunks(keys, dialect, (c) => base.where("a.asset_key", "in", c).execute());
  return rows
    .map((r) => {
      const rec: AssetRecord = { assetKey: r.asset_key };
      if (r.mat_id !== null && r.mat_run_id !== null && r.mat_timestamp !== null) {
        rec.lastMaterialization = rowToMaterialization({
          id: r.mat_id,
          run_id: r.mat_run_id,
          asset_key: r.asset_key,
          check_key: null,
          partition_key: r.mat_partition,
          timestamp: r.mat_timestamp,
          data: r.mat_data,
        });
      }
      const planned = optional(r.last_planned_run_id);
      if (planned !== undefined) rec.lastPlannedRunId = planned;
      const lastRun = optional(r.last_run_id);
      if (lastRun !== undefined) rec.lastRunId = lastRun;
      const failedRun = optional(r.last_failed_run_id);
      if (failedRun !== undefined) rec.lastFailedRunId = failedRun;
      const failedAt = optionalNumber(r.last_failed_at);
      if (failedAt !== undefined) rec.lastFailedAt = failedAt;
      const wipedAt = optionalNumber(r.wiped_at);
      if (wipedAt !== undefined) rec.wipedAt = wipedAt;
      return rec;
    })
    .sort((a, b) => (a.assetKey < b.assetKey ? -1 : a.assetKey > b.assetKey ? 1 : 0));
}

/** Latest evaluation per check, sorted by check key. */
export async function queryCheckStatus(db: Db, dialect: StorageDialect, checkKeys?: string[]): Promise<CheckStatusRecord[]> {
  const base = db
    .selectFrom("check_status as c")
    .innerJoin("event_logs as e", "e.id", "c.last_event_id")
    .select(["c.check_key", "c.asset_key", "e.id", "e.run_id", "e.partition_key", "e.timestamp", "e.data"])
    .orderBy("c.check_key");
  const rows =
    checkKeys === undefined ? await base.execute() : await inChunks(checkKeys, dialect, (c) => base.where("c.check_key", "in", c).execute());
  return rows
    .map((r) => ({
      checkKey: r.check_key,
      assetKey: r.asset_key,
      lastEvaluation: rowToCheckEvaluation({ ...r, check_key: r.check_key, asset_key: r.asset_key }),
    }))
    .sort((a, b) => (a.checkKey < b.checkKey ? -1 : a.checkKey > b.checkKey ? 1 : 0));
}

async function inChunks<K, R>(keys: readonly K[], dialect: StorageDialect, run: (chunk: K[]) => Promise<R[]>): Promise<R[]> {
  if (keys.length === 0) return [];
  const out: R[] = [];
  for (const chunk of chunksFor(keys, 1, dialect)) out.push(...(await run(chunk)));
  return out;
}
