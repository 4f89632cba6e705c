/**
 * `npm start` (scripts/start.mjs) builds the medallion example — every asset and the latest
 * daily partitions — prints where the history is, and works again on a second run. The
 * instance goes to a temp STRATA_HOME so examples/medallion stays clean; the UI is not started.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { REPO_ROOT, runCli, stripAnsi } from "../helpers/run-cli.ts";

vi.setConfig({ testTimeout: 180_000 });

const home = mkdtempSync(join(tmpdir(), "strata-start-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function npmStart() {
  const env: NodeJS.ProcessEnv = { ...process.env, STRATA_HOME: home, STRATA_START_NO_UI: "1", STRATA_START_DAYS: "2", NO_COLOR: "1" };
  for (const k of Object.keys(env)) if (k.startsWith("VITEST") || k === "NODE_OPTIONS" || k === "TEST") delete env[k];
  const r = spawnSync(process.execPath, [join(REPO_ROOT, "scripts/start.mjs")], { cwd: REPO_ROOT, env, encoding: "utf8", timeout: 150_000 });
  return { code: r.status, output: stripAnsi(`${r.stdout}\n${r.stderr}`) };
}

describe("npm start", () => {
  it("builds the medallion platform, says where the history is, and is idempotent", async () => {
    const first = npmStart();
    expect(first.code, first.output).toBe(0);
    expect(first.output).toMatch(/SUCCESS in .*: 13 succeeded, 0 failed, 0 skipped/);
    expect(first.output).toContain(`history and data are in ${home}`);
    expect(first.output).toContain("npx strata list");
    expect(first.output).toMatch(/npx strata ui/); // the UI hint when it is not started
    expect(existsSync(join(home, "strata.db"))).toBe(true);
    expect(existsSync(join(home, "warehouse.duckdb"))).toBe(true);

    const second = npmStart();
    expect(second.code, second.output).toBe(0);
    expect(second.output).toMatch(/SUCCESS in .*: 13 succeeded, 0 failed, 0 skipped/);
    // The incremental dbt model ran incrementally the second time.
    expect(second.output).toMatch(/SUCCESS model orders: (INSERT|MERGE|DELETE)/);

    const runs = await runCli(["runs"], { cwd: join(REPO_ROOT, "examples/medallion"), env: { STRATA_HOME: home } });
    expect(runs.code, runs.output).toBe(0);
    expect(runs.stdout.match(/SUCCESS/g)?.length).toBe(2);
  });
});
