import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadDbtProject } from "../src/load-project.ts";
import { compileNode, compileNodeSync, compileProject } from "../src/compile.ts";
import { JAFFLE, load, thrown } from "./helpers.ts";

const project = loadDbtProject(JAFFLE);
const testId = (prefix: string) => [...project.nodes.keys()].find((k) => k.startsWith(`test.jaffle_shop.${prefix}`))!;
const sql = (id: string, opts = {}) => compileNodeSync(project, id, opts).compiledCode;

describe("compiling the jaffle_shop fixture", () => {
  it("resolves refs to quoted relations", () => {
    expect(sql("model.jaffle_shop.stg_orders")).toContain('from "memory"."main"."raw_orders"');
    expect(sql("model.jaffle_shop.stg_events")).toContain('from "memory"."raw_app"."events"');
    expect(sql("model.jaffle_shop.revenue")).toContain('from "memory"."main"."orders"');
  });

  it("dispatches project macros per adapter", () => {
    expect(sql("model.jaffle_shop.stg_payments")).toContain("round(cast(amount as double) / 100, 2) as amount");
    const pg = loadDbtProject(JAFFLE, { target: "pg", env: {} });
    expect(compileNodeSync(pg, "model.jaffle_shop.stg_payments").compiledCode).toContain("(amount / 100)::numeric(16, 2) as amount");
  });

  it("inlines ephemeral models as CTEs merged into an existing with clause", () => {
    const c = compileNodeSync(project, "model.jaffle_shop.orders");
    expect(c.ephemerals).toEqual(["model.jaffle_shop.int_order_payments"]);
    expect(c.compiledCode.startsWith("with __dbt__cte__int_order_payments as (\nselect\n    order_id,")).toBe(true);
    expect(c.compiledCode).toContain("), orders as (");
    expect(c.compiledCode).toContain("left join __dbt__cte__int_order_payments p on");
    expect(c.compiledCode).toContain("sum(case when payment_method = 'gift_card' then amount else 0 end) as gift_card_amount");
  });

  it("uses the vendored dbt_utils and cross-database macros", () => {
    expect(sql("model.jaffle_shop.orders")).toContain(
      "md5(cast(coalesce(cast(orders.order_id as VARCHAR), '_dbt_utils_surrogate_key_null_') || '-' || coalesce(cast(orders.customer_id as VARCHAR), '_dbt_utils_surrogate_key_null_') as VARCHAR)) as order_key",
    );
    const rev = sql("model.jaffle_shop.revenue");
    expect(rev).toContain("date_diff('day', min(order_date)::timestamp, max(order_date)::timestamp) as span_days");
    expect(rev).toContain("date_add(max(order_date), interval (7) day) as next_week");
    const pg = loadDbtProject(JAFFLE, { target: "pg", env: {} });
    const pgRev = compileNodeSync(pg, "model.jaffle_shop.revenue").compiledCode;
    expect(pgRev).toContain("((max(order_date))::date - (min(order_date))::date) as span_days");
    expect(pgRev).toContain("max(order_date) + ((interval '1 day') * (7)) as next_week");
  });

  it("is_incremental() is true only when the table exists, the model is incremental and not full refresh", async () => {
    expect(sql("model.jaffle_shop.fct_events")).not.toContain("where _loaded_at >");
    const exists = { relationExists: () => true };
    expect(sql("model.jaffle_shop.fct_events", { introspection: exists })).toContain('where _loaded_at > (select max(_loaded_at) from "memory"."main"."fct_events")');
    expect(sql("model.jaffle_shop.fct_events", { introspection: exists, fullRefresh: true })).not.toContain("where _loaded_at >");
    const asked: string[] = [];
    const c = await compileNode(project, "model.jaffle_shop.fct_events", { introspection: { relationExists: async (r) => (asked.push(r.identifier), true) } });
    expect(c.compiledCode).toContain("where _loaded_at >");
    expect(asked).toEqual(["fct_events"]);
    expect(thrown(() => sql("model.jaffle_shop.fct_events", { introspection: { relationExists: async () => true } })).message).toContain("async warehouse lookup");
  });

  it("compiles generic tests like dbt, with where wrapping and quoted values", () => {
    expect(sql(testId("not_null_orders_order_id"))).toBe('select order_id\nfrom "memory"."main"."orders"\nwhere order_id is null');
    expect(sql(testId("unique_orders_order_id"))).toContain("having count(*) > 1");
    expect(sql(testId("accepted_values_stg_orders_status"))).toContain("'placed','shipped','completed','return_pending','returned'");
    expect(sql(testId("accepted_values_stg_payments_payment_method"))).toContain("'credit_card','coupon','bank_transfer','gift_card'");
    const rel = sql(testId("relationships_orders_customer_id"));
    expect(rel).toContain('select customer_id as to_field\n    from "memory"."main"."customers"');
    expect(sql(testId("is_positive_stg_payments_amount"))).toBe(`select *\nfrom (select * from "memory"."main"."stg_payments" where payment_method != 'coupon') dbt_subquery\nwhere amount < 0`);
    expect(sql(testId("dbt_utils_expression_is_true_orders_amount"))).toContain("where not(amount >= 0)");
    expect(sql(testId("dbt_utils_unique_combination_of_columns_customers"))).toContain("group by customer_id, first_name");
    expect(sql(testId("not_null_source_app_events_event_id"))).toContain('from "memory"."raw_app"."events"');
    expect(sql(testId("not_null_dim_customers_v1_customer_id"))).toContain('"dim_customers_v1"');
  });

  it("compiles singular tests and snapshots", () => {
    expect(sql("test.jaffle_shop.assert_order_amount_not_negative")).toContain('from "memory"."main"."orders"\nwhere amount < 0');
    expect(sql("snapshot.jaffle_shop.orders_snapshot")).toBe('select * from "memory"."main"."stg_orders"');
  });

  it("compiles the whole project", async () => {
    const all = await compileProject(project);
    expect(all.size).toBe(project.nodes.size);
    expect(all.get("seed.jaffle_shop.raw_orders")!.compiledCode).toBe("");
  });
});

