import { asset, assetCheck, MaterializeResult, MetadataValue } from "strata";
import type { ExchangeRates } from "./resources.ts";

export interface Order {
  id: number;
  customer: string;
  amount: number;
  currency: string;
  day: string;
}

/** Raw orders as landed from the shop (bronze). */
export const rawOrders = asset(
  {
    key: "raw/orders",
    group: "bronze",
    kinds: ["json"],
    owners: ["team:ingest"],
    description: "Orders exported by the shop, one row per order.",
    codeVersion: "1",
  },
  (ctx): Order[] => {
    const orders: Order[] = [
      { id: 1, customer: "ada", amount: 120, currency: "EUR", day: "2024-08-01" },
      { id: 2, customer: "grace", amount: 80, currency: "USD", day: "2024-08-01" },
      { id: 3, customer: "ada", amount: 42.5, currency: "GBP", day: "2024-08-02" },
      { id: 4, customer: "linus", amount: 300, currency: "SEK", day: "2024-08-02" },
      { id: 4, customer: "linus", amount: 300, currency: "SEK", day: "2024-08-02" },
      { id: 5, customer: "grace", amount: 19.99, currency: "EUR", day: "2024-08-03" },
    ];
    ctx.log.info("landed orders", { rows: orders.length });
    return orders;
  },
);

/** Raw customers (bronze). */
export const rawCustomers = asset(
  { key: "raw/customers", group: "bronze", kinds: ["json"], owners: ["team:ingest"] },
  () => [
    { id: "ada", name: "Ada Lovelace", country: "GB" },
    { id: "grace", name: "Grace Hopper", country: "US" },
    { id: "linus", name: "Linus Torvalds", country: "FI" },
  ],
);

/** Cleaned orders: deduplicated, amounts converted to EUR (silver). */
export const orders = asset(
  {
    key: "silver/orders",
    group: "silver",
    kinds: ["json"],
    owners: ["team:analytics"],
    ins: { raw: rawOrders },
    resources: ["fx"],
    retry: { maxRetries: 2, delayMs: 200, backoff: "exponential" },
    checks: [{ name: "unique_ids", blocking: true, description: "Order ids are unique after deduplication" }],
  },
  (ctx, { raw }) => {
    const fx = ctx.resource<ExchangeRates>("fx");
    const seen = new Set<number>();
    const rows = raw
      .filter((o) => (seen.has(o.id) ? false : (seen.add(o.id), true)))
      .map((o) => ({ ...o, amount_eur: Math.round(o.amount * fx.toEur(o.currency) * 100) / 100 }));
    const dupes = raw.length - rows.length;
    if (dupes > 0) ctx.log.warn("dropped duplicate orders", { dupes });
    return new MaterializeResult({
      value: rows,
      metadata: {
        row_count: rows.length,
        duplicates_dropped: dupes,
        preview: MetadataValue.table(rows.slice(0, 10)),
        column_schema: MetadataValue.tableSchema([
          { name: "id", type: "int" },
          { name: "customer", type: "text" },
          { name: "amount_eur", type: "float" },
          { name: "day", type: "date" },
        ]),
      },
      checkResults: [{ checkName: "unique_ids", passed: new Set(rows.map((r) => r.id)).size === rows.length }],
    });
  },
);

/** Revenue per customer in EUR (gold). */
export const customerRevenue = asset(
  {
    key: "gold/customer_revenue",
    group: "gold",
    kinds: ["json"],
    owners: ["team:analytics"],
    tags: { tier: "gold" },
    ins: { orders, customers: rawCustomers },
    description: "Total revenue per customer, in EUR.",
  },
  (ctx, { orders, customers }) => {
    const totals = new Map<string, number>();
    for (const o of orders) totals.set(o.customer, (totals.get(o.customer) ?? 0) + o.amount_eur);
    const rows = customers.map((c) => ({ customer: c.name, country: c.country, revenue_eur: Math.round((totals.get(c.id) ?? 0) * 100) / 100 }));
    ctx.addMetadata({ total_revenue_eur: rows.reduce((s, r) => s + r.revenue_eur, 0) });
    return new MaterializeResult({ value: rows, metadata: { row_count: rows.length, preview: MetadataValue.table(rows) } });
  },
);

/** Daily revenue (gold), a plain dep on orders for ordering and a typed input for data. */
export const dailyRevenue = asset(
  { key: "gold/daily_revenue", group: "gold", kinds: ["json"], owners: ["team:analytics"], tags: { tier: "gold" }, ins: { orders } },
  (_ctx, { orders }) => {
    const byDay = new Map<string, number>();
    for (const o of orders) byDay.set(o.day, (byDay.get(o.day) ?? 0) + o.amount_eur);
    const rows = [...byDay].sort().map(([day, revenue]) => ({ day, revenue_eur: Math.round(revenue * 100) / 100 }));
    return new MaterializeResult({ value: rows, metadata: { row_count: rows.length, preview: MetadataValue.table(rows) } });
  },
);

/** A non-blocking quality check on the gold table (WARN). */
export const revenuePositive = assetCheck(
  { asset: customerRevenue, name: "revenue_positive", severity: "WARN", description: "Every customer has revenue" },
  async (ctx) => {
    const rows = await ctx.loadAssetValue<{ customer: string; revenue_eur: number }[]>();
    const zero = rows.filter((r) => r.revenue_eur <= 0).map((r) => r.customer);
    return { passed: zero.length === 0, metadata: { customers_without_revenue: zero.length } };
  },
);
