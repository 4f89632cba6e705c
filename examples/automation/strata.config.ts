/**
 * Automation example: files dropped into inbox/ are ingested by a sensor-triggered run, an eager
 * chain keeps the cleaned table and the summary up to date, a cron schedule rebuilds the
 * summary every morning, and a freshness policy flags the summary when it gets old.
 *
 *   npx strata daemon            # in one terminal
 *   cp some.csv inbox/           # in another: the sensor picks it up within 5 s
 *   npx strata status            # loops, queue, freshness
 *   npx strata automation preview
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { AutomationCondition, asset, defineDefinitions, freshnessPolicy, schedule, sensor } from "strata";

const INBOX = join(import.meta.dirname, "inbox");

interface Order {
  id: string;
  customer: string;
  amount: number;
}

/** Every CSV in inbox/ (id,customer,amount), parsed. */
export const rawOrders = asset({ key: "raw/orders", group: "ingest" }, (ctx) => {
  mkdirSync(INBOX, { recursive: true });
  const files = readdirSync(INBOX).filter((f) => f.endsWith(".csv")).sort();
  const rows: Order[] = [];
  for (const f of files) {
    const [, ...lines] = readFileSync(join(INBOX, f), "utf8").trim().split("\n");
    for (const line of lines) {
      const [id, customer, amount] = line.split(",");
      if (id && customer && amount) rows.push({ id, customer, amount: Number(amount) });
    }
  }
  ctx.log.info(`ingested ${rows.length} orders from ${files.length} files`);
  return rows;
});

/** Valid orders only: updated whenever raw/orders is (eager). */
export const cleanOrders = asset(
  { key: "clean/orders", group: "mart", ins: { raw: rawOrders }, automation: AutomationCondition.eager() },
  (_ctx, { raw }) => raw.filter((o) => Number.isFinite(o.amount) && o.amount > 0),
);

/** Revenue per customer: eager too, so one file arrival refreshes the whole chain. */
export const summary = asset(
  {
    key: "mart/revenue_by_customer",
    group: "mart",
    ins: { orders: cleanOrders },
    automation: AutomationCondition.eager(),
    freshness: freshnessPolicy.timeWindow({ warnAfter: "12h", failAfter: "1d" }),
  },
  (_ctx, { orders }) => {
    const out: Record<string, number> = {};
    for (const o of orders) out[o.customer] = (out[o.customer] ?? 0) + o.amount;
    return out;
  },
);

/** Rebuilds everything at 06:00 Berlin time, even when no file arrived. */
export const morning = schedule({ name: "morning_refresh", cron: "0 6 * * *", timezone: "Europe/Berlin", target: "*", defaultStatus: "RUNNING" });

/**
 * File arrival: the cursor is the newest (mtime, name) processed; one run request per new file,
 * keyed by the file name, so a file is never ingested twice, even after a cursor reset.
 */
export const newFiles = sensor({ name: "new_order_files", intervalSeconds: 5, target: [rawOrders], defaultStatus: "RUNNING" }, (ctx) => {
  mkdirSync(INBOX, { recursive: true });
  const [lastMtime, lastName] = (ctx.cursor ?? "0|").split("|");
  const after = (f: { mtime: number; name: string }) => f.mtime > Number(lastMtime) || (f.mtime === Number(lastMtime) && f.name > (lastName ?? ""));
  const files = readdirSync(INBOX)
    .filter((name) => name.endsWith(".csv"))
    .map((name) => ({ name, mtime: statSync(join(INBOX, name)).mtimeMs }))
    .filter(after)
    .sort((a, b) => a.mtime - b.mtime || (a.name < b.name ? -1 : 1));
  if (files.length === 0) return { skipReason: "no new CSV files in inbox/" };
  const last = files.at(-1)!;
  return {
    runRequests: files.map((f) => ({ runKey: f.name, tags: { file: f.name } })),
    cursor: `${last.mtime}|${last.name}`,
  };
});

export default defineDefinitions({ assets: [rawOrders, cleanOrders, summary], schedules: [morning], sensors: [newFiles] });
