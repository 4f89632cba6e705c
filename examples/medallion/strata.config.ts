/**
 * The medallion reference platform: bronze (landed files) → silver (cleaned, validated,
 * deduplicated) → gold (business aggregates), on the embedded default — SQLite for history,
 * DuckDB (+ parquet) for data, no servers. See README.md for a tour.
 */
import { defineDefinitions, schedule } from "strata";
import { bronzeCustomers, bronzeOrders, bronzeSensorReadings, ordersLanded, sensorsComplete } from "./src/bronze.ts";
import { dbtModels, dbtSources } from "./src/dbt.ts";
import { customerKpis, kpisNotEmpty } from "./src/gold.ts";
import { allSensorsReported, sensorDailyStats, sensorReadingsUnique, sensorValuesInRange, silverSensorReadings } from "./src/lakehouse.ts";
import { resources } from "./src/resources.ts";

/**
 * Land yesterday's exports every night (the latest partition as of the tick). Downstream, the
 * automation conditions take over: the sensor stats are eager, the KPI table runs on a cron.
 */
const nightlyIngest = schedule({
  name: "nightly_ingest",
  cron: "0 2 * * *",
  timezone: "UTC",
  target: [bronzeOrders, bronzeSensorReadings],
  partitions: "latest",
  catchUp: { max: 3 },
  description: "Land yesterday's orders and sensor readings",
});

export default defineDefinitions({
  assets: [bronzeCustomers, bronzeOrders, bronzeSensorReadings, dbtModels, ...dbtSources, silverSensorReadings, sensorDailyStats, customerKpis],
  checks: [ordersLanded, sensorsComplete, sensorValuesInRange, sensorReadingsUnique, allSensorsReported, kpisNotEmpty],
  schedules: [nightlyIngest],
  resources,
  executor: { maxConcurrent: 2 },
});
