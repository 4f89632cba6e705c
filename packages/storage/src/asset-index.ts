import type { EventRecord } from "@strata/core";
import type { Selectable } from "kysely";
import type { AssetIndexTable } from "./schema.ts";
import type { EventIndexer } from "./event-indexer.ts";
import { failedAssetKeys } from "./event-validation.ts";
import { chunksFor } from "./transaction.ts";

type AssetIndexRow = Selectable<AssetIndexTable>;

const COLUMNS = [
  "last_mat_event_id",
  "last_mat_run_id",
  "last_mat_timestamp",
  "last_planned_run_id",
  "last_run_id",
  "last_failed_run_id",
  "last_failed_at",
  "wiped_at",
  "wiped_event_id",
] as const satisfies readonly (keyof AssetIndexRow)[];

/**
 * Maintains `asset_index`: the latest materialisation, planned run, failed run and wipe of each
 * asset. A batch is folded in memory (read touched rows, apply events in log order, write each
 * row back once with a multi-row upsert), so 5,000 events cost a handful of statements.
 */
export const assetIndexer: EventIndexer = {
  name: "asset_index",
  async apply(tx, events, dialect) {
    // Sorted so concurrent writers lock rows in the same order (no deadlocks on Postgres).
    const keys = [...touchedAssets(events)].sort();
    if (keys.length === 0) return;
    const rows = new Map<string, AssetIndexRow>();
    for (const chunk of chunksFor(keys, 1, dialect)) {
      if (dialect.rowLocks) {
        // Make the rows exist so FOR UPDATE can lock them; a concurrent writer of a brand-new
        // asset then waits instead of both folding over "no row". (SQLite's write lock suffices.)
        await tx
          .insertInto("asset_index")
          .values(chunk.map((asset_key) => ({ asset_key })))
          .onConflict((oc) => oc.column("asset_key").doNothing())
          .execute();
      }
      let q = tx.selectFrom("asset_index").selectAll().where("asset_key", "in", chunk);
      if (dialect.rowLocks) q = q.forUpdate();
      for (const r of await q.execute()) rows.set(r.asset_key, r);
    }
    const rowOf = (key: string): AssetIndexRow => {
      let row = rows.get(key);
      if (!row) {
        row = emptyRow(key);
        rows.set(key, row);
      }
      return row;
    };
    for (const e of events) foldEvent(e, rowOf);
    for (const chunk of chunksFor(keys.map((k) => rowOf(k)), COLUMNS.length + 1, dialect)) {
      await tx
        .insertInto("asset_index")
        .values(chunk)
        .onConflict((oc) =>
          oc.column("asset_key").doUpdateSet((eb) => Object.fromEntries(COLUMNS.map((c) => [c, eb.ref(`excluded.${c}`)]))),
        )
        .execute();
    }
  },
};

function touchedAssets(events: readonly EventRecord[]): Set<string> {
  const keys = new Set<string>();
  for (const e of events) {
    if (e.type === "STEP_FAILURE") for (const k of failedAssetKeys(e)) keys.add(k);
    else if (affectsIndex(e) && e.assetKey) keys.add(e.assetKey);
  }
  return keys;
}

function affectsIndex(e: EventRecord): boolean {
  return e.type === "ASSET_MATERIALIZATION" || e.type === "ASSET_MATERIALIZATION_PLANNED" || e.type === "ASSET_WIPED";
}

function foldEvent(e: EventRecord, rowOf: (key: string) => AssetIndexRow): void {
  switch (e.type) {
    case "ASSET_MATERIALIZATION": {
      const row = rowOf(e.assetKey ?? "");
      row.last_mat_event_id = e.id;
      row.last_mat_run_id = e.runId;
      row.last_mat_timestamp = e.timestamp;
      row.last_run_id = e.runId;
      if (row.last_planned_run_id === e.runId) row.last_planned_run_id = null;
      // A failure older than the newest materialisation no longer describes the asset.
      row.last_failed_run_id = null;
      row.last_failed_at = null;
      return;
    }
    case "ASSET_MATERIALIZATION_PLANNED": {
      const row = rowOf(e.assetKey ?? "");
      row.last_planned_run_id = e.runId;
      row.last_run_id = e.runId;
      return;
    }
    case "STEP_FAILURE":
      for (const key of failedAssetKeys(e)) {
        const row = rowOf(key);
        row.last_failed_run_id = e.runId;
        row.last_failed_at = e.timestamp;
        row.last_run_id = e.runId;
        if (row.last_planned_run_id === e.runId) row.last_planned_run_id = null;
      }
      return;
    case "ASSET_WIPED": {
      const row = rowOf(e.assetKey ?? "");
      Object.assign(row, emptyRow(row.asset_key), { wiped_at: e.timestamp, wiped_event_id: e.id });
      return;
    }
    default:
      return;
  }
}

function emptyRow(asset_key: string): AssetIndexRow {
  return {
    asset_key,
    last_mat_event_id: null,
    last_mat_run_id: null,
    last_mat_timestamp: null,
    last_planned_run_id: null,
    last_run_id: null,
    last_failed_run_id: null,
    last_failed_at: null,
    wiped_at: null,
    wiped_event_id: null,
  };
}
