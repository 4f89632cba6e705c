import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AssetGraph, asset, buildSnapshot, defineDefinitions, planRun } from "@strata/core";
import { materialize } from "@strata/engine";
import { dbtAssets, dbtSourceAssets, FULL_REFRESH_TAG } from "../src/dbt-assets.ts";
import { jaffleWarehouse, type Warehouse } from "./warehouse.ts";

describe("dbtAssets: a dbt project as Strata assets and checks", () => {
  let w: Warehouse;
  let opts: { projectDir: string; keyPrefix: string };
  beforeAll(async () => {
    w = await jaffleWarehouse("duckdb");
    // The runs open the target themselves; release this handle's file first.
    await w.adapter.close();
    opts = { projectDir: w.dir, keyPrefix: "dbt" };
  });
  afterAll(() => rmSync(w.dir, { recursive: true, force: true }));

  it("declares one spec per model, seed and snapshot with deps, checks, docs and code refs", () => {
    const def = dbtAssets(opts);
    const keys = def.specs.map((s) => s.key).sort();
    expect(keys).toContain("dbt/orders");
    expect(keys).toContain("dbt/raw_orders");
    expect(keys).toContain("dbt/orders_snapshot");
    expect(keys).toContain("dbt/dim_customers_v2");
    expect(keys).not.toContain("dbt/int_order_payments");
    expect(def.canSubset).toBe(true);
    const orders = def.specs.find((s) => s.key === "dbt/orders")!;
    // The ephemeral int_order_payments is looked through to stg_payments.
    expect(orders.deps.map((d) => d.key).sort()).toEqual(["dbt/stg_orders", "dbt/stg_payments"]);
    expect(orders.group).toBe("marts");
    expect(orders.owners).toEqual(["team:finance"]);
    expect(orders.kinds).toEqual(["dbt", "duckdb"]);
    expect(orders.description).toBe("One row per order, with payment totals.");
    expect(orders.tags).toMatchObject({ finance: "", marts: "" });
    expect(orders.codeRef).toEqual({ file: join(w.dir, "models/marts/orders.sql"), line: 1 });
    expect(orders.metadata.column_schema).toMatchObject({ type: "table_schema" });
    expect(orders.checks.map((c) => c.name).sort()).toEqual([
      "assert_order_amount_not_negative", "dbt_utils_expression_is_true_orders_amount___0", "not_null_orders_order_id",
      "relationships_orders_customer_id__customer_id__ref_customers_", "unique_orders_order_id",
    ]);
    const stgCustomers = def.specs.find((s) => s.key === "dbt/stg_customers")!;
    expect(stgCustomers.checks.find((c) => c.name.startsWith("accepted_values"))?.severity).toBe("WARN");
    const stgEvents = def.specs.find((s) => s.key === "dbt/stg_events")!;
    expect(stgEvents.deps.map((d) => d.key)).toEqual(["app/events"]);
  });

  it("sources are external assets: selectable, never run", () => {
    const sources = dbtSourceAssets(opts);
    expect(sources.map((s) => s.key).sort()).toEqual(["app/accounts", "app/events"]);
    const snap = buildSnapshot(defineDefinitions({ assets: [dbtAssets(opts), ...sources] }), { location: "t", root: w.dir });
    const graph = AssetGraph.fromSnapshot(snap);
    expect(graph.get("app/events").external).toBe(true);
    expect(planRun(graph, ["app/events", "dbt/stg_events"]).assetKeys).toEqual(["dbt/stg_events"]);
    expect(() => planRun(graph, ["app/events"])).toThrow(/external .*cannot be materialised/);
    const custom = dbtAssets({ ...opts, sourceKey: (s, t) => ["raw", s, t] });
    expect(custom.specs.find((s) => s.key === "dbt/stg_events")!.deps.map((d) => d.key)).toEqual(["raw/app/events"]);
  });

  it("materializes everything through the engine, with compiled SQL, row counts and check results", async () => {
    const result = await materialize([dbtAssets(opts), ...dbtSourceAssets(opts)]);
    expect([...result.failures.values()]).toEqual([]);
    expect(result.success).toBe(true);
    expect(result.materializations.size).toBe(15);
    const orders = result.materializations.get("dbt/orders")!;
    expect(orders.compiled_sql).toMatchObject({ type: "markdown" });
    expect(String(orders.compiled_sql!.value)).toMatch(/^```sql\n[\s\S]*__dbt__cte__int_order_payments[\s\S]*\n```$/);
    expect(orders.row_count).toEqual({ type: "int", value: 5 });
    expect(result.checks.get("dbt/orders:unique_orders_order_id")).toMatchObject({ passed: true, severity: "ERROR" });
    const warn = result.checks.get("dbt/stg_customers:accepted_values_stg_customers_last_name__P___M___C_")!;
    expect(warn).toMatchObject({ passed: false, severity: "WARN" });
    expect(warn.metadata.failures).toEqual({ type: "int", value: 1 });
    expect(warn.metadata.failing_rows).toMatchObject({ type: "table" });
    expect(result.checks.size).toBe(18);
  }, 30_000);

  it("honours subsets (ctx.selectedAssetKeys) and the full-refresh tag", async () => {
    const result = await materialize([dbtAssets(opts), ...dbtSourceAssets(opts)], { selection: ["dbt/fct_events"], tags: { [FULL_REFRESH_TAG]: "true" } });
    expect(result.success).toBe(true);
    expect([...result.materializations.keys()]).toEqual(["dbt/fct_events"]);
    expect(result.materializations.get("dbt/fct_events")!.row_count).toEqual({ type: "int", value: 2 });
  }, 30_000);

  it("a broken model fails only itself; its downstream is skipped, the rest is recorded", async () => {
    writeFileSync(join(w.dir, "models/marts/customers.sql"), "-- {{ ref('orders') }}\nselect customer_id,\n  nope_column\nfrom {{ ref('stg_customers') }}\n");
    const ran: string[] = [];
    const onCustomers = asset({ key: "report/customers", deps: ["dbt/customers"] }, () => void ran.push("customers"));
    const onOrders = asset({ key: "report/orders", deps: ["dbt/orders"] }, () => void ran.push("orders"));
    const result = await materialize([dbtAssets(opts), ...dbtSourceAssets(opts), onCustomers, onOrders]);
    expect(result.success).toBe(false);
    const err = result.failures.get("dbt_jaffle_shop")!;
    expect(err.message).toContain("Model customers failed (models/marts/customers.sql:3)");
    expect(err.message).toMatch(/> +3 \| +nope_column/);
    expect(err.where).toBe("models/marts/customers.sql:3");
    expect(result.materializations.has("dbt/customers")).toBe(false);
    expect(result.materializations.has("dbt/orders")).toBe(true);
    expect(result.materializations.has("dbt/orders_snapshot")).toBe(true);
    expect(result.materializations.size).toBe(15); // 14 dbt assets + report/orders
    expect(ran).toEqual(["orders"]);
    expect(result.skipped).toEqual(["report__customers"]);
    // The relationships test on orders reads customers: reported failed as not run, not silently passed.
    expect(result.checks.get("dbt/orders:relationships_orders_customer_id__customer_id__ref_customers_")?.passed).toBe(false);
  }, 30_000);
});
