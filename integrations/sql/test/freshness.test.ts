import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { materialize } from "@strata/engine";
import { dbtSourceAssets, dbtSourceFreshnessChecks, type DbtAssetsOptions } from "../src/dbt-assets.ts";
import { openAdapter } from "../src/adapters/open.ts";
import { jaffleWarehouse, postgresAvailable, type Engine, type Warehouse } from "./warehouse.ts";

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), "../../../packages/strata/bin/strata.mjs");
const pgUp = await postgresAvailable();

/** A UTC `timestamp` literal `hours` before now. */
const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString().replace("T", " ").slice(0, 19);

// jaffle_shop's `app` source declares loaded_at_field _loaded_at, warn_after 12 hours and
// error_after 1 day at the source level; `events` inherits it, `accounts` sets freshness: null.
describe.each<Engine>(["duckdb", "postgres"])("source freshness as checks and from the CLI on %s", (engine) => {
  const skip = engine === "postgres" && !pgUp;
  let w: Warehouse;
  let open = true;
  let opts: DbtAssetsOptions;
  const events = () => `"${w.rawSchema}"."events"`;
  /** Sets every event's _loaded_at (through the test's handle, or a short-lived one once it is closed). */
  const loadedAt = async (ts: string) => {
    const sql = `update ${events()} set _loaded_at = '${ts}'`;
    if (open) return void (await w.adapter.execute(sql));
    const a = await openAdapter(w.project.target);
    try {
      await a.execute(sql);
    } finally {
      await a.close();
    }
  };
  beforeAll(async () => {
    if (skip) return;
    w = await jaffleWarehouse(engine);
    // DuckDB: the checks use this handle as the warehouse resource (one file, one process).
    // Postgres: they open the profiles.yml target themselves.
    opts = engine === "duckdb" ? { projectDir: w.dir, resource: "warehouse" } : { projectDir: w.dir };
  });
  afterAll(async () => {
    if (skip) return;
    if (open) await w.dispose();
    rmSync(w.dir, { recursive: true, force: true });
  });
  const run = () => materialize([...dbtSourceAssets(opts), ...dbtSourceFreshnessChecks(opts)], {
    selection: ["app/events"],
    ...(engine === "duckdb" ? { resources: { warehouse: w.adapter } } : {}),
  });

  it.skipIf(skip)("one `freshness` check per source table declaring freshness, inherited from the source", () => {
    const checks = dbtSourceFreshnessChecks(opts);
    expect(checks.map((c) => [c.asset, c.name, c.severity, c.blocking])).toEqual([["app/events", "freshness", "ERROR", false]]);
    expect(checks[0]!.codeRef?.file).toBe(join(w.dir, "models/staging/sources.yml"));
    expect(dbtSourceFreshnessChecks(opts, { blocking: true })[0]!.blocking).toBe(true);
  });

  it.skipIf(skip)("fresh data passes, past warn_after warns, past error_after errors (selecting the external source runs its check)", async () => {
    await loadedAt(hoursAgo(1));
    const fresh = await run();
    expect(fresh.success).toBe(true);
    const pass = fresh.checks.get("app/events:freshness")!;
    expect(pass.passed).toBe(true);
    expect(pass.metadata.age_seconds).toMatchObject({ type: "float" });
    const age = (pass.metadata.age_seconds as { value: number }).value;
    expect(age).toBeGreaterThan(3500);
    expect(age).toBeLessThan(3700);
    expect(pass.metadata.max_loaded_at).toMatchObject({ type: "timestamp" });
    expect(pass.metadata.warn_after).toEqual({ type: "text", value: "12 hours" });
    expect(pass.metadata.error_after).toEqual({ type: "text", value: "1 day" });
    expect(pass.metadata.query).toMatchObject({ type: "markdown", value: expect.stringContaining(`select max(_loaded_at) as max_loaded_at`) });
    expect((pass.metadata.query as { value: string }).value).toContain(`"${w.rawSchema}"."events"`);
    expect(fresh.materializations.size).toBe(0); // nothing materialised: the source is external

    await loadedAt(hoursAgo(13));
    const warn = (await run()).checks.get("app/events:freshness")!;
    expect(warn).toMatchObject({ passed: false, severity: "WARN", metadata: { status: { type: "text", value: "warn" } } });
    expect(warn.description).toMatch(/app\.events is stale: max\(_loaded_at\) \d+s old, warn after 12 hours/);

    await loadedAt(hoursAgo(30));
    const error = (await run()).checks.get("app/events:freshness")!;
    expect(error).toMatchObject({ passed: false, severity: "ERROR", metadata: { status: { type: "text", value: "error" } } });
    expect(error.description).toContain("error after 1 day");
  }, 60_000);

  it.skipIf(skip)("a failing freshness query is an ERROR evaluation with the error", async () => {
    await w.adapter.execute(`alter table ${events()} rename column _loaded_at to loaded_at_renamed`);
    try {
      const r = (await run()).checks.get("app/events:freshness")!;
      expect(r).toMatchObject({ passed: false, severity: "ERROR", metadata: { status: { type: "text", value: "runtime error" } } });
      expect(r.description).toMatch(/^Freshness query failed: /);
      expect(r.metadata.error).toMatchObject({ type: "text", value: expect.stringMatching(/_loaded_at/) });
    } finally {
      await w.adapter.execute(`alter table ${events()} rename column loaded_at_renamed to _loaded_at`);
    }
  }, 60_000);

  it.skipIf(skip)("strata sql freshness prints dbt's PASS / WARN / ERROR STALE lines, writes sources.json, exits 1 when stale", async () => {
    if (engine === "duckdb") {
      // The CLI is another process: release the DuckDB file.
      await w.adapter.close();
      open = false;
    }
    const cli = (...args: string[]) => {
      const r = spawnSync(process.execPath, [BIN, "sql", ...args, "--project-dir", w.dir], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" }, timeout: 60_000 });
      return { code: r.status, out: r.stdout, err: r.stderr };
    };
    await loadedAt(hoursAgo(1));
    const pass = cli("freshness");
    expect(pass.err).toBe("");
    expect(pass.code).toBe(0);
    expect(pass.out).toMatch(/^1 of 1 PASS freshness of app\.events \.\.\. \[PASS in \d+\.\d\ds\]$/m);
    expect(pass.out).toContain("Done. PASS=1 WARN=0 ERROR=0 SKIP=0 TOTAL=1");
    const artifact = JSON.parse(readFileSync(join(w.dir, "target", "sources.json"), "utf8")) as { results: Record<string, unknown>[] };
    expect(artifact.results).toEqual([expect.objectContaining({
      unique_id: "source.jaffle_shop.app.events", status: "pass",
      criteria: { warn_after: { count: 12, period: "hour" }, error_after: { count: 1, period: "day" }, filter: null },
    })]);

    await loadedAt(hoursAgo(13));
    const warn = cli("source", "freshness", "--select", "source:app");
    expect(warn.code).toBe(0);
    expect(warn.out).toMatch(/^1 of 1 WARN freshness of app\.events \.\.\. \[WARN in /m);

    await loadedAt(hoursAgo(30));
    const stale = cli("freshness", "--select", "source:app.events");
    expect(stale.code).toBe(1);
    expect(stale.out).toMatch(/^1 of 1 ERROR STALE freshness of app\.events \.\.\. \[ERROR STALE in /m);
    expect(stale.out).toContain("Done. PASS=0 WARN=0 ERROR=1 SKIP=0 TOTAL=1");

    const none = cli("freshness", "--select", "source:app.accounts"); // freshness: null
    expect(none.code).toBe(0);
    expect(none.out).toContain("TOTAL=0");
    expect(existsSync(join(w.dir, "target", "sources.json"))).toBe(true);
  }, 120_000);
});
