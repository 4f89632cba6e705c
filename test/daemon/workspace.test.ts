/**
 * `strata daemon` at a workspace root: every code location is loaded in its own process; a
 * sensor defined in the second location is evaluated there and its run executes in that
 * location (its own folder and process); a request spanning both locations becomes one run per
 * location, the downstream one waiting in the queue until the upstream one succeeded.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeProject, waitUntil } from "../helpers/run-cli.ts";
import { withStorage } from "./fixture.ts";

const INGESTION = `import { asset, defineDefinitions, schedule } from "strata";
export const raw = asset({ key: "raw/orders" }, () => [1, 2, 3]);
export default defineDefinitions({
  assets: [raw],
  schedules: [schedule({ name: "nightly", cron: "0 3 * * *", target: [raw] })],
});
`;
const ANALYTICS = `import { appendFileSync } from "node:fs";
import { asset, defineDefinitions, sensor } from "strata";
export const mart = asset({ key: "mart/orders", deps: ["raw/orders"] }, () => {
  appendFileSync("../where.log", "mart ran in " + process.cwd() + "\\n");
  return 1;
});
export default defineDefinitions({
  assets: [mart],
  sensors: [
    sensor({ name: "mart_sensor", intervalSeconds: 1, target: [mart], defaultStatus: "RUNNING" }, () => ({
      runRequests: [{ runKey: "once", tags: { evaluated_in: process.cwd() } }],
    })),
    sensor({ name: "both_sensor", intervalSeconds: 1, target: [mart], defaultStatus: "RUNNING" }, () => ({
      runRequests: [{ runKey: "both", assetKeys: ["mart/orders", "raw/orders"] }],
    })),
  ],
});
`;
const pkg = (name: string) => JSON.stringify({ name, private: true, type: "module" });

describe("daemon at a workspace root", () => {
  const p = makeProject(
    {
      "workspace.yaml": "locations: [ingestion, analytics]\n",
      "ingestion/package.json": pkg("ingestion"),
      "ingestion/strata.config.ts": INGESTION,
      "analytics/package.json": pkg("analytics"),
      "analytics/strata.config.ts": ANALYTICS,
    },
    { name: "daemon-ws" },
  );
  afterAll(() => p.cleanup());

  it("evaluates the second location's sensor there and runs its request in that location", async () => {
    const daemon = p.start(["daemon", "--no-watch"], { env: { STRATA_DAEMON_INTERVAL_MS: "200" }, timeoutMs: 120_000 });
    try {
      await daemon.waitFor(/strata daemon: watching ingestion, analytics/, 60_000);
      const run = await waitUntil(
        () => withStorage(p.home, async (s) => (await s.listRuns({ tags: { "strata/sensor": "mart_sensor" }, statuses: ["SUCCESS"] }))[0]),
        90_000,
        250,
      );
      expect(run.location).toBe("analytics");
      expect(run.assetKeys).toEqual(["mart/orders"]);
      expect(run.tags.evaluated_in).toBe(join(p.dir, "analytics"));
      expect(readFileSync(join(p.dir, "where.log"), "utf8")).toContain(`mart ran in ${join(p.dir, "analytics")}`);
      const parts = await waitUntil(
        () =>
          withStorage(p.home, async (s) => {
            const rs = await s.listRuns({ tags: { "strata/sensor": "both_sensor" }, statuses: ["SUCCESS"] });
            return rs.length === 2 ? rs : undefined;
          }),
        90_000,
        250,
      );
      const up = parts.find((r) => r.location === "ingestion")!;
      const down = parts.find((r) => r.location === "analytics")!;
      expect(up.assetKeys).toEqual(["raw/orders"]);
      expect(down.assetKeys).toEqual(["mart/orders"]);
      expect(down.tags["strata/after_run"]).toBe(up.runId);
      expect(down.startedAt!).toBeGreaterThanOrEqual(up.endedAt!);
      // The run key is used once: later ticks skip.
      await withStorage(p.home, async (s) => expect(await s.listRuns({ tags: { "strata/sensor": "mart_sensor" } })).toHaveLength(1));
    } finally {
      daemon.child.kill("SIGINT");
      const r = await daemon.done;
      expect(r.code, r.output).toBe(0);
    }
  }, 150_000);
});
