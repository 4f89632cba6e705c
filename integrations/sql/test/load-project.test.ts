import { describe, expect, it } from "vitest";
import { loadDbtProject } from "../src/load-project.ts";
import { JAFFLE, load } from "./helpers.ts";

const project = loadDbtProject(JAFFLE);
const node = (id: string) => {
  const n = project.nodes.get(id);
  if (!n) throw new Error(`missing ${id}`);
  return n;
};

describe("loading the jaffle_shop fixture", () => {
  it("reads project, target and packages", () => {
    expect(project.name).toBe("jaffle_shop");
    expect(project.target).toMatchObject({ name: "dev", type: "duckdb", database: "memory", schema: "main", threads: 4 });
    expect(project.packages).toEqual(["dbt_utils"]);
    expect(project.macros.has("macro.dbt_utils.generate_surrogate_key")).toBe(true);
    expect(project.macros.get("macro.jaffle_shop.cents_to_dollars")).toMatchObject({ originalFilePath: "macros/cents_to_dollars.sql", line: 2 });
    expect(project.macros.has("macro.jaffle_shop.test_is_positive")).toBe(true);
  });

  it("finds models, seeds, snapshots and tests with dbt unique_ids", () => {
    const ids = [...project.nodes.keys()];
    for (const id of ["model.jaffle_shop.stg_orders", "model.jaffle_shop.orders", "seed.jaffle_shop.raw_orders", "snapshot.jaffle_shop.orders_snapshot", "snapshot.jaffle_shop.customers_snapshot", "test.jaffle_shop.assert_order_amount_not_negative", "model.jaffle_shop.dim_customers.v1", "model.jaffle_shop.dim_customers.v2"]) {
      expect(ids).toContain(id);
    }
    expect(ids.some((id) => /^test\.jaffle_shop\.unique_orders_order_id\.[0-9a-f]{10}$/.test(id))).toBe(true);
    expect(ids.some((id) => id.startsWith("test.jaffle_shop.accepted_values_stg_orders_status__placed__shipped__completed__return_pending__returned."))).toBe(true);
    expect(ids.some((id) => id.startsWith("test.jaffle_shop.relationships_orders_customer_id__customer_id__ref_customers_."))).toBe(true);
  });

  it("applies config precedence: project tree < YAML < in-file config()", () => {
    expect(node("model.jaffle_shop.stg_orders").config.materialized).toBe("view");
    expect(node("model.jaffle_shop.customers").config.materialized).toBe("table");
    expect(node("model.jaffle_shop.int_order_payments").config.materialized).toBe("ephemeral");
    expect(node("model.jaffle_shop.fct_events").config).toMatchObject({ materialized: "incremental", unique_key: "event_id", incremental_strategy: "delete+insert", on_schema_change: "append_new_columns" });
    expect(node("model.jaffle_shop.stg_payments").tags).toEqual(["jaffle", "staging", "payments"]);
    expect(node("model.jaffle_shop.orders").tags).toEqual(["jaffle", "marts", "finance"]);
    expect(node("model.jaffle_shop.revenue").meta).toEqual({ owner: "finance@jaffle.shop" });
    expect(node("seed.jaffle_shop.raw_orders").config.column_types).toEqual({ order_date: "date" });
    expect(node("snapshot.jaffle_shop.orders_snapshot").config).toMatchObject({ strategy: "timestamp", unique_key: "order_id", updated_at: "updated_at", target_schema: "snapshots" });
  });

  it("names relations: custom schema, snapshot target_schema, versions", () => {
    expect(node("model.jaffle_shop.revenue").relation).toEqual({ database: "memory", schema: "main_finance", identifier: "revenue" });
    expect(node("snapshot.jaffle_shop.orders_snapshot").relation.schema).toBe("snapshots");
    expect(node("model.jaffle_shop.dim_customers.v2").relation.identifier).toBe("dim_customers_v2");
    expect(node("model.jaffle_shop.dim_customers.v2")).toMatchObject({ version: 2, latestVersion: 2, fqn: ["jaffle_shop", "marts", "dim_customers", "v2"] });
  });

  it("captures refs and sources into depends_on", () => {
    expect(node("model.jaffle_shop.orders").dependsOn.nodes).toEqual(["model.jaffle_shop.stg_orders", "model.jaffle_shop.int_order_payments"]);
    expect(node("model.jaffle_shop.stg_events").dependsOn.nodes).toEqual(["source.jaffle_shop.app.events"]);
    expect(node("model.jaffle_shop.orders").dependsOn.macros).toContain("macro.dbt_utils.generate_surrogate_key");
    expect(node("model.jaffle_shop.stg_payments").dependsOn.macros).toContain("macro.jaffle_shop.cents_to_dollars");
    const rel = [...project.nodes.values()].find((n) => n.testMetadata?.name === "relationships")!;
    expect(rel.dependsOn.nodes.sort()).toEqual(["model.jaffle_shop.customers", "model.jaffle_shop.orders"]);
    expect(rel).toMatchObject({ attachedNode: "model.jaffle_shop.orders", columnName: "customer_id", originalFilePath: "models/marts/schema.yml" });
  });

  it("reads descriptions, columns, meta, groups", () => {
    const orders = node("model.jaffle_shop.orders");
    expect(orders.description).toBe("One row per order, with payment totals.");
    expect(orders.columns.order_id?.description).toBe("Primary key of orders.");
    expect(orders.meta).toMatchObject({ dagster: { group: "marts" }, strata: { owners: ["team:finance"] } });
    expect(orders.group).toBe("finance");
    expect(project.groups.get("finance")).toEqual({ name: "finance", owner: { name: "Finance team", email: "finance@jaffle.shop" } });
  });

  it("reads sources with freshness", () => {
    const events = project.sources.get("source.jaffle_shop.app.events")!;
    expect(events).toMatchObject({ sourceName: "app", name: "events", loader: "strata_ingest", loadedAtField: "_loaded_at", description: "Clickstream events." });
    expect(events.relation).toEqual({ database: "memory", schema: "raw_app", identifier: "events" });
    expect(events.freshness).toEqual({ warnAfter: { count: 12, period: "hour" }, errorAfter: { count: 1, period: "day" } });
    const accounts = project.sources.get("source.jaffle_shop.app.accounts")!;
    expect(accounts.identifier).toBe("app_accounts");
    expect(accounts.freshness).toBeUndefined();
  });

  it("reads generic test configs: severity, where, quoted values", () => {
    const tests = [...project.nodes.values()].filter((n) => n.testMetadata);
    const av = tests.find((t) => t.testMetadata!.name === "accepted_values" && t.columnName === "status")!;
    expect(av.config.severity).toBe("warn");
    expect(av.testMetadata!.kwargs.values).toEqual(["placed", "shipped", "completed", "return_pending", "returned"]);
    const pos = tests.find((t) => t.testMetadata!.name === "is_positive")!;
    expect(pos.config.where).toBe("payment_method != 'coupon'");
    expect(tests.find((t) => t.testMetadata!.namespace === "dbt_utils" && t.testMetadata!.name === "expression_is_true")).toBeDefined();
    expect(tests.filter((t) => t.attachedNode === "source.jaffle_shop.app.events").map((t) => t.name)).toEqual(["not_null_source_app_events_event_id"]);
    expect(tests.filter((t) => t.name.startsWith("not_null_dim_customers_v")).map((t) => t.attachedNode).sort()).toEqual(["model.jaffle_shop.dim_customers.v1", "model.jaffle_shop.dim_customers.v2"]);
  });
});

