import { describe, expect, it } from "vitest";
import { loadDbtProject } from "../src/load-project.ts";
import { compileProject } from "../src/compile.ts";
import { buildManifest, buildRunResults } from "../src/manifest.ts";
import { selectNodes } from "../src/selection.ts";
import { JAFFLE } from "./helpers.ts";

const project = loadDbtProject(JAFFLE);
const sel = (select: string[], exclude: string[] = [], indirectSelection: "eager" | "cautious" | "empty" = "empty") =>
  [...selectNodes(project, { select, exclude, indirectSelection })].sort();

describe("manifest.json", () => {
  it("has dbt's v12 shape with compiled code, sources, parent and child maps", async () => {
    const m = buildManifest(project, await compileProject(project));
    expect(m.metadata.dbt_schema_version).toBe("https://schemas.getdbt.com/dbt/manifest/v12.json");
    const orders = m.nodes["model.jaffle_shop.orders"]!;
    expect(orders).toMatchObject({ resource_type: "model", name: "orders", fqn: ["jaffle_shop", "marts", "orders"], original_file_path: "models/marts/orders.sql", alias: "orders", schema: "main", group: "finance" });
    expect(orders.depends_on.nodes).toEqual(["model.jaffle_shop.stg_orders", "model.jaffle_shop.int_order_payments"]);
    expect(String(orders.compiled_code)).toContain("__dbt__cte__int_order_payments");
    expect(orders.config).toMatchObject({ materialized: "table" });
    expect(m.sources["source.jaffle_shop.app.events"]).toMatchObject({ loaded_at_field: "_loaded_at", freshness: { warn_after: { count: 12, period: "hour" }, error_after: { count: 1, period: "day" }, filter: null } });
    expect(m.child_map["source.jaffle_shop.app.events"]).toContain("model.jaffle_shop.stg_events");
    expect(m.parent_map["model.jaffle_shop.customers"]).toEqual(["model.jaffle_shop.stg_customers", "model.jaffle_shop.orders"]);
    const t = Object.values(m.nodes).find((n) => String(n.name).startsWith("unique_orders_order_id"))!;
    expect(t).toMatchObject({ resource_type: "test", column_name: "order_id", attached_node: "model.jaffle_shop.orders", test_metadata: { name: "unique", namespace: null } });
    expect(m.macros["macro.dbt_utils.star"]).toMatchObject({ package_name: "dbt_utils" });
    expect(m.group_map.finance).toEqual(["model.jaffle_shop.orders"]);
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  });

  it("run_results.json", () => {
    const t0 = new Date("2024-01-01T00:00:00Z");
    const r = buildRunResults([{ uniqueId: "model.jaffle_shop.orders", status: "success", startedAt: t0, completedAt: new Date(t0.getTime() + 1500), rowsAffected: 5 }, { uniqueId: "test.x", status: "fail", startedAt: t0, completedAt: t0, failures: 2, message: "Got 2 results" }]);
    const results = r.results as Record<string, unknown>[];
    expect(results[0]).toMatchObject({ status: "success", execution_time: 1.5, unique_id: "model.jaffle_shop.orders", adapter_response: { rows_affected: 5 }, failures: null });
    expect(results[1]).toMatchObject({ status: "fail", failures: 2, message: "Got 2 results" });
    expect(r.elapsed_time).toBe(1.5);
  });
});

describe("dbt selection syntax", () => {
  it("names, graph operators and depth", () => {
    expect(sel(["orders"])).toEqual(["model.jaffle_shop.orders"]);
    expect(sel(["+orders"])).toEqual(["model.jaffle_shop.int_order_payments", "model.jaffle_shop.orders", "model.jaffle_shop.stg_orders", "model.jaffle_shop.stg_payments", "seed.jaffle_shop.raw_orders", "seed.jaffle_shop.raw_payments"]);
    expect(sel(["1+orders"])).toEqual(["model.jaffle_shop.int_order_payments", "model.jaffle_shop.orders", "model.jaffle_shop.stg_orders"]);
    expect(sel(["orders+"]).filter((id) => !id.startsWith("test."))).toEqual(["model.jaffle_shop.customers", "model.jaffle_shop.orders", "model.jaffle_shop.revenue"]);
    expect(sel(["@stg_customers"])).toContain("model.jaffle_shop.orders");
  });
  it("methods: tag, path, config, source, resource_type, test_type, globs, versions", () => {
    expect(sel(["tag:finance"])).toEqual(["model.jaffle_shop.orders"]);
    // Like dbt, path: also matches generic tests declared in YAML files under the path.
    expect(sel(["path:models/staging"]).some((id) => id.startsWith("test.jaffle_shop.unique_stg_orders_order_id"))).toBe(true);
    expect(sel(["path:models/staging"]).filter((id) => id.startsWith("source."))).toEqual(["source.jaffle_shop.app.accounts", "source.jaffle_shop.app.events"]);
    expect(sel(["path:models/staging"]).filter((id) => id.startsWith("model."))).toEqual(["model.jaffle_shop.stg_customers", "model.jaffle_shop.stg_events", "model.jaffle_shop.stg_orders", "model.jaffle_shop.stg_payments"]);
    expect(sel(["models/marts/finance"])).toEqual(["model.jaffle_shop.revenue"]);
    expect(sel(["config.materialized:incremental"])).toEqual(["model.jaffle_shop.fct_events"]);
    expect(sel(["source:app.events+"])).toEqual(["model.jaffle_shop.fct_events", "model.jaffle_shop.stg_events", "source.jaffle_shop.app.events", expect.stringMatching(/^test\.jaffle_shop\.not_null_source_app_events/)]);
    expect(sel(["resource_type:seed"])).toEqual(["seed.jaffle_shop.raw_customers", "seed.jaffle_shop.raw_orders", "seed.jaffle_shop.raw_payments"]);
    expect(sel(["test_type:singular"])).toEqual(["test.jaffle_shop.assert_order_amount_not_negative"]);
    expect(sel(["stg_*"])).toHaveLength(4);
    expect(sel(["staging"]).filter((id) => id.startsWith("model."))).toHaveLength(4);
    expect(sel(["dim_customers"])).toEqual(["model.jaffle_shop.dim_customers.v1", "model.jaffle_shop.dim_customers.v2"]);
    expect(sel(["dim_customers.v2"])).toEqual(["model.jaffle_shop.dim_customers.v2"]);
  });
  it("unions, intersections, exclude, indirect test selection", () => {
    expect(sel(["stg_orders stg_customers"])).toEqual(["model.jaffle_shop.stg_customers", "model.jaffle_shop.stg_orders"]);
    expect(sel(["tag:marts,config.materialized:table"])).toEqual(["model.jaffle_shop.customers", "model.jaffle_shop.dim_customers.v1", "model.jaffle_shop.dim_customers.v2", "model.jaffle_shop.orders", "model.jaffle_shop.revenue"]);
    expect(sel(["path:models/staging,resource_type:model"], ["stg_events", "tag:payments"])).toEqual(["model.jaffle_shop.stg_customers", "model.jaffle_shop.stg_orders"]);
    const eager = sel(["orders"], [], "eager");
    expect(eager.filter((id) => id.startsWith("test.")).map((id) => id.split(".")[2])).toEqual(expect.arrayContaining(["unique_orders_order_id", "relationships_orders_customer_id__customer_id__ref_customers_", "assert_order_amount_not_negative"]));
    const cautious = sel(["orders"], [], "cautious");
    expect(cautious.some((id) => id.includes("relationships"))).toBe(false);
    expect(() => sel(["bogus:x"])).toThrow(/Unknown selection method 'bogus'/);
  });
});
