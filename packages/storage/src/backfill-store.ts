import { StrataError, type RunRecord } from "@strata/core";
import type { Kysely, Updateable } from "kysely";
import { backfillToRow, CHUNK_COLUMNS, chunkToRow, rowToBackfill, rowToChunk } from "./backfill-rows.ts";
import { insertRun } from "./run-store.ts";
import type { BackfillsTable, StrataDatabase } from "./schema.ts";
import type { BackfillChunkRecord, BackfillChunkStatus, BackfillRecord, BackfillStatus } from "./storage.ts";
import type { StorageDialect } from "./storage-dialect.ts";
import { chunksFor, type Tx } from "./transaction.ts";

type Db = Kysely<StrataDatabase>;

/** Options of `transitionBackfill`, as in the `BackfillStorage` interface. */
export interface BackfillTransitionOptions {
  fromStatuses?: BackfillStatus[];
  error?: string;
  endedAt?: number;
}

const FINISHED: ReadonlySet<BackfillStatus> = new Set(["COMPLETED", "FAILED", "CANCELED"]);
/** Rows per multi-row chunk insert: big statements amortise the per-statement cost for 11k chunks. */
const CHUNK_INSERT_ROWS = 2000;

/** Inserts the backfill row and all its chunks with multi-row inserts (after validating them). */
export async function createBackfillInTx(tx: Tx, dialect: StorageDialect, backfill: BackfillRecord, chunks: readonly BackfillChunkRecord[]): Promise<void> {
  validateBackfill(backfill, chunks);
  await tx.insertInto("backfills").values(backfillToRow(backfill)).execute();
  for (const part of chunksFor(chunks, CHUNK_COLUMNS, dialect, CHUNK_INSERT_ROWS)) {
    await tx.insertInto("backfill_chunks").values(part.map(chunkToRow)).execute();
  }
}

export async function selectBackfill(db: Db, backfillId: string): Promise<BackfillRecord | undefined> {
  const row = await db.selectFrom("backfills").selectAll().where("backfill_id", "=", backfillId).executeTakeFirst();
  return row ? rowToBackfill(row) : undefined;
}

/** Newest first (created_at, then insertion order). */
export async function selectBackfills(db: Db, filter: { statuses?: BackfillStatus[]; limit?: number } = {}): Promise<BackfillRecord[]> {
  if (filter.statuses?.length === 0) return [];
  let q = db.selectFrom("backfills").selectAll();
  if (filter.statuses) q = q.where("status", "in", filter.statuses);
  q = q.orderBy("created_at", "desc").orderBy("id", "desc");
  if (filter.limit !== undefined) q = q.limit(filter.limit);
  return (await q.execute()).map(rowToBackfill);
}

/** Compare-and-set status change; `endedAt` defaults to now for COMPLETED/FAILED/CANCELED. */
export async function transitionBackfillInTx(
  tx: Tx,
  backfillId: string,
  status: BackfillStatus,
  options: BackfillTransitionOptions = {},
): Promise<boolean> {
  if (options.fromStatuses?.length === 0) {
    await requireBackfill(tx, backfillId);
    return false;
  }
  const now = Date.now();
  const set: Updateable<BackfillsTable> = { status, updated_at: now };
  if (options.endedAt !== undefined) set.ended_at = options.endedAt;
  else if (FINISHED.has(status)) set.ended_at = now;
  if (options.error !== undefined) set.error = options.error;
  let q = tx.updateTable("backfills").set(set).where("backfill_id", "=", backfillId);
  if (options.fromStatuses) q = q.where("status", "in", options.fromStatuses);
  const res = await q.executeTakeFirst();
  if (Number(res.numUpdatedRows) > 0) return true;
  await requireBackfill(tx, backfillId);
  return false;
}

/** Chunks ordered by chunk id; an unknown backfill has none. */
export async function selectBackfillChunks(
  db: Db,
  backfillId: string,
  filter: { statuses?: BackfillChunkStatus[] } = {},
): Promise<BackfillChunkRecord[]> {
  if (filter.statuses?.length === 0) return [];
  let q = db.selectFrom("backfill_chunks").selectAll().where("backfill_id", "=", backfillId);
  if (filter.statuses) q = q.where("status", "in", filter.statuses);
  const rows = await q.orderBy("chunk_id").execute();
  const out = new Array<BackfillChunkRecord>(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = rowToChunk(rows[i] as (typeof rows)[number]);
  return out;
}

/**
 * Attaches `run` to the chunk and creates it, atomically. The conditional UPDATE is the
 * compare-and-set: on SQLite the write lock serialises launchers; on Postgres the second
 * launcher's UPDATE waits for the first's row lock, re-reads `run_id` and matches nothing.
 */
export async function launchChunkInTx(
  tx: Tx,
  dialect: StorageDialect,
  backfillId: string,
  chunkId: number,
  run: RunRecord,
  expectedRunId: string | null,
): Promise<boolean> {
  let q = tx
    .updateTable("backfill_chunks")
    .set((eb) => ({ run_id: run.runId, status: "LAUNCHED", attempts: eb("attempts", "+", 1), updated_at: Date.now() }))
    .where("backfill_id", "=", backfillId)
    .where("chunk_id", "=", chunkId);
  q = expectedRunId === null ? q.where("run_id", "is", null) : q.where("run_id", "=", expectedRunId);
  const res = await q.executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) {
    const chunk = await tx
      .selectFrom("backfill_chunks")
      .select("chunk_id")
      .where("backfill_id", "=", backfillId)
      .where("chunk_id", "=", chunkId)
      .executeTakeFirst();
    if (!chunk) throw chunkNotFound(backfillId, [chunkId]);
    return false;
  }
  await insertRun(tx, dialect, run);
  return true;
}

