/**
 * The sensor lakehouse in TypeScript: silver and gold sensor data as parquet files (the "lake"
 * I/O manager), one file per day, with DuckDB views over them (`silver.sensor_readings`,
 * `gold.sensor_daily_stats`). Inputs arrive as lazy DuckDB relations and outputs are SQL, so
 * no rows pass through Node.
 */
import { quoteLiteral, type DuckDBRelation } from "@strata/duckdb";
import { asset, assetCheck, AutomationCondition, freshnessPolicy } from "strata";
import { bronzeSensorReadings } from "./bronze.ts";
import { days, perPartition, singleRun } from "./partitions.ts";

/** Plausible physical ranges: anything outside is a failed read (e.g. the gateway's -999). */
const VALID = "temperature_c between -40 and 60 and humidity_pct between 0 and 100";

const forDay = (rel: DuckDBRelation, column: string, day: string) => `(select * from ${rel.sql} where ${column} = ${quoteLiteral(day)})`;

/** Silver: readings deduplicated and validated. */
export const silverSensorReadings = asset(
  {
    key: "silver/sensor_readings",
    group: "silver",
    kinds: ["duckdb", "parquet"],
    owners: ["team:iot"],
    tags: { layer: "silver", partitioned: "daily" },
    description: "Sensor readings, one row per (sensor, hour): duplicates dropped, failed reads (out of physical range) removed. Parquet, one file per day.",
    io: "lake",
    partitions: days,
    backfillPolicy: singleRun(),
    ins: { raw: bronzeSensorReadings },
    codeVersion: "1",
  },
  async (ctx, { raw }) => {
    const rel = raw as unknown as DuckDBRelation;
    const [stats] = await rel.db.query<{ landed: number; invalid: number; duplicates: number }>(
      `select count(*)::integer as landed,
              count(*) filter (where not (${VALID}))::integer as invalid,
              (count(*) - count(distinct (sensor_id, read_at)))::integer as duplicates
       from ${rel.sql}`,
    );
    ctx.addMetadata({ landed_rows: stats!.landed, rejected_invalid: stats!.invalid, duplicates_dropped: stats!.duplicates });
    if (stats!.invalid > 0) ctx.log.warn("dropped failed sensor reads", { rows: stats!.invalid });
    return perPartition(ctx, (day) => ({
      sql: `select sensor_id, room, read_at, cast(read_at as date) as reading_date, temperature_c, humidity_pct
            from ${forDay(rel, "partition_key", day)}
            where ${VALID}
            qualify row_number() over (partition by sensor_id, read_at order by _loaded_at desc) = 1
            order by read_at, sensor_id`,
    }));
  },
);

/** Silver check (blocking): nothing out of range reaches gold. If it fails, gold is skipped. */
export const sensorValuesInRange = assetCheck(
  {
    asset: silverSensorReadings,
    name: "values_in_range",
    blocking: true,
    description: "Every stored reading is physically plausible; a failure stops the gold stats from being computed",
  },
  async (ctx) => {
    const rel = await ctx.loadAssetValue<DuckDBRelation>();
    const [row] = await rel.db.query<{ bad: number; n: number }>(
      `select count(*) filter (where not (${VALID}) or temperature_c is null)::integer as bad, count(*)::integer as n from ${rel.sql}`,
    );
    return { passed: row!.bad === 0, metadata: { out_of_range: row!.bad, rows: row!.n } };
  },
);

/** Silver check: one reading per sensor and hour. */
export const sensorReadingsUnique = assetCheck(
  { asset: silverSensorReadings, name: "unique_sensor_hour", description: "(sensor_id, read_at) is unique" },
  async (ctx) => {
    const rel = await ctx.loadAssetValue<DuckDBRelation>();
    const [row] = await rel.db.query<{ dupes: number }>(`select (count(*) - count(distinct (sensor_id, read_at)))::integer as dupes from ${rel.sql}`);
    return { passed: row!.dupes === 0, metadata: { duplicates: row!.dupes } };
  },
);

/** Gold: per sensor and day, min/avg/max temperature and average humidity. */
export const sensorDailyStats = asset(
  {
    key: "gold/sensor_daily_stats",
    group: "gold",
    kinds: ["duckdb", "parquet"],
    owners: ["team:iot"],
    tags: { layer: "gold", partitioned: "daily" },
    description: "Daily temperature and humidity statistics per sensor, for the facilities dashboard. Parquet, one file per day.",
    io: "lake",
    partitions: days,
    backfillPolicy: singleRun(),
    ins: { readings: silverSensorReadings },
    // The daemon materialises a day as soon as its silver readings are updated.
    automation: AutomationCondition.eager(),
    freshness: freshnessPolicy.timeWindow({ warnAfter: "26h", failAfter: "48h" }),
    codeVersion: "1",
  },
  (ctx, { readings }) => {
    const rel = readings as unknown as DuckDBRelation;
    return perPartition(ctx, (day) => ({
      sql: `select reading_date, sensor_id, room,
                   count(*)::integer as readings,
                   min(temperature_c) as min_temperature_c,
                   round(avg(temperature_c), 2) as avg_temperature_c,
                   max(temperature_c) as max_temperature_c,
                   round(avg(humidity_pct), 1) as avg_humidity_pct
            from ${forDay(rel, "reading_date", day)}
            group by all
            order by sensor_id`,
    }));
  },
);

/** Gold check: every sensor reported on each day. */
export const allSensorsReported = assetCheck(
  { asset: sensorDailyStats, name: "all_sensors_reported", severity: "WARN", description: "The four sensors each have a row per day" },
  async (ctx) => {
    const rel = await ctx.loadAssetValue<DuckDBRelation>();
    // Grouped by day: a run over a range of days checks them all at once.
    const days = await rel.db.query<{ day: string; sensors: number }>(
      `select cast(reading_date as varchar) as day, count(distinct sensor_id)::integer as sensors from ${rel.sql} group by 1 order by 1`,
    );
    const missing = days.filter((d) => d.sensors !== 4).map((d) => d.day);
    return { passed: days.length > 0 && missing.length === 0, metadata: { days: days.length, days_missing_sensors: missing.join(", ") || "none" } };
  },
);
