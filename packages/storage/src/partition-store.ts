import { StrataError } from "@strata/core";
import type { CompiledQuery, ExpressionBuilder, Kysely } from "kysely";
import type { StrataDatabase } from "./schema.ts";
import type { AssetPartitionRecord } from "./storage.ts";
import type { StorageDialect } from "./storage-dialect.ts";
import { chunksFor, type Tx } from "./transaction.ts";

type Db = Kysely<StrataDatabase>;
type PartitionsEb = ExpressionBuilder<StrataDatabase, "asset_partitions">;
type Status = AssetPartitionRecord["status"];

const RECORD_COLUMNS = [
  "partition",
  "status",
  "last_materialized_at",
  "last_materialization_event_id",
  "last_materialization_run_id",
  "last_run_id",
  "last_failed_at",
  "updated_at",
] as const;

/**
 * The same columns for the array path, except that `last_run_id` comes back null when it equals
 * `last_materialization_run_id` (the common case): one string fewer to build per row. Every row
 * has a `last_run_id`, so null there means "same as the materialising run".
 */
const ARRAY_COLUMNS = (eb: PartitionsEb) =>
  [
    "partition",
    "status",
    "last_materialized_at",
    "last_materialization_event_id",
    "last_materialization_run_id",
    eb
      .case()
      .when("last_run_id", "=", eb.ref("last_materialization_run_id"))
      .then(eb.lit(null))
      .else(eb.ref("last_run_id"))
      .end()
      .as("last_run_id"),
    "last_failed_at",
    "updated_at",
  ] as const;

/**
 * An asset's partition index rows, sorted by partition key: one primary-key range scan. This is
 * the partition status hot path (50,000 rows in ≤ 50 ms), so rows are read as arrays when the
 * dialect can (`selectArrays`) and mapped in a plain loop.
 */
export async function queryAssetPartitions(
  db: Db,
  dialect: StorageDialect,
  assetKey: string,
  partitions?: readonly string[],
  materializedAfter?: number,
): Promise<AssetPartitionRecord[]> {
  let base = dialect.selectArrays
    ? db.selectFrom("asset_partitions").select(ARRAY_COLUMNS).where("asset_key", "=", assetKey)
    : db.selectFrom("asset_partitions").select(RECORD_COLUMNS).where("asset_key", "=", assetKey);
  // Staleness only needs upstream rows newer than the oldest downstream materialisation: the
  // filter is evaluated during the same primary-key range scan and usually leaves a few rows.
  if (materializedAfter !== undefined) base = base.where("last_materialized_at", ">", materializedAfter);
  if (partitions === undefined) return readRecords(db, dialect, assetKey, base.orderBy("partition"));
  if (partitions.length === 0) return [];
  const chunks = chunksFor([...new Set(partitions)], 1, dialect, dialect.maxParameters - 1);
  if (chunks.length === 1) return readRecords(db, dialect, assetKey, base.where("partition", "in", chunks[0] as string[]).orderBy("partition"));
  const out: AssetPartitionRecord[] = [];
  for (const chunk of chunks) out.push(...(await readRecords(db, dialect, assetKey, base.where("partition", "in", chunk))));
  return out.sort((a, b) => (a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : 0));
}

/**
 * Index rows of many assets in one pass (a query per few hundred keys), for evaluations that
 * need every partitioned asset at once (the automation tick) instead of a query per asset.
 */
