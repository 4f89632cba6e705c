import { isFinished, StrataError, type RunRecord, type RunsFilter, type RunStatus, type StrataEvent } from "@strata/core";
import type { Kysely, Updateable } from "kysely";
import { appendEvents } from "./event-append.ts";
import { rowToRun, runToRow } from "./run-rows.ts";
import { runStatusEvent } from "./run-events.ts";
import type { RunsTable, StrataDatabase } from "./schema.ts";
import type { StorageDialect } from "./storage-dialect.ts";
import { chunksFor, type Tx } from "./transaction.ts";

type Db = Kysely<StrataDatabase>;

/** Options of `transitionRun`, as in the `RunStorage` interface. */
export interface TransitionOptions {
  fromStatuses?: RunStatus[];
  event?: StrataEvent;
  fields?: Partial<Pick<RunRecord, "workerPid" | "workerHost" | "startedAt" | "endedAt">>;
}

/** Inserts the run row plus its tag and asset rows. */
export async function insertRun(tx: Tx, dialect: StorageDialect, run: RunRecord): Promise<void> {
  await tx.insertInto("runs").values(runToRow(run)).execute();
  const tags = Object.entries(run.tags).map(([key, value]) => ({ run_id: run.runId, key, value }));
  for (const chunk of chunksFor(tags, 3, dialect)) await tx.insertInto("run_tags").values(chunk).execute();
  const assets = [...new Set(run.assetKeys)].map((asset_key) => ({ run_id: run.runId, asset_key }));
  for (const chunk of chunksFor(assets, 2, dialect)) await tx.insertInto("run_assets").values(chunk).execute();
}

export async function selectRun(db: Db, runId: string): Promise<RunRecord | undefined> {
  const row = await db.selectFrom("runs").selectAll().where("run_id", "=", runId).executeTakeFirst();
  return row ? rowToRun(row) : undefined;
}

/** Runs matching every given filter, newest first (created_at, then insertion order). */
export async function selectRuns(db: Db, filter: RunsFilter = {}): Promise<RunRecord[]> {
  // An empty list matches nothing (and `IN ()` is not valid SQL).
  if (filter.statuses?.length === 0 || filter.runIds?.length === 0) return [];
  let q = db.selectFrom("runs").selectAll("runs");
  if (filter.statuses) q = q.where("status", "in", filter.statuses);
  if (filter.runIds) q = q.where("run_id", "in", filter.runIds);
  if (filter.createdBefore !== undefined) q = q.where("created_at", "<", filter.createdBefore);
  if (filter.createdAfter !== undefined) q = q.where("created_at", ">", filter.createdAfter);
  for (const [key, value] of Object.entries(filter.tags ?? {})) {
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom("run_tags")
          .select("run_tags.run_id")
          .whereRef("run_tags.run_id", "=", "runs.run_id")
          .where("run_tags.key", "=", key)
          .where("run_tags.value", "=", value),
      ),
    );
  }
  if (filter.assetKey !== undefined) {
    const assetKey = filter.assetKey;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom("run_assets")
          .select("run_assets.run_id")
          .whereRef("run_assets.run_id", "=", "runs.run_id")
          .where("run_assets.asset_key", "=", assetKey),
      ),
    );
  }
  if (filter.cursor !== undefined) {
    const cursor = await db.selectFrom("runs").select(["id", "created_at"]).where("run_id", "=", filter.cursor).executeTakeFirst();
    if (!cursor) {
      throw new StrataError("RUN_NOT_FOUND", `Cursor run "${filter.cursor}" does not exist.`, {
        hint: "Pass the runId of the last run of the previous page; it may have been deleted, so restart from the first page.",
      });
    }
    const createdAt = Number(cursor.created_at);
    const id = Number(cursor.id);
    q = q.where((eb) => eb.or([eb("created_at", "<", createdAt), eb.and([eb("created_at", "=", createdAt), eb("id", "<", id)])]));
  }
  q = q.orderBy("created_at", "desc").orderBy("id", "desc");
  if (filter.limit !== undefined) q = q.limit(filter.limit);
  return (await q.execute()).map(rowToRun);
}

/** Compare-and-set status change plus its RUN_* event, inside `tx`. */
export async function transitionRunInTx(
  tx: Tx,
  dialect: StorageDialect,
  runId: string,
  status: RunStatus,
  options: TransitionOptions = {},
): Promise<boolean> {
  const now = options.event?.timestamp ?? Date.now();
  const f = options.fields ?? {};
  const set: Updateable<RunsTable> = { status, updated_at: now };
  if (f.workerPid !== undefined) set.worker_pid = f.workerPid;
  if (f.workerHost !== undefined) set.worker_host = f.workerHost;
  if (f.startedAt !== undefined) set.started_at = f.startedAt;
  else if (status === "STARTED") set.started_at = now;
  if (f.endedAt !== undefined) set.ended_at = f.endedAt;
  else if (isFinished(status)) set.ended_at = now;

  if (options.fromStatuses?.length === 0) {
    await requireRun(tx, runId);
    return false;
  }
  let q = tx.updateTable("runs").set(set).where("run_id", "=", runId);
  if (options.fromStatuses) q = q.where("status", "in", options.fromStatuses);
  const res = await q.executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) {
    await requireRun(tx, runId);
    return false;
  }
  const event = options.event ?? runStatusEvent(runId, status, now);
  if (event) await appendEvents(tx, dialect, [event]);
  return true;
}

/** Merges tags into the run's JSON and its run_tags rows. */
export async function addTagsInTx(tx: Tx, dialect: StorageDialect, runId: string, tags: Record<string, string>): Promise<void> {
  let q = tx.selectFrom("runs").select("tags").where("run_id", "=", runId);
  if (dialect.rowLocks) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw runNotFound(runId);
  const merged = { ...(JSON.parse(row.tags) as Record<string, string>), ...tags };
  await tx.updateTable("runs").set({ tags: JSON.stringify(merged), updated_at: Date.now() }).where("run_id", "=", runId).execute();
  const rows = Object.entries(tags).map(([key, value]) => ({ run_id: runId, key, value }));
  for (const chunk of chunksFor(rows, 3, dialect)) {
    await tx
      .insertInto("run_tags")
      .values(chunk)
      .onConflict((oc) => oc.columns(["run_id", "key"]).doUpdateSet((eb) => ({ value: eb.ref("excluded.value") })))
      .execute();
  }
}

export async function requireRun(db: Db, runId: string): Promise<void> {
  const row = await db.selectFrom("runs").select("run_id").where("run_id", "=", runId).executeTakeFirst();
  if (!row) throw runNotFound(runId);
}

export function runNotFound(runId: string): StrataError {
  return new StrataError("RUN_NOT_FOUND", `Run "${runId}" does not exist.`, {
    hint: "Check the run id (`strata runs list`); the run may have been deleted or the storage wiped.",
  });
}
