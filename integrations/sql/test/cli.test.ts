import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { JAFFLE } from "./helpers.ts";

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), "../../../packages/strata/bin/strata.mjs");
const dir = mkdtempSync(join(tmpdir(), "jaffle-cli-"));
cpSync(JAFFLE, dir, { recursive: true });
// A file warehouse in the copy. Nothing loads the app.events source here, so builds exclude it.
writeFileSync(join(dir, "profiles.yml"), `jaffle_shop:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: "cli.duckdb", schema: main }\n`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, "sql", ...args, "--project-dir", dir], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" }, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("strata sql", () => {
  it("build runs seeds, models, snapshots and tests in DAG order with dbt-like lines", () => {
    const r = cli("build", "--exclude", "source:app+");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^1 of 31 OK loaded seed file main\.raw_customers \.\.\. \[INSERT 5 in \d+\.\d\ds\]$/m);
    expect(r.out).toMatch(/^\d+ of 31 OK created sql view model main\.stg_orders \.\.\. \[CREATE VIEW in \d+\.\d\ds\]$/m);
    expect(r.out).toMatch(/^\d+ of 31 OK created sql table model main_finance\.revenue/m);
    expect(r.out).toMatch(/^\d+ of 31 WARN 1 accepted_values_stg_customers_last_name__P___M___C_ \.\.\. \[WARN 1 in/m);
    expect(r.out).toMatch(/^\d+ of 31 OK snapshotted snapshots\.orders_snapshot/m);
    expect(r.out).toContain("Done. PASS=30 WARN=1 ERROR=0 SKIP=0 TOTAL=31");
    expect(existsSync(join(dir, "target", "run_results.json"))).toBe(true);
  }, 60_000);

  it("run --select with dbt graph syntax, compile prints one node's SQL, errors exit 1", () => {
    const run = cli("run", "--select", "+orders");
    expect(run.code).toBe(0);
    expect(run.out).toContain("Done. PASS=3 WARN=0 ERROR=0 SKIP=0 TOTAL=3"); // stg_orders, stg_payments, orders
    const compile = cli("compile", "--select", "stg_payments");
    expect(compile.code).toBe(0);
    expect(compile.out).toContain('round(cast(amount as double) / 100, 2) as amount');
    expect(existsSync(join(dir, "target", "compiled", "jaffle_shop", "models", "staging", "stg_payments.sql"))).toBe(true);
    writeFileSync(join(dir, "models", "marts", "orders.sql"), "select order_id,\n  missing_col\nfrom {{ ref('stg_orders') }}\n");
    const bad = cli("run", "--select", "orders+", "--exclude", "fct_events");
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/ERROR creating sql table model main\.orders/);
    expect(bad.out).toMatch(/SKIP sql table model main\.customers/);
    expect(bad.out).toContain("models/marts/orders.sql:2");
  }, 60_000);
});