describe("dbt context features", () => {
  it("execute is false while parsing and true while compiling; config.get sees the final config", () => {
    const p = load({
      "models/a.sql": "{{ config(materialized='table', tags=['x']) }}{% if execute %}compiled {{ config.get('materialized') }} {{ this }}{% else %}parsing{% endif %}",
    });
    expect(p.nodes.get("model.p.a")!.config.materialized).toBe("table");
    expect(compileNodeSync(p, "model.p.a").compiledCode).toBe('compiled table "memory"."main"."a"');
  });

  it("ref with package and version, source, var, env_var, target, model", () => {
    const p = load({
      "models/base.sql": "select 1",
      "models/v_v1.sql": "select 1",
      "models/v_v2.sql": "select 2",
      "models/schema.yml": "version: 2\nmodels:\n  - name: v\n    latest_version: 1\n    versions: [{v: 1}, {v: 2}]\nsources:\n  - name: raw\n    tables: [{name: t}]\n",
      "models/a.sql": "{{ ref('p', 'base') }}|{{ ref('v') }}|{{ ref('v', v=2) }}|{{ source('raw', 't') }}|{{ var('x', 'dflt') }}|{{ env_var('STRATA_T', 'e') }}|{{ target.name }}/{{ target.type }}/{{ target.schema }}|{{ model.name }}/{{ model.resource_type }}",
    });
    expect(compileNodeSync(p, "model.p.a").compiledCode).toBe('"memory"."main"."base"|"memory"."main"."v_v1"|"memory"."main"."v_v2"|"memory"."raw"."t"|dflt|e|dev/duckdb/main|a/model');
    expect(p.nodes.get("model.p.a")!.dependsOn.nodes).toEqual(["model.p.base", "model.p.v.v1", "model.p.v.v2", "source.p.raw.t"]);
  });

  it("run_query returns an agate-like table; statement/load_result; log; async re-render", async () => {
    const p = load({
      "models/a.sql": [
        "{% set t = run_query('select 1') %}",
        "{% if execute %}{{ t.columns[0].values() | join(',') }}|{{ t.rows[1]['name'] }}|{{ t.columns['name'].values() | join(',') }}{% endif %}",
        "{% call statement('s', fetch_result=True) %}select 2{% endcall %}",
        "{% if execute %}|{{ load_result('s')['data'][0][0] }}{% endif %}{{ log('hello', info=True) }}",
      ].join(""),
    });
    const queries: string[] = [];
    const runQuery = async (q: string) => {
      queries.push(q);
      return { columns: ["id", "name"], rows: [[1, "a"], [2, "b"]] };
    };
    const c = await compileNode(p, "model.p.a", { introspection: { runQuery } });
    expect(c.compiledCode).toBe("1,2|b|a,b|1");
    expect(queries).toEqual(["select 1", "select 2"]);
    expect(c.logs).toContainEqual({ level: "info", message: "hello" });
  });

  it("dbt_utils.star lists columns from the warehouse, '*' while parsing", () => {
    const p = load({
      "dbt_packages/dbt_utils/dbt_project.yml": "name: dbt_utils\n",
      "dbt_packages/dbt_utils/macros/star.sql": "{% macro star(from, except=[]) %}{% if not execute %}{{ return('*') }}{% endif %}{% set cols = [] %}{% for c in adapter.get_columns_in_relation(from) %}{% if c.column | lower not in except %}{% do cols.append(adapter.quote(c.column)) %}{% endif %}{% endfor %}{{ return(cols | join(', ')) }}{% endmacro %}",
      "models/base.sql": "select 1 as id, 2 as secret",
      "models/a.sql": "select {{ dbt_utils.star(ref('base'), except=['secret']) }} from {{ ref('base') }}",
    });
    const getColumns = () => [{ name: "id", dataType: "INTEGER" }, { name: "secret", dataType: "INTEGER" }];
    expect(compileNodeSync(p, "model.p.a", { introspection: { getColumns } }).compiledCode).toBe('select "id" from "memory"."main"."base"');
  });

  it("dbt_utils.date_spine from the fixture package runs its interval query", async () => {
    const p = load({
      "dbt_project.yml": "name: p\nprofile: p\n",
      ...Object.fromEntries(
        ["date_spine.sql"].map((f) => [`dbt_packages/dbt_utils/macros/${f}`, readFileSync(`${JAFFLE}/dbt_packages/dbt_utils/macros/sql/${f}`, "utf8")]),
      ),
      "dbt_packages/dbt_utils/dbt_project.yml": "name: dbt_utils\n",
      "models/spine.sql": "{{ dbt_utils.date_spine('day', \"cast('2024-01-01' as date)\", \"cast('2024-01-05' as date)\") }}",
    });
    const c = await compileNode(p, "model.p.spine", { introspection: { runQuery: async () => ({ columns: ["d"], rows: [[4]] }) } });
    expect(c.compiledCode).toContain("p0.generated_number * power(2, 0)");
    expect(c.compiledCode).toContain("p1.generated_number * power(2, 1)");
    expect(c.compiledCode).not.toContain("p2.generated_number");
    expect(c.compiledCode).toContain("where generated_number <= 4");
    expect(c.compiledCode).toContain("date_add(cast('2024-01-01' as date), interval (row_number() over (order by 1) - 1) day)");
  });

  it("exceptions.raise_compiler_error fails with the model's file and line", () => {
    const p = load({ "models/a.sql": "select 1\n{% if execute %}{{ exceptions.raise_compiler_error('bad input') }}{% endif %}" });
    const e = thrown(() => compileNodeSync(p, "model.p.a"));
    expect(e.code).toBe("SQL_COMPILE");
    expect(e.message).toContain("bad input");
    expect(e.where).toBe("models/a.sql:2");
  });
});

