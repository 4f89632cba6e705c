import { StrataError, type RunRecord } from "@strata/core";
import type { Kysely, Selectable, Updateable } from "kysely";
import { insertRun } from "./run-store.ts";
import type { AutomationEvaluationsTable, StrataDatabase, TicksTable } from "./schema.ts";
import type { AutomationEvaluationRecord, InstigatorType, NewAutomationEvaluation, TickRecord, TicksFilter, TickStatus } from "./storage.ts";
import type { StorageDialect } from "./storage-dialect.ts";
import { chunksFor, type Tx } from "./transaction.ts";

type Db = Kysely<StrataDatabase>;

const json = (v: unknown): string => JSON.stringify(v);
const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

function tickToRow(t: TickRecord) {
  return {
    tick_id: t.tickId,
    instigator_name: t.instigatorName,
    instigator_type: t.instigatorType,
    status: t.status,
    scheduled_at: t.scheduledAt ?? null,
    run_ids: json(t.runIds),
    run_keys: json(t.runKeys),
    cursor: t.cursor ?? null,
    skip_reason: t.skipReason ?? null,
    error: t.error ?? null,
    data: t.data === undefined ? null : json(t.data),
    created_at: t.createdAt,
    updated_at: t.updatedAt,
    ended_at: t.endedAt ?? null,
  };
}

function rowToTick(r: Selectable<TicksTable>): TickRecord {
  const scheduledAt = opt(r.scheduled_at);
  const cursor = opt(r.cursor);
  const skipReason = opt(r.skip_reason);
  const error = opt(r.error);
  const endedAt = opt(r.ended_at);
  return {
    tickId: r.tick_id,
    instigatorName: r.instigator_name,
    instigatorType: r.instigator_type as InstigatorType,
    status: r.status as TickStatus,
    ...(scheduledAt === undefined ? {} : { scheduledAt: Number(scheduledAt) }),
    runIds: JSON.parse(r.run_ids) as string[],
    runKeys: JSON.parse(r.run_keys) as string[],
    ...(cursor === undefined ? {} : { cursor }),
    ...(skipReason === undefined ? {} : { skipReason }),
    ...(error === undefined ? {} : { error }),
    ...(r.data === null ? {} : { data: JSON.parse(r.data) as Record<string, unknown> }),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    ...(endedAt === undefined ? {} : { endedAt: Number(endedAt) }),
  };
}

/** Inserts the tick unless its id exists; true when inserted. */
export async function createTickInTx(tx: Tx, tick: TickRecord): Promise<boolean> {
  // Write transactions hold the write lock from their start, so check-then-insert is atomic.
  const existing = await tx.selectFrom("ticks").select("id").where("tick_id", "=", tick.tickId).executeTakeFirst();
  if (existing) return false;
  await tx.insertInto("ticks").values(tickToRow(tick)).execute();
  return true;
}

export async function updateTickInTx(tx: Tx, tickId: string, patch: Partial<TickRecord>): Promise<void> {
  const set: Updateable<TicksTable> = { updated_at: Date.now() };
  if (patch.status !== undefined) set.status = patch.status;
  if (patch.runIds !== undefined) set.run_ids = json(patch.runIds);
  if (patch.runKeys !== undefined) set.run_keys = json(patch.runKeys);
  if (patch.cursor !== undefined) set.cursor = patch.cursor;
  if (patch.skipReason !== undefined) set.skip_reason = patch.skipReason;
  if (patch.error !== undefined) set.error = patch.error;
  if (patch.data !== undefined) set.data = json(patch.data);
  if (patch.endedAt !== undefined) set.ended_at = patch.endedAt;
  const res = await tx.updateTable("ticks").set(set).where("tick_id", "=", tickId).executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) throw new StrataError("STORAGE", `No tick "${tickId}" to update`);
}

export async function selectTick(db: Db, tickId: string): Promise<TickRecord | undefined> {
  const r = await db.selectFrom("ticks").selectAll().where("tick_id", "=", tickId).executeTakeFirst();
  return r ? rowToTick(r) : undefined;
}

