import { sql, type Kysely } from "kysely";
import type { StrataDatabase } from "./schema.ts";
import type { AssetPartitionColumns } from "./storage.ts";
import type { StorageDialect } from "./storage-dialect.ts";
import { chunksFor } from "./transaction.ts";

/** Joins the partition keys of one asset (a key containing it makes that asset read row by row). */
const KEY_SEPARATOR = "\u001f";

/**
 * The partition index of many assets as columns (see {@link AssetPartitionColumns}): one grouped
 * scan per few hundred assets that returns one row per asset with its keys, statuses and event
 * ids concatenated by the database (`string_agg`: SQLite ≥ 3.44 and Postgres), so reading
 * 100,000 rows builds a few thousand strings instead of an array and an object per row.
 */
export async function queryPartitionColumns(
  db: Kysely<StrataDatabase>,
  dialect: StorageDialect,
  assetKeys: readonly string[],
): Promise<Map<string, AssetPartitionColumns>> {
  const out = new Map<string, AssetPartitionColumns>();
  const keys = [...new Set(assetKeys)];
  for (const k of keys)
    out.set(k, { partitions: [], statuses: "", materializationEventIds: new Float64Array(0) });
  for (const chunk of chunksFor(keys, 1, dialect, dialect.maxParameters - 3)) {
    const rows = await db
      .selectFrom("asset_partitions")
      .select((eb) => [
        "asset_key",
        eb.fn.countAll<number | string | bigint>().as("n"),
        sql<string>`string_agg(partition, ${KEY_SEPARATOR})`.as("partitions"),
        sql<string>`string_agg(substr(status, 1, 1), ${""})`.as("statuses"),
        sql<string>`string_agg(coalesce(cast(last_materialization_event_id as text), ''), ${","})`.as(
          "event_ids",
        ),
      ])
      .where("asset_key", "in", chunk)
      .groupBy("asset_key")
      .execute();
    for (const r of rows) {
      const n = Number(r.n);
      const partitions = r.partitions.split(KEY_SEPARATOR);
      const ids = r.event_ids.split(",");
      if (partitions.length !== n || ids.length !== n || r.statuses.length !== n) {
        out.set(r.asset_key, await columnsRowByRow(db, r.asset_key));
        continue;
      }
      const eventIds = new Float64Array(n);
      for (let i = 0; i < n; i++) eventIds[i] = ids[i] === "" ? Number.NaN : Number(ids[i]);
      out.set(r.asset_key, { partitions, statuses: r.statuses, materializationEventIds: eventIds });
    }
  }
  return out;
}

/** The same columns from plain rows, for an asset with a key containing {@link KEY_SEPARATOR}. */
async function columnsRowByRow(db: Kysely<StrataDatabase>, assetKey: string): Promise<AssetPartitionColumns> {
  const rows = await db
    .selectFrom("asset_partitions")
    .select(["partition", "status", "last_materialization_event_id"])
    .where("asset_key", "=", assetKey)
    .execute();
  const eventIds = new Float64Array(rows.length);
  let statuses = "";
  rows.forEach((r, i) => {
    statuses += r.status.slice(0, 1);
    eventIds[i] =
      r.last_materialization_event_id === null ? Number.NaN : Number(r.last_materialization_event_id);
  });
  return { partitions: rows.map((r) => r.partition), statuses, materializationEventIds: eventIds };
}
