/**
 * The automation example end to end under a real `strata daemon`: a CSV dropped into inbox/
 * triggers the file sensor (run key = file name), the eager chain follows in ONE run, the
 * freshness loop marks the summary fresh, and `strata automation preview` explains why nothing
 * more would run.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, makeProject, waitUntil } from "../helpers/run-cli.ts";
import { withStorage } from "./fixture.ts";

const EXAMPLE = join(REPO_ROOT, "examples/automation");

describe("examples/automation under strata daemon", () => {
  const p = makeProject(
    {
      "package.json": readFileSync(join(EXAMPLE, "package.json"), "utf8"),
      "strata.config.ts": readFileSync(join(EXAMPLE, "strata.config.ts"), "utf8"),
      "inbox/.gitkeep": "",
    },
    { name: "daemon-example" },
  );
  afterAll(() => p.cleanup());

  it("sensor → raw run, eager chain in one run, freshness, preview", async () => {
    const daemon = p.start(["daemon"], { env: { STRATA_DAEMON_INTERVAL_MS: "automation=1000,freshness=1000,queue=200,schedules=500" } });
    try {
      await daemon.waitFor(/watching/, 30_000);
      writeFileSync(join(p.dir, "inbox/a.csv"), "id,customer,amount\n1,ada,30\n2,bob,12.5\n");
      await waitUntil(
        () =>
          withStorage(p.home, async (s) => {
            const auto = await s.listRuns({ statuses: ["SUCCESS"], tags: {} });
            return auto.some((r) => r.tags["strata/automation_tick"] !== undefined) && (await s.getValue("daemon/freshness"))?.includes('"fresh"');
          }),
        60_000,
        300,
      );
      await withStorage(p.home, async (s) => {
        const sensorRuns = await s.listRuns({ tags: { "strata/sensor": "new_order_files" } });
        expect(sensorRuns.map((r) => [r.tags["strata/run_key"], r.assetKeys])).toEqual([["a.csv", ["raw/orders"]]]);
        const autoRuns = (await s.listRuns()).filter((r) => r.tags["strata/automation_tick"] !== undefined);
        expect(autoRuns).toHaveLength(1);
        expect(autoRuns[0]!.assetKeys.sort()).toEqual(["clean/orders", "mart/revenue_by_customer"]);
        const evals = await s.getAutomationEvaluations("clean/orders", { limit: 5 });
        expect(evals.some((e) => e.requestedCount === 1)).toBe(true);
      });
    } finally {
      daemon.child.kill("SIGINT");
      await daemon.done;
    }
    const preview = await p.run(["automation", "preview"]);
    expect(preview.code, preview.output).toBe(0);
    expect(preview.stdout).toContain("Next automation tick would request 0 run(s)");
    expect(preview.stdout).toMatch(/clean\/orders: not requested/);
    expect(preview.stdout).toMatch(/✘ newly_updated on raw\/orders/);
    const status = await p.run(["status"]);
    expect(status.stdout).toMatch(/mart\/revenue_by_customer\s+fresh/);
  }, 120_000);
});