export async function selectTicks(db: Db, f: TicksFilter = {}): Promise<TickRecord[]> {
  if (f.statuses?.length === 0) return [];
  let q = db.selectFrom("ticks").selectAll();
  if (f.instigatorName !== undefined) q = q.where("instigator_name", "=", f.instigatorName);
  if (f.instigatorType !== undefined) q = q.where("instigator_type", "=", f.instigatorType);
  if (f.statuses) q = q.where("status", "in", f.statuses);
  q = q.orderBy("id", "desc");
  if (f.limit !== undefined) q = q.limit(f.limit);
  return (await q.execute()).map(rowToTick);
}

export async function pruneTicksInTx(tx: Tx, instigatorName: string, keep: number): Promise<number> {
  const cut = await tx
    .selectFrom("ticks")
    .select("id")
    .where("instigator_name", "=", instigatorName)
    .orderBy("id", "desc")
    .offset(Math.max(0, keep))
    .limit(1)
    .executeTakeFirst();
  if (!cut) return 0;
  // STARTED ticks are never pruned: they are intent a restart must still complete.
  const res = await tx
    .deleteFrom("ticks")
    .where("instigator_name", "=", instigatorName)
    .where("id", "<=", cut.id)
    .where("status", "!=", "STARTED")
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** Run + key in one transaction; false (nothing written) when the key was used. */
export async function createRunWithKeyInTx(tx: Tx, dialect: StorageDialect, run: RunRecord, instigator: string, runKey: string): Promise<boolean> {
  const existing = await tx.selectFrom("run_keys").select("run_id").where("instigator", "=", instigator).where("run_key", "=", runKey).executeTakeFirst();
  if (existing) return false;
  await tx.insertInto("run_keys").values({ instigator, run_key: runKey, run_id: run.runId, created_at: Date.now() }).execute();
  await insertRun(tx, dialect, run);
  return true;
}

export async function selectRunKeys(db: Db, dialect: StorageDialect, instigator: string, runKeys?: string[]): Promise<{ runKey: string; runId: string }[]> {
  if (runKeys?.length === 0) return [];
  const out: { runKey: string; runId: string }[] = [];
  const parts = runKeys ? chunksFor(runKeys, 1, dialect) : [undefined];
  for (const part of parts) {
    let q = db.selectFrom("run_keys").select(["run_key", "run_id"]).where("instigator", "=", instigator);
    if (part) q = q.where("run_key", "in", part);
    for (const r of await q.execute()) out.push({ runKey: r.run_key, runId: r.run_id });
  }
  return out;
}

export async function storeEvaluationsInTx(
  tx: Tx,
  dialect: StorageDialect,
  records: NewAutomationEvaluation[],
  keepPerAsset: number,
): Promise<void> {
  const rows = records.map((r) => ({
    tick_id: r.tickId,
    asset_key: r.assetKey,
    evaluated_at: r.evaluatedAt,
    requested_count: r.requestedCount,
    evaluation: typeof r.evaluation === "string" ? r.evaluation : json(r.evaluation),
  }));
  for (const part of chunksFor(rows, 5, dialect, 1000)) await tx.insertInto("automation_evaluations").values(part).execute();
  // Bound the history: delete what is older than the newest `keepPerAsset` of each stored asset,
  // one statement per few hundred assets (a tick may store 10,000).
  for (const keys of chunksFor([...new Set(records.map((r) => r.assetKey))], 1, dialect, dialect.maxParameters - 1)) {
    await tx
      .deleteFrom("automation_evaluations")
      .where("id", "in", (eb) =>
        eb
          .selectFrom((sub) =>
            sub
              .selectFrom("automation_evaluations")
              .select((w) => ["id", w.fn.agg<number>("row_number").over((o) => o.partitionBy("asset_key").orderBy("id", "desc")).as("newer")])
              .where("asset_key", "in", keys)
              .as("ranked"),
          )
          .select("ranked.id")
          .where("ranked.newer", ">", keepPerAsset),
      )
      .execute();
  }
}

export async function selectEvaluations(db: Db, assetKey: string, limit: number): Promise<AutomationEvaluationRecord[]> {
  const rows = await db.selectFrom("automation_evaluations").selectAll().where("asset_key", "=", assetKey).orderBy("id", "desc").limit(limit).execute();
  return rows.map((r: Selectable<AutomationEvaluationsTable>) => ({
    id: Number(r.id),
    tickId: r.tick_id,
    assetKey: r.asset_key,
    evaluatedAt: Number(r.evaluated_at),
    requestedCount: Number(r.requested_count),
    evaluation: JSON.parse(r.evaluation) as Record<string, unknown>,
  }));
}
