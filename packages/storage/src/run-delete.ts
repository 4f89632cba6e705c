import type { Updateable } from "kysely";
import { foldPartitionEvents } from "./partition-index.ts";
import type { AssetIndexTable } from "./schema.ts";
import type { StorageDialect } from "./storage-dialect.ts";
import type { Tx } from "./transaction.ts";

/**
 * Deletes a run, its events, tags, asset rows and pool slots, then repairs the derived indexes
 * that pointed at it (falling back to the newest remaining materialisation or evaluation), so
 * the indexes still agree with the log. A missing run is a no-op.
 *
 * Partition index rows the run left in_progress are reset as if the run had been canceled (it
 * never will end now). Rows whose last materialisation or last run was this run keep pointing
 * at it: the data it wrote still exists, and nothing reads those ids back from the log.
 */
export async function deleteRunInTx(tx: Tx, dialect: StorageDialect, runId: string): Promise<void> {
  const assets = await tx
    .selectFrom("asset_index")
    .selectAll()
    .where((eb) =>
      eb.or([
        eb("last_mat_run_id", "=", runId),
        eb("last_planned_run_id", "=", runId),
        eb("last_run_id", "=", runId),
        eb("last_failed_run_id", "=", runId),
      ]),
    )
    .execute();
  const checks = await tx.selectFrom("check_status").select(["check_key", "asset_key"]).where("last_run_id", "=", runId).execute();

  await tx.deleteFrom("event_logs").where("run_id", "=", runId).execute();
  await tx.deleteFrom("run_tags").where("run_id", "=", runId).execute();
  await tx.deleteFrom("run_assets").where("run_id", "=", runId).execute();
  await tx.deleteFrom("pool_slots").where("run_id", "=", runId).execute();
  await tx.deleteFrom("runs").where("run_id", "=", runId).execute();
  const end = { id: 0, runId, type: "RUN_CANCELED", timestamp: Date.now(), level: "info", message: "run deleted" } as const;
  await foldPartitionEvents(tx, [end], dialect);

  for (const a of assets) {
    const set: Updateable<AssetIndexTable> = {};
    if (a.last_mat_run_id === runId) {
      const prev = await tx
        .selectFrom("event_logs")
        .select(["id", "run_id", "timestamp"])
        .where("asset_key", "=", a.asset_key)
        .where("type", "=", "ASSET_MATERIALIZATION")
        .where("id", ">", Number(a.wiped_event_id ?? 0))
        .orderBy("id", "desc")
        .limit(1)
        .executeTakeFirst();
      set.last_mat_event_id = prev ? prev.id : null;
      set.last_mat_run_id = prev ? prev.run_id : null;
      set.last_mat_timestamp = prev ? prev.timestamp : null;
    }
    if (a.last_planned_run_id === runId) set.last_planned_run_id = null;
    if (a.last_failed_run_id === runId) {
      set.last_failed_run_id = null;
      set.last_failed_at = null;
    }
    if (a.last_run_id === runId) set.last_run_id = set.last_mat_run_id !== undefined ? set.last_mat_run_id : a.last_mat_run_id;
    await tx.updateTable("asset_index").set(set).where("asset_key", "=", a.asset_key).execute();
  }

  for (const c of checks) {
    const wiped = await tx.selectFrom("asset_index").select("wiped_event_id").where("asset_key", "=", c.asset_key).executeTakeFirst();
    const prev = await tx
      .selectFrom("event_logs")
      .select(["id", "run_id", "timestamp", "data"])
      .where("check_key", "=", c.check_key)
      .where("type", "=", "ASSET_CHECK_EVALUATION")
      .where("id", ">", Number(wiped?.wiped_event_id ?? 0))
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
    if (!prev) {
      await tx.deleteFrom("check_status").where("check_key", "=", c.check_key).execute();
      continue;
    }
    const check = prev.data ? (JSON.parse(prev.data) as { check?: { passed?: boolean; severity?: string } }).check : undefined;
    await tx
      .updateTable("check_status")
      .set({
        last_event_id: prev.id,
        last_run_id: prev.run_id,
        last_timestamp: prev.timestamp,
        passed: check?.passed === true ? 1 : 0,
        severity: check?.severity ?? "ERROR",
      })
      .where("check_key", "=", c.check_key)
      .execute();
  }
}