/** Sets chunk statuses (the last update of a chunk wins), grouped into one UPDATE per status. */
export async function updateChunksInTx(
  tx: Tx,
  dialect: StorageDialect,
  backfillId: string,
  updates: readonly { chunkId: number; status: BackfillChunkStatus }[],
): Promise<void> {
  const latest = new Map<number, BackfillChunkStatus>();
  for (const u of updates) latest.set(u.chunkId, u.status);
  const byStatus = new Map<BackfillChunkStatus, number[]>();
  for (const [id, status] of latest) {
    const ids = byStatus.get(status);
    if (ids) ids.push(id);
    else byStatus.set(status, [id]);
  }
  const now = Date.now();
  let updated = 0;
  for (const [status, ids] of byStatus) {
    for (const part of chunksFor(ids, 1, dialect, dialect.maxParameters - 3)) {
      const res = await tx
        .updateTable("backfill_chunks")
        .set({ status, updated_at: now })
        .where("backfill_id", "=", backfillId)
        .where("chunk_id", "in", part)
        .executeTakeFirst();
      updated += Number(res.numUpdatedRows);
    }
  }
  if (updated === latest.size) return;
  // Rolls the whole update back, naming what does not exist.
  await requireBackfill(tx, backfillId);
  const known = new Set(
    (await tx.selectFrom("backfill_chunks").select("chunk_id").where("backfill_id", "=", backfillId).execute()).map((r) => Number(r.chunk_id)),
  );
  throw chunkNotFound(backfillId, [...latest.keys()].filter((id) => !known.has(id)));
}

async function requireBackfill(db: Db, backfillId: string): Promise<void> {
  const row = await db.selectFrom("backfills").select("backfill_id").where("backfill_id", "=", backfillId).executeTakeFirst();
  if (!row) {
    throw new StrataError("BACKFILL_NOT_FOUND", `Backfill "${backfillId}" does not exist.`, {
      hint: "Check the id (`strata backfill list`); the storage may have been wiped.",
    });
  }
}

function chunkNotFound(backfillId: string, chunkIds: number[]): StrataError {
  const shown = chunkIds.slice(0, 10).join(", ") + (chunkIds.length > 10 ? `, … (${chunkIds.length} in all)` : "");
  return new StrataError("BACKFILL_NOT_FOUND", `Backfill "${backfillId}" has no chunk ${shown}.`, {
    hint: "Chunk ids come from getBackfillChunks(); check the backfill id. Nothing was changed.",
  });
}

function validateBackfill(b: BackfillRecord, chunks: readonly BackfillChunkRecord[]): void {
  const fail = (problem: string): never => {
    throw new StrataError("BACKFILL_INVALID", `Backfill "${b.backfillId}" ${problem}; nothing was stored.`, {
      hint: "This is a bug in whatever planned the backfill (daemon or CLI).",
    });
  };
  if (typeof b.backfillId !== "string" || b.backfillId.length === 0) fail("needs a non-empty backfillId");
  if (!Number.isInteger(b.maxConcurrentRuns) || b.maxConcurrentRuns < 0) fail(`has maxConcurrentRuns ${b.maxConcurrentRuns}; expected an integer ≥ 0`);
  const ids = new Set<number>();
  for (const c of chunks) {
    if (c.backfillId !== b.backfillId) fail(`has chunk ${c.chunkId} belonging to backfill "${c.backfillId}"`);
    if (!Number.isInteger(c.chunkId)) fail(`has chunk id ${String(c.chunkId)}; chunk ids must be integers`);
    if (ids.has(c.chunkId)) fail(`has chunk id ${c.chunkId} twice`);
    ids.add(c.chunkId);
  }
  for (const c of chunks) {
    for (const d of c.dependsOn) if (d === c.chunkId || !ids.has(d)) fail(`has chunk ${c.chunkId} depending on ${d === c.chunkId ? "itself" : `unknown chunk ${d}`}`);
    for (const n of c.needs ?? []) if (!c.dependsOn.includes(n.chunkId)) fail(`has chunk ${c.chunkId} needing partitions of chunk ${n.chunkId}, which it does not depend on`);
  }
}
