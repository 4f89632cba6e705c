import type { EventRecord } from "@strata/core";
import type { Selectable } from "kysely";
import type { EventIndexer } from "./event-indexer.ts";
import { writePartitionPages, type PageChange } from "./partition-pages.ts";
import { eventPartitions, failedAssetKeys } from "./event-validation.ts";
import type { AssetPartitionsTable } from "./schema.ts";
import type { StorageDialect } from "./storage-dialect.ts";
import { chunksFor, type Tx } from "./transaction.ts";

type PartitionRow = Selectable<AssetPartitionsTable>;
/** asset → partition → row; null = no row (missing), to be deleted if the database has one. */
type RowMap = Map<string, Map<string, PartitionRow | null>>;

const COLUMNS = [
  "status",
  "last_materialized_at",
  "last_materialization_event_id",
  "last_materialization_run_id",
  "last_run_id",
  "last_failed_at",
  "updated_at",
] as const satisfies readonly (keyof PartitionRow)[];
const ROW_PARAMS = COLUMNS.length + 2;
/** Status of a row inserted only to be locked (Postgres); it never survives the transaction. */
const PLACEHOLDER = "";
const RUN_END = new Set(["RUN_SUCCESS", "RUN_FAILURE", "RUN_CANCELED"]);

/**
 * Maintains `asset_partitions`, the per-partition status index:
 * - ASSET_MATERIALIZATION_PLANNED (its `partition` and/or `data.partitions`) → in_progress;
 * - ASSET_MATERIALIZATION with `partition` → materialized (and clears the last failure);
 * - STEP_FAILURE → failed, for every asset of `assetKey`/`data.assetKeys` × every partition of
 *   `partition`/`data.partitions`;
 * - RUN_SUCCESS/FAILURE/CANCELED → rows that run left in_progress fall back: failed when a failure
 *   is newer than the last materialisation, else materialized if ever materialised, else deleted;
 * - ASSET_WIPED → the asset's rows are deleted.
 * Like the asset index, a batch is folded in memory and written back with a few multi-row
 * statements, so a range run reporting 1,095 partitions in one batch costs about ten statements.
 * The final state of every folded row also goes to the packed status summary
 * (`asset_partition_pages`, partition-pages.ts) in the same transaction.
 */
export const partitionIndexer: EventIndexer = {
  name: "asset_partitions",
  apply: (tx, events, dialect) => foldPartitionEvents(tx, events, dialect),
};

/** Folds `events` into `asset_partitions` inside `tx` (also used by deleteRun with a synthetic run end). */
export async function foldPartitionEvents(tx: Tx, events: readonly EventRecord[], dialect: StorageDialect): Promise<void> {
  const touched = new Map<string, Set<string>>();
  const endedRuns = new Set<string>();
  const wiped = new Set<string>();
  const touch = (asset: string, partitions: readonly string[]) => {
    let set = touched.get(asset);
    if (!set) touched.set(asset, (set = new Set()));
    for (const p of partitions) set.add(p);
  };
  for (const e of events) {
    if (e.type === "ASSET_MATERIALIZATION") {
      if (e.partition !== undefined && e.assetKey) touch(e.assetKey, [e.partition]);
    } else if (e.type === "ASSET_MATERIALIZATION_PLANNED") {
      const parts = eventPartitions(e);
      if (parts.length > 0 && e.assetKey) touch(e.assetKey, parts);
    } else if (e.type === "STEP_FAILURE") {
      const parts = eventPartitions(e);
      if (parts.length > 0) for (const a of failedAssetKeys(e)) touch(a, parts);
    } else if (RUN_END.has(e.type)) {
      endedRuns.add(e.runId);
    } else if (e.type === "ASSET_WIPED" && e.assetKey) {
      wiped.add(e.assetKey);
    }
  }
  // Most batches (logs, step events) touch no partition: no statement at all.
  if (touched.size === 0 && endedRuns.size === 0 && wiped.size === 0) return;

  const rows = await loadRows(tx, dialect, touched, endedRuns);
  fold(events, rows);
  await writeRows(tx, dialect, rows, wiped);
}

async function loadRows(tx: Tx, dialect: StorageDialect, touched: Map<string, Set<string>>, endedRuns: Set<string>): Promise<RowMap> {
  const rows: RowMap = new Map();
  const put = (r: PartitionRow) => {
    let m = rows.get(r.asset_key);
    if (!m) rows.set(r.asset_key, (m = new Map()));
    m.set(r.partition, r.status === PLACEHOLDER ? null : r);
  };
  // Sorted so concurrent writers lock rows in the same order (no deadlocks on Postgres).
  for (const asset of [...touched.keys()].sort()) {
    const m = new Map<string, PartitionRow | null>();
    rows.set(asset, m);
    const parts = [...(touched.get(asset) ?? [])].sort();
    for (const p of parts) m.set(p, null);
    for (const chunk of chunksFor(parts, ROW_PARAMS, dialect)) {
      if (dialect.rowLocks) {
        // Make the rows exist so FOR UPDATE can lock them (as asset-index.ts does). SQLite's
        // write lock already serialises writers.
        await tx
          .insertInto("asset_partitions")
          .values(chunk.map((partition) => ({ asset_key: asset, partition, ...placeholderColumns() })))
          .onConflict((oc) => oc.columns(["asset_key", "partition"]).doNothing())
          .execute();
      }
      let q = tx.selectFrom("asset_partitions").selectAll().where("asset_key", "=", asset).where("partition", "in", chunk);
      if (dialect.rowLocks) q = q.forUpdate();
      for (const r of await q.execute()) put(r);
    }
  }
  for (const chunk of chunksFor([...endedRuns].sort(), 1, dialect)) {
    let q = tx.selectFrom("asset_partitions").selectAll().where("last_run_id", "in", chunk).where("status", "=", "in_progress");
    if (dialect.rowLocks) q = q.forUpdate();
    for (const r of await q.execute()) {
      // A row already loaded above is the same database row; keep that object.
      if (rows.get(r.asset_key)?.get(r.partition) === undefined) put(r);
    }
  }
  return rows;
}

