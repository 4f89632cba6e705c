/**
 * The quickstart example materialises successfully from the CLI, recording its checks and a
 * table preview — with history kept in a temp STRATA_HOME so the example folder stays clean.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { EventRecord } from "@strata/core";
import { REPO_ROOT, runCli } from "../helpers/run-cli.ts";

// Each CLI call starts Node processes: generous limits for a busy 2-core machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const home = mkdtempSync(join(tmpdir(), "strata-quickstart-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const cwd = join(REPO_ROOT, "examples/quickstart");
const strata = (args: string[]) => runCli(args, { cwd, env: { STRATA_HOME: home, FX_API_TOKEN: "qs-secret-token-123" } });

describe("examples/quickstart", () => {
  it("materialises every asset and check successfully, with a table preview; the secret token never shows", async () => {
    const r = await strata(["materialize"]);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toMatch(/5 assets, 2 checks/);
    expect(r.stdout).toMatch(/SUCCESS in .*: 6 succeeded, 0 failed, 0 skipped/);
    const runId = /^Run (\w+):/m.exec(r.stdout)![1]!;

    const logs = await strata(["logs", runId, "--json"]);
    expect(logs.code, logs.output).toBe(0);
    expect(logs.stdout).not.toContain("qs-secret-token-123");
    const events = logs.stdout.trim().split("\n").map((l) => JSON.parse(l) as EventRecord);
    const materialized = events.filter((e) => e.type === "ASSET_MATERIALIZATION");
    expect(materialized.map((e) => e.assetKey).sort()).toEqual(["gold/customer_revenue", "gold/daily_revenue", "raw/customers", "raw/orders", "silver/orders"]);
    expect(materialized.some((e) => Object.values(e.data?.metadata ?? {}).some((m) => m.type === "table"))).toBe(true);
    const checks = events.filter((e) => e.type === "ASSET_CHECK_EVALUATION");
    expect(checks).toHaveLength(2);
    expect(checks.every((e) => e.data?.check?.passed)).toBe(true);
  });
});
