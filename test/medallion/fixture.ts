/**
 * The medallion example copied to a temp folder (its node_modules linked to the repository's),
 * so the tests build it from scratch without touching examples/medallion; plus the expected
 * gold values, computed independently in TypeScript from the same deterministic generators.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, runCli, type CliResult } from "../helpers/run-cli.ts";
import { ordersForDay, sensorReadingsForDay } from "../../examples/medallion/src/generate.ts";

export const EXAMPLE = join(REPO_ROOT, "examples/medallion");

export interface MedallionCopy {
  dir: string;
  /** The instance: <copy>/.strata (the default, which dbt/profiles.yml also points at). */
  home: string;
  strata(args: string[], env?: Record<string, string | undefined>): Promise<CliResult>;
  cleanup(): void;
}

export function copyMedallion(): MedallionCopy {
  const dir = mkdtempSync(join(tmpdir(), "strata-medallion-"));
  cpSync(EXAMPLE, dir, {
    recursive: true,
    filter: (src) => !/[\\/](\.strata|node_modules|target)$/.test(src),
  });
  symlinkSync(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  return {
    dir,
    home: join(dir, ".strata"),
    // STRATA_HOME unset: the default instance folder, as a user of the example would have it.
    strata: (args, env = {}) => runCli(args, { cwd: dir, env: { STRATA_HOME: undefined, SHOP_API_TOKEN: "medallion-secret-token-42", ...env }, timeoutMs: 90_000 }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Customer ids known to the CRM export (data/customers.csv). */
export function crmCustomerIds(): Set<number> {
  const lines = readFileSync(join(EXAMPLE, "data/customers.csv"), "utf8").trim().split("\n").slice(1);
  return new Set(lines.map((l) => Number(l.split(",")[0])));
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** gold.revenue_by_customer_day, computed from the generator: key `${day}|${customer}` → revenue. */
export function expectedRevenue(days: string[]): Map<string, { orders: number; revenue: number }> {
  const known = crmCustomerIds();
  const out = new Map<string, { orders: number; revenue: number }>();
  for (const day of days) {
    const seen = new Set<string>();
    for (const o of ordersForDay(day)) {
      if (seen.has(o.order_id)) continue; // the resend
      seen.add(o.order_id);
      if (o.status === "returned" || !known.has(o.customer_id)) continue;
      const k = `${day}|${o.customer_id}`;
      const cur = out.get(k) ?? { orders: 0, revenue: 0 };
      out.set(k, { orders: cur.orders + 1, revenue: round2(cur.revenue + o.amount_cents / 100) });
    }
  }
  return out;
}

/** Orders (after deduplication) from customers the CRM does not know: the dbt relationships test's failures. */
export function expectedUnknownCustomerOrders(days: string[]): number {
  const known = crmCustomerIds();
  let n = 0;
  for (const day of days) {
    const seen = new Set<string>();
    for (const o of ordersForDay(day)) {
      if (seen.has(o.order_id)) continue;
      seen.add(o.order_id);
      if (!known.has(o.customer_id)) n++;
    }
  }
  return n;
}

/** gold.sensor_daily_stats, computed from the generator: key `${day}|${sensor}`. */
export function expectedSensorStats(days: string[]): Map<string, { readings: number; avg: number; min: number; max: number }> {
  const out = new Map<string, { readings: number; avg: number; min: number; max: number }>();
  for (const day of days) {
    const unique = new Map<string, { sensor_id: string; temperature_c: number; humidity_pct: number }>();
    for (const r of sensorReadingsForDay(day)) {
      if (r.temperature_c < -40 || r.temperature_c > 60 || r.humidity_pct < 0 || r.humidity_pct > 100) continue;
      unique.set(`${r.sensor_id}|${r.read_at}`, r);
    }
    const bySensor = new Map<string, number[]>();
    for (const r of unique.values()) bySensor.set(r.sensor_id, [...(bySensor.get(r.sensor_id) ?? []), r.temperature_c]);
    for (const [sensor, temps] of bySensor) {
      out.set(`${day}|${sensor}`, {
        readings: temps.length,
        avg: round2(temps.reduce((a, b) => a + b, 0) / temps.length),
        min: Math.min(...temps),
        max: Math.max(...temps),
      });
    }
  }
  return out;
}
