// Plain TypeScript definitions next to YAML components: every exported asset/check is loaded
// (or export default defineDefinitions({...}) to control exactly what is loaded).
import { asset } from "strata";
import type { DuckDBClient } from "@strata/duckdb";

export const topCustomers = asset(
  { key: "analytics/top_customers", deps: ["analytics/customer_summary"], resources: ["duckdb"], group: "marts", kinds: ["duckdb"] },
  async (ctx) => {
    const db = ctx.resource<DuckDBClient>("duckdb");
    const rows = await db.query<{ name: string; revenue: number }>("select name, revenue from analytics.customer_summary order by revenue desc limit 3");
    for (const r of rows) ctx.log.info(`${r.name}: ${r.revenue}`);
    return rows;
  },
);
