/**
 * The medallion example built from the CLI in a temp copy, the way a user would: a backfill of
 * the daily-partitioned event data, then a materialisation of everything unpartitioned (the
 * CRM export, the dbt project, the KPI table). Gold values are compared with values computed
 * independently from the deterministic generators; dbt tests must show up as checks with
 * results; the dbt project also builds on its own with `strata sql`.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { EventRecord } from "@strata/core";
import { openDuckDB, type DuckDBClient } from "@strata/duckdb";
import { copyMedallion, expectedRevenue, expectedSensorStats, expectedUnknownCustomerOrders, type MedallionCopy } from "./fixture.ts";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 180_000 });

const DAYS = ["2026-10-01", "2026-10-02", "2026-10-03"];
let copy: MedallionCopy;
let backfillOutput = "";
let materializeRunId = "";
let materializeOutput = "";

beforeAll(async () => {
  copy = copyMedallion();
  const backfill = await copy.strata(["backfill", "create", "--select", "tag:partitioned=daily", "--partition-range", `${DAYS[0]}...${DAYS[2]}`]);
  backfillOutput = backfill.output;
  expect(backfill.code, backfill.output).toBe(0);
  const rest = await copy.strata(["materialize", "--select", "not tag:partitioned=daily"]);
  materializeOutput = rest.output;
  expect(rest.code, rest.output).toBe(0);
  materializeRunId = /^Run (\w+):/m.exec(rest.stdout)![1]!;
});
afterAll(() => copy?.cleanup());

async function withWarehouse<T>(fn: (db: DuckDBClient) => Promise<T>): Promise<T> {
  const db = await openDuckDB({ path: join(copy.home, "warehouse.duckdb"), readOnly: true });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function events(runId: string): Promise<EventRecord[]> {
  const r = await copy.strata(["logs", runId, "--json"]);
  expect(r.code, r.output).toBe(0);
  return r.stdout.trim().split("\n").map((l) => JSON.parse(l) as EventRecord);
}

describe("examples/medallion built from the CLI", () => {
  it("backfills the partitioned chain in one run (singleRun) and builds the rest in one run", () => {
    expect(backfillOutput).toMatch(/1 runs? over 12 asset-partitions/);
    expect(backfillOutput).toMatch(/COMPLETED/);
    expect(materializeOutput).toMatch(/10 assets, \d+ checks/);
    expect(materializeOutput).toMatch(/SUCCESS in .*: \d+ succeeded, 0 failed, 0 skipped/);
    expect(materializeOutput).not.toContain("medallion-secret-token-42");
  });

  it("gold revenue per customer and day equals the independently computed values", async () => {
    const expected = expectedRevenue(DAYS);
    const rows = await withWarehouse((db) =>
      db.query<{ order_date: string; customer_id: number; orders: number; revenue: number }>(
        "select order_date, customer_id, orders, revenue from gold.revenue_by_customer_day order by 1, 2",
      ),
    );
    expect(rows.length).toBe(expected.size);
    for (const r of rows) {
      const e = expected.get(`${r.order_date}|${r.customer_id}`);
      expect(e, `${r.order_date}|${r.customer_id}`).toBeDefined();
      expect(r.orders).toBe(e!.orders);
      expect(r.revenue).toBeCloseTo(e!.revenue, 2);
    }
    const total = [...expected.values()].reduce((s, v) => s + v.revenue, 0);
    const kpis = await withWarehouse((db) => db.query<{ revenue: number; n: number }>("select sum(revenue)::double as revenue, count(*)::integer as n from gold.customer_kpis"));
    expect(kpis[0]!.revenue).toBeCloseTo(total, 2);
    expect(kpis[0]!.n).toBeGreaterThan(0);
  });

  it("gold sensor stats (parquet, one file per day) equal the independently computed values", async () => {
    const expected = expectedSensorStats(DAYS);
    const rows = await withWarehouse((db) =>
      db.query<{ reading_date: string; sensor_id: string; readings: number; avg_temperature_c: number; min_temperature_c: number; max_temperature_c: number }>(
        "select * from gold.sensor_daily_stats order by reading_date, sensor_id",
      ),
    );
    expect(rows.length).toBe(DAYS.length * 4);
    for (const r of rows) {
      const e = expected.get(`${r.reading_date}|${r.sensor_id}`)!;
      expect(e, `${r.reading_date}|${r.sensor_id}`).toBeDefined();
      expect(r.readings).toBe(e.readings);
      expect(r.avg_temperature_c).toBeCloseTo(e.avg, 2);
      expect(r.min_temperature_c).toBeCloseTo(e.min, 5);
      expect(r.max_temperature_c).toBeCloseTo(e.max, 5);
    }
    // The failed reads (-999) and the duplicate deliveries never reach silver.
    const silver = await withWarehouse((db) =>
      db.query<{ n: number; bad: number }>("select count(*)::integer as n, count(*) filter (where temperature_c < -40)::integer as bad from silver.sensor_readings"),
    );
    expect(silver[0]).toEqual({ n: DAYS.length * 96 - DAYS.length, bad: 0 });
  });

  it("records dbt tests as checks with results (failures, failing rows, compiled SQL) and the TS checks", async () => {
    const evs = await events(materializeRunId);
    const checks = new Map(evs.filter((e) => e.type === "ASSET_CHECK_EVALUATION").map((e) => [e.checkKey!, e] as const));
    const passed = (k: string) => (checks.get(k)?.data as { check?: { passed?: boolean } } | undefined)?.check?.passed;
    // Generic tests (unique/not_null/accepted_values/relationships), on models and seeds, and a singular test.
    expect(passed("silver/orders:unique_orders_order_id")).toBe(true);
    expect(passed("staging/stg_customers:accepted_values_stg_customers_segment__enterprise__smb__consumer")).toBe(true);
    expect(passed("reference/country_codes:unique_country_codes_country_code")).toBe(true);
    expect(passed("gold/revenue_by_customer_day:assert_revenue_not_negative")).toBe(true);
    expect(passed("gold/customer_kpis:reconciles_with_silver")).toBe(true);
    // The relationships test has severity warn: it fails with the unknown customer's orders.
    const rel = checks.get("staging/stg_orders:relationships_stg_orders_customer_id__customer_id__ref_stg_customers_");
    expect(rel, [...checks.keys()].join("\n")).toBeDefined();
    expect(rel!.level).toBe("warn");
    const meta = (rel!.data as { metadata: Record<string, { value: unknown }> }).metadata;
    expect(meta.failures!.value).toBe(expectedUnknownCustomerOrders(DAYS));
    expect(String(meta.compiled_sql!.value)).toContain('"staging"."stg_orders"');
    // Every dbt test of the built nodes is a declared check of the dbt step, and has a result.
    const dbtStep = evs.find((e) => e.type === "STEP_START" && e.stepKey === "dbt_medallion");
    const declared = (dbtStep!.data as { checkKeys: string[] }).checkKeys;
    expect(declared.length).toBe(25);
    expect(declared.filter((k) => !checks.has(k))).toEqual([]);
    // dbt materialisations carry the compiled SQL and row counts.
    const silverOrders = evs.find((e) => e.type === "ASSET_MATERIALIZATION" && e.assetKey === "silver/orders");
    const m = (silverOrders!.data as { metadata: Record<string, { value: unknown }> }).metadata;
    expect(String(m.compiled_sql!.value)).toContain("from \"warehouse\".\"staging\".\"stg_orders\"");
    expect(m.row_count!.value).toBeGreaterThan(30);
  });

  it("records the partitioned checks of the backfill, including the blocking one", async () => {
    const runs = await copy.strata(["runs", "--json"]);
    const all = JSON.parse(runs.stdout) as { runId: string; tags?: Record<string, string> }[] | { runs: { runId: string; tags?: Record<string, string> }[] };
    const list = Array.isArray(all) ? all : all.runs;
    const backfillRun = list.find((r) => r.tags?.["strata/backfill"]);
    expect(backfillRun).toBeDefined();
    const evs = await events(backfillRun!.runId);
    const checks = evs.filter((e) => e.type === "ASSET_CHECK_EVALUATION").map((e) => [e.checkKey, (e.data as { check: { passed: boolean } }).check.passed]);
    expect(checks).toContainEqual(["silver/sensor_readings:values_in_range", true]);
    expect(checks).toContainEqual(["gold/sensor_daily_stats:all_sensors_reported", true]);
    expect(checks).toContainEqual(["bronze/sensor_readings:hourly_coverage", true]);
    const partitions = new Set(evs.filter((e) => e.type === "ASSET_MATERIALIZATION" && e.assetKey === "gold/sensor_daily_stats").map((e) => e.partition));
    expect([...partitions].sort()).toEqual(DAYS);
  });

  it("builds the dbt project on its own with `strata sql build`, on the same warehouse", async () => {
    const r = await copy.strata(["sql", "build", "--project-dir", "dbt", "--select", "+revenue_by_customer_day"]);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toMatch(/OK created sql incremental model silver\.orders|OK created sql .*silver\.orders/);
    expect(r.stdout).toMatch(/Done\. PASS=\d+ WARN=1 ERROR=0 SKIP=0/);
  });
});
