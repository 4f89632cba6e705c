import { join } from "node:path";
import { keyPath, type AssetKey } from "@strata/core";

/**
 * Where an asset's table lives: the key's last part is the table, the earlier parts (joined
 * with "_") the schema; a one-part key uses `defaultSchema`.
 *
 * @example
 * assetTable("raw/orders", "main")     // { schema: "raw", name: "orders" }
 * assetTable("orders", "main")         // { schema: "main", name: "orders" }
 * assetTable("a/b/events", "main")     // { schema: "a_b", name: "events" }
 */
export function assetTable(key: AssetKey, defaultSchema: string): { schema: string; name: string } {
  const parts = keyPath(key);
  const name = parts[parts.length - 1] as string;
  return parts.length === 1 ? { schema: defaultSchema, name } : { schema: parts.slice(0, -1).join("_"), name };
}

/** Partition keys may hold `/`, `:` or `|` (multi-dimensional): make them one safe file name. */
export function partitionFileName(partitionKey: string): string {
  return `${encodeURIComponent(partitionKey).replaceAll("*", "%2A")}.parquet`;
}

/**
 * Parquet location of an asset: `<dir>/<key path>.parquet`, or for a partition
 * `<dir>/<key path>/<partition>.parquet`.
 *
 * @example
 * parquetPath("/inst/parquet", "raw/orders", undefined)     // /inst/parquet/raw/orders.parquet
 * parquetPath("/inst/parquet", "raw/orders", "2024-01-01")  // /inst/parquet/raw/orders/2024-01-01.parquet
 */
export function parquetPath(dir: string, key: AssetKey, partitionKey: string | undefined): string {
  const parts = keyPath(key);
  if (partitionKey === undefined) return `${join(dir, ...parts)}.parquet`;
  return join(dir, ...parts, partitionFileName(partitionKey));
}

/** Folder holding the partition files of an asset. */
export function parquetPartitionDir(dir: string, key: AssetKey): string {
  return join(dir, ...keyPath(key));
}