describe("project options", () => {
  it("selects a profiles target and renders env_var in profiles", () => {
    const p = loadDbtProject(JAFFLE, { target: "pg", env: { STRATA_PG_SCHEMA: "ci_42" } });
    expect(p.target).toMatchObject({ type: "postgres", database: "test", schema: "ci_42", host: "127.0.0.1", port: 5432, user: "postgres" });
    expect(p.nodes.get("model.jaffle_shop.revenue")!.relation).toEqual({ database: "test", schema: "ci_42_finance", identifier: "revenue" });
  });

  it("cli vars win over project vars; disabled models disappear", () => {
    const p = load({
      "dbt_project.yml": "name: p\nprofile: p\nvars:\n  n: 1\nmodels:\n  p:\n    off:\n      +enabled: false\n",
      "models/a.sql": "select {{ var('n') }} as n",
      "models/off/b.sql": "select 1",
    }, { vars: { n: 5 } });
    expect([...p.nodes.keys()]).toEqual(["model.p.a"]);
    expect(p.renderer.opts.cliVars).toEqual({ n: 5 });
  });

  it("most specific path wins and in-file config beats YAML", () => {
    const p = load({
      "dbt_project.yml": "name: p\nprofile: p\nmodels:\n  p:\n    +materialized: table\n    +schema: outer\n    inner:\n      +schema: inner\n",
      "models/inner/a.sql": "{{ config(alias='a_alias') }}select 1",
      "models/inner/schema.yml": "version: 2\nmodels:\n  - name: a\n    config:\n      alias: from_yaml\n      materialized: view\n",
      "models/b.sql": "select 1",
    });
    expect(p.nodes.get("model.p.a")!.relation).toEqual({ database: "memory", schema: "main_inner", identifier: "a_alias" });
    expect(p.nodes.get("model.p.a")!.config.materialized).toBe("view");
    expect(p.nodes.get("model.p.b")!.relation.schema).toBe("main_outer");
  });

  it("uses an overriding generate_schema_name macro", () => {
    const p = load({
      "macros/gsn.sql": "{% macro generate_schema_name(custom_schema_name, node) -%}{{ custom_schema_name or target.schema }}{%- endmacro %}",
      "models/a.sql": "{{ config(schema='analytics') }}select 1",
    });
    expect(p.nodes.get("model.p.a")!.relation.schema).toBe("analytics");
  });
});