export async function queryPartitionsOfAssets(db: Db, dialect: StorageDialect, assetKeys: readonly string[], brief = false): Promise<Map<string, AssetPartitionRecord[]>> {
  const out = new Map<string, AssetPartitionRecord[]>();
  const keys = [...new Set(assetKeys)];
  for (const k of keys) out.set(k, []);
  const selectArrays = dialect.selectArrays?.bind(dialect);
  for (const chunk of chunksFor(keys, 1, dialect, dialect.maxParameters)) {
    if (selectArrays) {
      // The array path (as for one asset): 100,000 rows mapped in a plain loop, the asset key last.
      const base = db.selectFrom("asset_partitions");
      const compiled = (
        brief
          ? base.select(BRIEF_COLUMNS).select("asset_key")
          : base.select(ARRAY_COLUMNS).select("asset_key")
      )
        .where("asset_key", "in", chunk as string[])
        .orderBy("asset_key")
        .orderBy("partition")
        .compile();
      const rows = await db.connection().execute(() => selectArrays(compiled));
      const keyAt = brief ? BRIEF_COLUMNS.length : 8;
      let start = 0;
      for (let i = 1; i <= rows.length; i++) {
        if (i < rows.length && rows[i]![keyAt] === rows[start]![keyAt]) continue;
        const key = rows[start]![keyAt] as string;
        const part = rows.slice(start, i);
        const recs = brief ? briefArraysToRecords(key, part) : arraysToRecords(key, part);
        const list = out.get(key)!;
        if (list.length === 0) out.set(key, recs);
        else list.push(...recs);
        start = i;
      }
      continue;
    }
    const rows = await db
      .selectFrom("asset_partitions")
      .select(["asset_key", ...RECORD_COLUMNS])
      .where("asset_key", "in", chunk as string[])
      .orderBy("asset_key")
      .orderBy("partition")
      .execute();
    let start = 0;
    for (let i = 1; i <= rows.length; i++) {
      if (i < rows.length && rows[i]!.asset_key === rows[start]!.asset_key) continue;
      const key = rows[start]!.asset_key;
      out.get(key)!.push(...objectsToRecords(key, rows.slice(start, i)));
      start = i;
    }
  }
  return out;
}

interface RecordQuery {
  compile(): CompiledQuery;
  execute(): Promise<RecordRow[]>;
}

async function readRecords(db: Db, dialect: StorageDialect, assetKey: string, query: RecordQuery): Promise<AssetPartitionRecord[]> {
  const selectArrays = dialect.selectArrays?.bind(dialect);
  if (!selectArrays) return objectsToRecords(assetKey, await query.execute());
  const compiled = query.compile();
  // Holding Kysely's connection keeps the raw read out of another call's open transaction.
  const rows = await db.connection().execute(() => selectArrays(compiled));
  return arraysToRecords(assetKey, rows);
}

interface RecordRow {
  partition: string;
  status: string;
  last_materialized_at: number | null;
  last_materialization_event_id: number | null;
  last_materialization_run_id: string | null;
  last_run_id: string | null;
  last_failed_at: number | null;
  updated_at: number;
}

/** The columns of a brief read (`getPartitionsOfAssets(keys, { brief: true })`). */
const BRIEF_COLUMNS = ["partition", "status", "last_materialized_at", "last_materialization_event_id", "updated_at"] as const;

/** Rows in {@link BRIEF_COLUMNS} order. */
function briefArraysToRecords(assetKey: string, rows: readonly unknown[][]): AssetPartitionRecord[] {
  const out = new Array<AssetPartitionRecord>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as [string, string, Num, Num, number];
    const rec: AssetPartitionRecord = { assetKey, partition: r[0], status: r[1] as Status, updatedAt: Number(r[4]) };
    if (r[2] !== null) rec.lastMaterializedAt = Number(r[2]);
    if (r[3] !== null) rec.lastMaterializationEventId = Number(r[3]);
    out[i] = rec;
  }
  return out;
}

/** Rows in {@link RECORD_COLUMNS} order. */
function arraysToRecords(assetKey: string, rows: readonly unknown[][]): AssetPartitionRecord[] {
  const out = new Array<AssetPartitionRecord>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as [string, string, Num, Num, string | null, string | null, Num, number];
    const rec: AssetPartitionRecord = { assetKey, partition: r[0], status: r[1] as Status, updatedAt: Number(r[7]) };
    if (r[2] !== null) rec.lastMaterializedAt = Number(r[2]);
    if (r[3] !== null) rec.lastMaterializationEventId = Number(r[3]);
    if (r[4] !== null) rec.lastMaterializationRunId = r[4];
    const lastRun = r[5] ?? r[4];
    if (lastRun !== null) rec.lastRunId = lastRun;
    if (r[6] !== null) rec.lastFailedAt = Number(r[6]);
    out[i] = rec;
  }
  return out;
}
type Num = number | string | bigint | null;

