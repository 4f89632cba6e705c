import { dailyPartitions, singleRun, type AssetContext } from "strata";

export { singleRun };

/**
 * Event data (orders, sensor readings) is partitioned by UTC day. The definition starts on a
 * fixed date; the last partition is always yesterday (the last complete day). `npm start`
 * materialises only the most recent few days, so a first build stays quick.
 */
export const days = dailyPartitions({ start: "2026-10-01", timezone: "UTC" });

/*
 * Backfills use `singleRun()` (one run per contiguous range of days, see the assets): DuckDB
 * lets one process at a time write the warehouse file, so several runs writing it at once
 * would wait on each other's lock. One run over the range also loads each file once.
 */

/**
 * Runs `build` once per partition of the run. A run over one partition returns its value; a
 * run over a range (`--partition-range`) returns `{ [partitionKey]: value }`, one stored value
 * per partition, which is what the I/O managers expect.
 */
export async function perPartition<T>(ctx: AssetContext, build: (day: string) => T | Promise<T>): Promise<T | Record<string, T>> {
  const keys = ctx.partitionKeys;
  if (keys.length === 1) return build(keys[0]!);
  const out: Record<string, T> = {};
  for (const day of keys) out[day] = await build(day);
  return out;
}
