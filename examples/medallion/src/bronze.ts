/**
 * Bronze: raw data, landed as it arrives, typed but otherwise untouched. Every table gets a
 * `_loaded_at` column; the partitioned ones also get `partition_key` (added by the DuckDB I/O
 * manager, which replaces a day's rows atomically when it is re-landed).
 */
import { fileURLToPath } from "node:url";
import { quoteLiteral, type DuckDBRelation } from "@strata/duckdb";
import { asset, assetCheck } from "strata";
import { days, perPartition, singleRun } from "./partitions.ts";
import type { SourceSystems } from "./resources.ts";

const CUSTOMERS_CSV = fileURLToPath(new URL("../data/customers.csv", import.meta.url));

/** The CRM's customer export, shipped with the example as a CSV file. */
export const bronzeCustomers = asset(
  {
    key: "bronze/customers",
    group: "bronze",
    kinds: ["duckdb", "csv"],
    owners: ["team:ingest"],
    tags: { layer: "bronze", source: "crm" },
    description: "Customers from the CRM's CSV export (data/customers.csv), as delivered: duplicates and messy e-mails included.",
    codeVersion: "1",
  },
  () => ({
    // Materialised inside DuckDB: read_csv types the columns; no rows pass through Node.
    sql: `select *, current_timestamp as _loaded_at from read_csv(${quoteLiteral(CUSTOMERS_CSV)}, header = true, auto_detect = true)`,
  }),
);

/** The shop's daily order export (JSON), one partition per day. */
export const bronzeOrders = asset(
  {
    key: "bronze/orders",
    group: "bronze",
    kinds: ["duckdb", "json"],
    owners: ["team:ingest"],
    tags: { layer: "bronze", source: "shop", partitioned: "daily" },
    description: "Orders from the shop API's daily export, one partition per day, as landed (resends included).",
    partitions: days,
    backfillPolicy: singleRun(),
    resources: ["source_systems"],
    codeVersion: "1",
  },
  (ctx) => {
    const shop = ctx.resource<SourceSystems>("source_systems");
    return perPartition(ctx, (day) => {
      const file = shop.landOrders(day);
      ctx.log.info("landed order export", { day, file });
      return {
        sql: `select *, current_timestamp as _loaded_at from read_json(${quoteLiteral(file)}, format = 'array', columns = {
          order_id: 'VARCHAR', customer_id: 'INTEGER', status: 'VARCHAR', amount_cents: 'BIGINT', currency: 'VARCHAR', ordered_at: 'TIMESTAMP'
        })`,
      };
    });
  },
);

/** The IoT gateway's readings (newline-delimited JSON), one partition per day. */
export const bronzeSensorReadings = asset(
  {
    key: "bronze/sensor_readings",
    group: "bronze",
    kinds: ["duckdb", "json"],
    owners: ["team:iot"],
    tags: { layer: "bronze", source: "iot", partitioned: "daily" },
    description: "Hourly temperature and humidity readings from the IoT gateway, one partition per day, as delivered.",
    partitions: days,
    backfillPolicy: singleRun(),
    resources: ["source_systems"],
    codeVersion: "1",
  },
  (ctx) => {
    const gateway = ctx.resource<SourceSystems>("source_systems");
    return perPartition(ctx, (day) => ({
      sql: `select *, current_timestamp as _loaded_at from read_json(${quoteLiteral(gateway.landSensorReadings(day))}, format = 'newline_delimited', columns = {
        sensor_id: 'VARCHAR', room: 'VARCHAR', read_at: 'TIMESTAMP', temperature_c: 'DOUBLE', humidity_pct: 'DOUBLE'
      })`,
    }));
  },
);

/** Bronze check (per partition): the day's export was not empty. */
export const ordersLanded = assetCheck(
  { asset: bronzeOrders, name: "export_not_empty", severity: "WARN", description: "The order export of the day(s) has rows" },
  async (ctx) => {
    const rows = await (await ctx.loadAssetValue<DuckDBRelation>()).count();
    return { passed: rows > 0, metadata: { rows } };
  },
);

/** Bronze check: every sensor reported every hour of each day (duplicates do not count twice). */
export const sensorsComplete = assetCheck(
  { asset: bronzeSensorReadings, name: "hourly_coverage", severity: "WARN", description: "96 distinct (sensor, hour) readings per day" },
  async (ctx) => {
    const rel = await ctx.loadAssetValue<DuckDBRelation>();
    // Grouped by day: a run over a range of days checks them all at once.
    const days = await rel.db.query<{ day: string; n: number }>(
      `select partition_key as day, count(distinct (sensor_id, read_at))::integer as n from ${rel.sql} group by 1 order by 1`,
    );
    const incomplete = days.filter((d) => d.n !== 96).map((d) => d.day);
    return { passed: days.length > 0 && incomplete.length === 0, metadata: { days: days.length, incomplete_days: incomplete.join(", ") || "none" } };
  },
);