function fold(events: readonly EventRecord[], rows: RowMap): void {
  // Rows by the run that last touched them, for the run-end reset (may hold stale entries).
  const byRun = new Map<string, PartitionRow[]>();
  const track = (row: PartitionRow) => {
    const runId = row.last_run_id;
    if (runId === null) return;
    const list = byRun.get(runId);
    if (list) list.push(row);
    else byRun.set(runId, [row]);
  };
  for (const m of rows.values()) for (const r of m.values()) if (r) track(r);
  const rowOf = (asset: string, partition: string, runId: string, at: number): PartitionRow => {
    let m = rows.get(asset);
    if (!m) rows.set(asset, (m = new Map()));
    let row = m.get(partition);
    if (!row) {
      row = newRow(asset, partition, at);
      m.set(partition, row);
    }
    if (row.last_run_id !== runId) {
      row.last_run_id = runId;
      track(row);
    }
    row.updated_at = at;
    return row;
  };

  for (const e of events) {
    switch (e.type) {
      case "ASSET_MATERIALIZATION_PLANNED":
        if (e.assetKey) for (const p of eventPartitions(e)) rowOf(e.assetKey, p, e.runId, e.timestamp).status = "in_progress";
        break;
      case "ASSET_MATERIALIZATION":
        if (e.assetKey && e.partition !== undefined) {
          const row = rowOf(e.assetKey, e.partition, e.runId, e.timestamp);
          row.status = "materialized";
          row.last_materialized_at = e.timestamp;
          row.last_materialization_event_id = e.id;
          row.last_materialization_run_id = e.runId;
          // A failure older than the newest materialisation no longer describes the partition.
          row.last_failed_at = null;
        }
        break;
      case "STEP_FAILURE": {
        const parts = eventPartitions(e);
        if (parts.length === 0) break;
        for (const a of failedAssetKeys(e)) {
          for (const p of parts) {
            const row = rowOf(a, p, e.runId, e.timestamp);
            row.status = "failed";
            row.last_failed_at = e.timestamp;
          }
        }
        break;
      }
      case "RUN_SUCCESS":
      case "RUN_FAILURE":
      case "RUN_CANCELED":
        for (const row of byRun.get(e.runId) ?? []) {
          const m = rows.get(row.asset_key);
          if (row.last_run_id !== e.runId || row.status !== "in_progress" || m?.get(row.partition) !== row) continue;
          if (row.last_failed_at !== null) row.status = "failed";
          else if (row.last_materialization_event_id !== null) row.status = "materialized";
          else {
            m.set(row.partition, null);
            continue;
          }
          row.updated_at = e.timestamp;
        }
        byRun.delete(e.runId);
        break;
      case "ASSET_WIPED": {
        const m = e.assetKey === undefined ? undefined : rows.get(e.assetKey);
        if (m) for (const p of m.keys()) m.set(p, null);
        break;
      }
      default:
        break;
    }
  }
}

async function writeRows(tx: Tx, dialect: StorageDialect, rows: RowMap, wiped: Set<string>): Promise<void> {
  // Wipes first: rows recreated later in the batch than the wipe are in `rows` and are written after.
  for (const chunk of chunksFor([...wiped].sort(), 1, dialect)) {
    await tx.deleteFrom("asset_partitions").where("asset_key", "in", chunk).execute();
  }
  const upserts: PartitionRow[] = [];
  const pageChanges = new Map<string, Map<string, PageChange>>();
  for (const asset of [...rows.keys()].sort()) {
    const m = rows.get(asset) as Map<string, PartitionRow | null>;
    const gone: string[] = [];
    const changes = new Map<string, PageChange>();
    pageChanges.set(asset, changes);
    for (const [p, r] of m) {
      changes.set(p, r ? { status: r.status as "materialized" | "failed" | "in_progress", lastMaterializedAt: r.last_materialized_at } : null);
      if (r) upserts.push(r);
      else if (!wiped.has(asset)) gone.push(p);
    }
    for (const chunk of chunksFor(gone, 1, dialect)) {
      await tx.deleteFrom("asset_partitions").where("asset_key", "=", asset).where("partition", "in", chunk).execute();
    }
  }
  for (const chunk of chunksFor(upserts, ROW_PARAMS, dialect)) {
    await tx
      .insertInto("asset_partitions")
      .values(chunk)
      .onConflict((oc) =>
        oc.columns(["asset_key", "partition"]).doUpdateSet((eb) => Object.fromEntries(COLUMNS.map((c) => [c, eb.ref(`excluded.${c}`)]))),
      )
      .execute();
  }
  await writePartitionPages(tx, dialect, pageChanges, wiped);
}

function newRow(asset_key: string, partition: string, at: number): PartitionRow {
  return {
    asset_key,
    partition,
    status: "in_progress",
    last_materialized_at: null,
    last_materialization_event_id: null,
    last_materialization_run_id: null,
    last_run_id: null,
    last_failed_at: null,
    updated_at: at,
  };
}

function placeholderColumns(): Omit<PartitionRow, "asset_key" | "partition"> {
  const { asset_key: _a, partition: _p, ...rest } = newRow("", "", 0);
  return { ...rest, status: PLACEHOLDER };
}
