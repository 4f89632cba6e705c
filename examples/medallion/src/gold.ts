/**
 * Gold in TypeScript on top of the dbt gold models: the KPI table the business dashboard reads.
 */
import { asset, assetCheck, AutomationCondition, freshnessPolicy, MaterializeResult, type AssetContext } from "strata";
import type { DuckDBClient, DuckDBRelation } from "@strata/duckdb";

/** Revenue by segment and country, from dbt's gold.revenue_by_customer_day and silver.customers. */
export const customerKpis = asset(
  {
    key: "gold/customer_kpis",
    group: "gold",
    kinds: ["duckdb"],
    owners: ["team:analytics", "cfo@example.com"],
    tags: { layer: "gold", tier: "dashboard" },
    description: "Revenue, orders and active customers per segment and country: the sales dashboard's table.",
    deps: ["gold/revenue_by_customer_day", "silver/customers"],
    // Rebuilt every morning at 06:00 UTC by the daemon, once its dbt inputs have been updated.
    automation: AutomationCondition.onCron("0 6 * * *", "UTC"),
    // Must have been rebuilt within the last day (warn after 24h, fail after 36h).
    freshness: freshnessPolicy.timeWindow({ warnAfter: "24h", failAfter: "36h" }),
    checks: [{ name: "reconciles_with_silver", blocking: false, description: "Gold revenue equals silver revenue of known customers" }],
    resources: ["warehouse"],
    codeVersion: "1",
  },
  async (ctx: AssetContext) => {
    const db = ctx.resource<DuckDBClient>("warehouse");
    // Reconcile before publishing: gold revenue must equal silver revenue (excluding returns
    // and orders from customers unknown to the CRM, which gold leaves out).
    const [r] = await db.query<{ gold: number; silver: number }>(`
      select (select coalesce(sum(revenue), 0) from gold.revenue_by_customer_day)::double as gold,
             (select coalesce(sum(o.amount), 0) from silver.orders o join silver.customers c using (customer_id)
               where o.status <> 'returned')::double as silver`);
    const passed = Math.abs(r!.gold - r!.silver) < 0.005;
    return new MaterializeResult({
      // Stored by the DuckDB I/O manager as table gold.customer_kpis.
      value: {
        sql: `select c.segment, c.country_name,
                     count(distinct r.customer_id)::integer as active_customers,
                     sum(r.orders)::integer as orders,
                     round(sum(r.revenue), 2) as revenue
              from gold.revenue_by_customer_day r join silver.customers c using (customer_id)
              group by all
              order by revenue desc`,
      },
      checkResults: [{ checkName: "reconciles_with_silver", passed, metadata: { gold_revenue: r!.gold, silver_revenue: r!.silver } }],
    });
  },
);

/** Gold check: no segment is empty. */
export const kpisNotEmpty = assetCheck(
  { asset: customerKpis, name: "has_revenue", severity: "WARN", description: "Every segment/country row has revenue" },
  async (ctx) => {
    const rel = await ctx.loadAssetValue<DuckDBRelation>();
    const [row] = await rel.db.query<{ zero: number; n: number }>(`select count(*) filter (where revenue <= 0)::integer as zero, count(*)::integer as n from ${rel.sql}`);
    return { passed: row!.n > 0 && row!.zero === 0, metadata: { rows: row!.n, without_revenue: row!.zero } };
  },
);