function objectsToRecords(assetKey: string, rows: readonly RecordRow[]): AssetPartitionRecord[] {
  const out = new Array<AssetPartitionRecord>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as RecordRow;
    const rec: AssetPartitionRecord = { assetKey, partition: r.partition, status: r.status as Status, updatedAt: Number(r.updated_at) };
    if (r.last_materialized_at !== null) rec.lastMaterializedAt = Number(r.last_materialized_at);
    if (r.last_materialization_event_id !== null) rec.lastMaterializationEventId = Number(r.last_materialization_event_id);
    if (r.last_materialization_run_id !== null) rec.lastMaterializationRunId = r.last_materialization_run_id;
    if (r.last_run_id !== null) rec.lastRunId = r.last_run_id;
    if (r.last_failed_at !== null) rec.lastFailedAt = Number(r.last_failed_at);
    out[i] = rec;
  }
  return out;
}

// ---- dynamic partitions ----

/** Adds new keys in the order given (duplicates ignored); returns how many were new. */
export async function addDynamicPartitionsInTx(tx: Tx, dialect: StorageDialect, name: string, keys: readonly string[]): Promise<number> {
  const unique = checkKeys(name, keys);
  const now = Date.now();
  let added = 0;
  // Ids are assigned in row order within a statement, so `position` follows the input order.
  for (const chunk of chunksFor(unique, 3, dialect)) {
    const res = await tx
      .insertInto("dynamic_partitions")
      .values(chunk.map((partition_key) => ({ name, partition_key, added_at: now })))
      .onConflict((oc) => oc.columns(["name", "partition_key"]).doNothing())
      .executeTakeFirst();
    added += Number(res.numInsertedOrUpdatedRows ?? 0);
  }
  return added;
}

/** Removes keys; returns how many existed. */
export async function deleteDynamicPartitionsInTx(tx: Tx, dialect: StorageDialect, name: string, keys: readonly string[]): Promise<number> {
  const unique = checkKeys(name, keys);
  let deleted = 0;
  for (const chunk of chunksFor(unique, 1, dialect, dialect.maxParameters - 1)) {
    const res = await tx.deleteFrom("dynamic_partitions").where("name", "=", name).where("partition_key", "in", chunk).executeTakeFirst();
    deleted += Number(res.numDeletedRows);
  }
  return deleted;
}

export async function queryDynamicPartitions(db: Db, name: string): Promise<string[]> {
  checkName(name);
  const rows = await db.selectFrom("dynamic_partitions").select("partition_key").where("name", "=", name).orderBy("position").execute();
  const out = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = (rows[i] as { partition_key: string }).partition_key;
  return out;
}

/** Sets holding at least one key, by name. */
export async function queryDynamicPartitionSets(db: Db): Promise<{ name: string; count: number }[]> {
  const rows = await db
    .selectFrom("dynamic_partitions")
    .select((eb) => ["name", eb.fn.countAll().as("n")])
    .groupBy("name")
    .orderBy("name")
    .execute();
  return rows.map((r) => ({ name: r.name, count: Number(r.n) }));
}

function checkName(name: string): void {
  if (typeof name !== "string" || name.length === 0) {
    throw new StrataError("PARTITION_INVALID", `Invalid dynamic partitions name ${JSON.stringify(name)}: it must be a non-empty string.`, {
      hint: 'Use the name given to dynamicPartitions(...), e.g. "customers".',
    });
  }
}

function checkKeys(name: string, keys: readonly string[]): string[] {
  checkName(name);
  if (!Array.isArray(keys)) {
    throw new StrataError("PARTITION_INVALID", `Keys for dynamic partitions "${name}" must be an array of strings.`, {
      hint: 'Pass e.g. ["acme", "globex"].',
    });
  }
  const bad = keys.findIndex((k) => typeof k !== "string" || k.length === 0);
  if (bad >= 0) {
    throw new StrataError("PARTITION_INVALID", `Key ${bad} for dynamic partitions "${name}" is ${JSON.stringify(keys[bad])}: keys must be non-empty strings.`, {
      hint: "Remove empty or non-string keys; nothing was changed.",
    });
  }
  return [...new Set(keys)];
}