describe("hooks and freshness", () => {
  it("renders pre/post hooks with this and var", async () => {
    const { compileHooks } = await import("../src/compile.ts");
    const p = load({
      "dbt_project.yml": "name: p\nprofile: p\nmodels:\n  p:\n    +post-hook: \"grant select on {{ this }} to {{ var('reader', 'bi') }}\"\n",
      "models/a.sql": "{{ config(pre_hook=['set x = 1'], post_hook={'sql': 'analyze {{ this }}'}) }}select 1",
    });
    expect(compileHooks(p, "model.p.a", "pre")).toEqual(["set x = 1"]);
    expect(compileHooks(p, "model.p.a", "post")).toEqual(['grant select on "memory"."main"."a" to bi', 'analyze "memory"."main"."a"']);
  });

  it("builds freshness queries and statuses", async () => {
    const { freshnessQuery, freshnessStatus } = await import("../src/freshness.ts");
    const src = project.sources.get("source.jaffle_shop.app.events")!;
    expect(freshnessQuery(src)).toBe('select max(_loaded_at) as max_loaded_at, now() as snapshotted_at\nfrom "memory"."raw_app"."events"');
    const now = new Date("2024-01-02T00:00:00Z");
    expect(freshnessStatus(src.freshness, new Date("2024-01-01T20:00:00Z"), now)).toBe("pass");
    expect(freshnessStatus(src.freshness, new Date("2024-01-01T10:00:00Z"), now)).toBe("warn");
    expect(freshnessStatus(src.freshness, new Date("2023-12-30T00:00:00Z"), now)).toBe("error");
    expect(freshnessStatus(src.freshness, null, now)).toBe("error");
  });
});
