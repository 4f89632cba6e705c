import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDbtProject, type ProjectRunResult } from "../src/run-project.ts";
import { jaffleWarehouse, postgresAvailable, type Engine, type Warehouse } from "./warehouse.ts";

const pgUp = await postgresAvailable();

describe.each<Engine>(["duckdb", "postgres"])("jaffle_shop builds end to end on %s", (engine) => {
  const skip = engine === "postgres" && !pgUp;
  let w: Warehouse;
  let first: ProjectRunResult;
  let manifest: Record<string, Record<string, Record<string, unknown>>>;
  let runResults: { metadata: Record<string, string>; results: Record<string, unknown>[] };

  beforeAll(async () => {
    if (skip) return;
    w = await jaffleWarehouse(engine);
    first = await runDbtProject(w.project, w.adapter, { command: "build" });
    manifest = JSON.parse(readFileSync(join(w.dir, "target", "manifest.json"), "utf8"));
    runResults = JSON.parse(readFileSync(join(w.dir, "target", "run_results.json"), "utf8"));
  }, 60_000);
  afterAll(async () => {
    await w?.dispose();
  });

  it.skipIf(skip)("runs every seed, model, snapshot and test; only the warn test warns", () => {
    const errors = first.results.filter((r) => r.status === "error").map((r) => r.error?.message);
    expect(errors).toEqual([]);
    expect(first.success).toBe(true);
    const count = (t: string) => first.results.filter((r) => r.resourceType === t).length;
    expect([count("seed"), count("model"), count("snapshot"), count("test")]).toEqual([3, 10, 2, 19]);
    const warn = first.results.filter((r) => r.status === "warn");
    expect(warn.map((r) => r.name)).toEqual(["accepted_values_stg_customers_last_name__P___M___C_"]);
    expect(warn[0]!.failures).toBe(1);
    expect(warn[0]!.sampleRows).toEqual([{ value_field: "R.", n_records: 1 }]);
    expect(first.results.filter((r) => r.resourceType === "test" && r.status === "pass")).toHaveLength(18);
    expect(first.results.some((r) => r.name === "int_order_payments")).toBe(false); // ephemeral: inlined
  });

  it.skipIf(skip)("marts hold the right values", async () => {
    const customers = await w.rows(`select customer_id, number_of_orders, customer_lifetime_value from ${w.rel("customers")} order by customer_id`);
    expect(customers.map((c) => [c.customer_id, c.number_of_orders, c.customer_lifetime_value === null ? null : Number(c.customer_lifetime_value)])).toEqual([
      [1, 2, 35], [2, 0, null], [3, 1, 20], [4, 1, 1], [5, 1, 0.01],
    ]);
    const orders = await w.rows(`select order_id, amount, length(order_key) as key_len from ${w.rel("orders")} order by order_id`);
    expect(orders.map((o) => Number(o.amount))).toEqual([10, 20, 1, 25, 0.01]);
    expect(orders.every((o) => o.key_len === 32)).toBe(true);
    const revenue = await w.rows(`select revenue, span_days from ${w.rel("revenue", `${w.schema}_finance`)}`);
    expect(revenue.map((r) => [Number(r.revenue), Number(r.span_days)])).toEqual([[46.01, 3]]);
  });

  it.skipIf(skip)("seeds are typed per column_types and inference", async () => {
    const cols = async (name: string) => Object.fromEntries((await w.adapter.getColumns({ database: w.project.target.database, schema: w.schema, identifier: name })).map((c) => [c.name, c.dataType.toLowerCase()]));
    const orders = await cols("raw_orders");
    expect(orders.order_date).toBe("date");
    expect(orders.updated_at).toMatch(/^timestamp/);
    expect(orders.id).toBe("integer");
    const payments = await cols("raw_payments");
    expect(payments.is_refund).toBe("boolean");
    expect(payments.amount).toMatch(/double|double precision/);
  });

  it.skipIf(skip)("incremental delete+insert appends new rows and replaces changed keys; full refresh rebuilds", async () => {
    await w.adapter.execute(`insert into "${w.rawSchema}"."events" values (3, 11, 'click', '2024-01-02 09:00:00'), (2, 10, 'purchase', '2024-01-02 10:00:00')`);
    const run = await runDbtProject(w.project, w.adapter, { command: "run", select: ["fct_events"] });
    expect(run.results.map((r) => [r.name, r.status, r.message])).toEqual([["fct_events", "success", "INSERT (3 rows)"]]);
    const rows = await w.rows(`select event_id, event_type from ${w.rel("fct_events")} order by event_id, event_type`);
    // Only rows loaded after the last run arrive; key 2's new version replaces the old one.
    expect(rows.map((r) => [r.event_id, r.event_type])).toEqual([[1, "click"], [2, "purchase"], [3, "click"]]);
    const full = await runDbtProject(w.project, w.adapter, { command: "run", select: ["fct_events"], fullRefresh: true });
    expect(full.results[0]!.message).toBe("CREATE TABLE (4 rows)");
  });

  it.skipIf(skip)("snapshots close changed rows on the second run (timestamp and check strategies)", async () => {
    const csv = (f: string) => join(w.dir, "seeds", f);
    writeFileSync(csv("raw_orders.csv"), readFileSync(csv("raw_orders.csv"), "utf8").replace("5,5,2018-01-05,placed,2018-01-06 11:00:00", "5,5,2018-01-05,shipped,2018-01-08 09:00:00"));
    writeFileSync(csv("raw_customers.csv"), readFileSync(csv("raw_customers.csv"), "utf8").replace("4,Jimmy,C.", "4,Jimmy,Carter"));
    const run = await runDbtProject(w.project, w.adapter, { command: "build", select: ["raw_orders", "raw_customers", "resource_type:snapshot"] });
    expect(run.results.filter((r) => r.status === "error")).toEqual([]);
    const snap = await w.rows(`select order_id, status, dbt_valid_to is null as current from ${w.rel("orders_snapshot", engine === "duckdb" ? "snapshots" : `${w.schema}_snapshots`)} where order_id = 5 order by dbt_valid_from`);
    expect(snap.map((r) => [r.status, Boolean(r.current)])).toEqual([["placed", false], ["shipped", true]]);
    const cust = await w.rows(`select last_name, dbt_valid_to is null as current from ${w.rel("customers_snapshot", engine === "duckdb" ? "snapshots" : `${w.schema}_snapshots`)} where customer_id = 4 order by dbt_valid_from`);
    expect(cust.map((r) => [r.last_name, Boolean(r.current)])).toEqual([["C.", false], ["Carter", true]]);
    const total = await w.rows(`select count(*) as n from ${w.rel("orders_snapshot", engine === "duckdb" ? "snapshots" : `${w.schema}_snapshots`)}`);
    expect(Number(total[0]!.n)).toBe(6);
  });

  it.skipIf(skip)("writes target/manifest.json and target/run_results.json in dbt's shapes", () => {
    expect(existsSync(join(w.dir, "target", "manifest.json"))).toBe(true);
    expect(manifest.metadata!.dbt_schema_version).toContain("manifest/v12");
    expect(manifest.nodes!["model.jaffle_shop.orders"]!.compiled_code).toContain("__dbt__cte__int_order_payments");
    expect(manifest.parent_map!["model.jaffle_shop.stg_events"]).toEqual(["source.jaffle_shop.app.events"]);
    expect(runResults.metadata.dbt_schema_version).toContain("run-results/v6");
    expect(runResults.results).toHaveLength(34);
    for (const r of runResults.results) {
      expect(Object.keys(r)).toEqual(expect.arrayContaining(["status", "timing", "thread_id", "execution_time", "adapter_response", "message", "failures", "unique_id"]));
    }
    const warn = runResults.results.find((r) => r.status === "warn")!;
    expect(warn.failures).toBe(1);
  });
});
