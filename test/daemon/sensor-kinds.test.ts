/**
 * Asset, run-status and dynamic-partition sensors under a real `strata daemon` (temp project,
 * real code-location process, real SQLite instance): each fires once per event, and the
 * cursors survive a daemon restart.
 */
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeProject, waitUntil, type CliProcess, type TempProject } from "../helpers/run-cli.ts";
import { PACKAGE_JSON, withStorage } from "./fixture.ts";

const FAST = { STRATA_DAEMON_INTERVAL_MS: "200" };

const CONFIG = `import { appendFileSync } from "node:fs";
import { asset, assetSensor, defineDefinitions, dynamicPartitions, runStatusSensor, sensor } from "strata";

const customers = dynamicPartitions("customers");
export const src = asset({ key: "src" }, () => 1);
export const derived = asset({ key: "derived" }, (ctx) => {
  appendFileSync("derived.log", ctx.runId + "\\n");
  return 2;
});
export const boom = asset({ key: "boom" }, () => {
  throw new Error("boom on purpose");
});
export const perCustomer = asset({ key: "per_customer", partitions: customers }, (ctx) => {
  appendFileSync("customers.log", ctx.partitionKey + "\\n");
  return ctx.partitionKey;
});

export default defineDefinitions({
  assets: [src, derived, boom, perCustomer],
  sensors: [
    assetSensor({ name: "on_src", assets: [src], target: [derived], intervalSeconds: 1, defaultStatus: "RUNNING" }, (_ctx, mats) => {
      for (const m of mats) appendFileSync("asset-sensor.log", m.runId + "\\n");
      return { runRequests: [{ runKey: "src-" + mats.at(-1).eventId }] };
    }),
    runStatusSensor({ name: "on_failure", status: "FAILURE", intervalSeconds: 1, defaultStatus: "RUNNING" }, (_ctx, run) => {
      appendFileSync("failures.log", run.runId + "\\n");
      return { runRequests: [{ assetKeys: ["derived"], tags: { failed_run: run.runId } }] };
    }),
    sensor({ name: "new_customers", target: [perCustomer], intervalSeconds: 1, defaultStatus: "RUNNING" }, (ctx) => {
      if (ctx.cursor === "done") return { skipReason: "nothing new" };
      const keys = ["acme", "globex"];
      return {
        dynamicPartitions: [{ name: "customers", add: keys }],
        runRequests: keys.map((k) => ({ runKey: k, partitionKey: k })),
        cursor: "done",
      };
    }),
  ],
});
`;

const lines = (p: TempProject, file: string): string[] => {
  const path = join(p.dir, file);
  return existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean) : [];
};

let project: TempProject | undefined;
let daemon: CliProcess | undefined;
afterEach(async () => {
  if (daemon) {
    daemon.child.kill("SIGINT");
    await daemon.done.catch(() => undefined);
    daemon = undefined;
  }
  project?.cleanup();
  project = undefined;
});

async function stopDaemon(): Promise<void> {
  const d = daemon!;
  daemon = undefined;
  d.child.kill("SIGINT");
  const r = await d.done;
  expect(r.code, r.output).toBe(0);
}

function startDaemon(p: TempProject): CliProcess {
  daemon = p.start(["daemon"], { env: FAST, timeoutMs: 240_000 });
  return daemon;
}

/** Waits until the sensor has recorded `n` ticks (so it has evaluated with the current state). */
async function ticked(p: TempProject, name: string, n = 1): Promise<void> {
  const before = await withStorage(p.home, async (s) => (await s.listTicks({ instigatorName: name })).length);
  try {
    await waitUntil(() => withStorage(p.home, async (s) => (await s.listTicks({ instigatorName: name })).length >= before + n), 60_000, 200);
  } catch (err) {
    throw new Error(`${(err as Error).message}: ${name} did not tick ${n} more time(s)\ndaemon output:\n${daemon?.stdout() ?? ""}${daemon?.stderr() ?? ""}`);
  }
}

describe("sensor kinds under a real daemon", () => {
  it("an asset sensor fires once per new materialisation, and not again after a restart", async () => {
    project = makeProject({ "package.json": PACKAGE_JSON, "strata.config.ts": CONFIG }, { name: "daemon-asset-sensor" });
    const p = project;
    expect((await p.run(["materialize", "--select", "src"])).code).toBe(0);
    startDaemon(p);
    // First evaluation reacts to the latest materialisation only.
    await waitUntil(() => lines(p, "asset-sensor.log").length >= 1, 60_000, 200);
    const first = (await p.run(["materialize", "--select", "src"]));
    expect(first.code, first.output).toBe(0);
    await waitUntil(() => lines(p, "asset-sensor.log").length >= 2, 60_000, 200);
    await waitUntil(() => withStorage(p.home, async (s) => (await s.listRuns({ tags: { "strata/sensor": "on_src" }, statuses: ["SUCCESS"] })).length === 2), 60_000, 200);
    await ticked(p, "on_src", 2);
    await stopDaemon();

    // Restart: the persisted cursor means no re-fire for already-seen materialisations.
    startDaemon(p);
    await ticked(p, "on_src", 3);
    expect(lines(p, "asset-sensor.log")).toHaveLength(2);
    expect((await p.run(["materialize", "--select", "src"])).code).toBe(0);
    await waitUntil(() => lines(p, "asset-sensor.log").length >= 3, 60_000, 200);
    await waitUntil(() => withStorage(p.home, async (s) => (await s.listRuns({ tags: { "strata/sensor": "on_src" }, statuses: ["SUCCESS"] })).length === 3), 60_000, 200);
    await ticked(p, "on_src", 3);
    await stopDaemon();

    const seen = lines(p, "asset-sensor.log");
    expect(new Set(seen).size).toBe(3);
    await withStorage(p.home, async (s) => {
      const srcRuns = (await s.listRuns({})).filter((r) => r.assetKeys.includes("src")).map((r) => r.runId);
      expect(new Set(seen)).toEqual(new Set(srcRuns));
      const sensorRuns = await s.listRuns({ tags: { "strata/sensor": "on_src" } });
      expect(sensorRuns).toHaveLength(3);
      expect(sensorRuns.every((r) => r.assetKeys.join() === "derived")).toBe(true);
    });
    expect(lines(p, "derived.log")).toHaveLength(3);
  }, 240_000);

  it("a run-status sensor fires exactly once per failed run", async () => {
    project = makeProject({ "package.json": PACKAGE_JSON, "strata.config.ts": CONFIG }, { name: "daemon-run-status" });
    const p = project;
    await p.run(["runs"]);
    startDaemon(p);
    // The first evaluation starts watching from the current end of the event log.
    await ticked(p, "on_failure", 1);
    const failed = await p.run(["materialize", "--select", "boom"]);
    expect(failed.code).not.toBe(0);
    expect((await p.run(["materialize", "--select", "src"])).code).toBe(0); // a success is ignored
    await waitUntil(() => lines(p, "failures.log").length >= 1, 60_000, 200);
    await ticked(p, "on_failure", 3);
    await stopDaemon();
    startDaemon(p);
    await ticked(p, "on_failure", 3);
    await withStorage(p.home, async (s) => {
      const [boomRun] = (await s.listRuns({ statuses: ["FAILURE"] })).filter((r) => r.assetKeys.includes("boom"));
      expect(boomRun).toBeDefined();
      expect(lines(p, "failures.log")).toEqual([boomRun!.runId]);
      const requested = await s.listRuns({ tags: { "strata/sensor": "on_failure" } });
      expect(requested).toHaveLength(1);
      expect(requested[0]!.tags.failed_run).toBe(boomRun!.runId);
      await waitUntil(async () => (await s.getRun(requested[0]!.runId))!.status === "SUCCESS", 60_000, 200);
    });
    await stopDaemon();

    // Rewind the cursor to before the failure (as a crash before the tick was stored would):
    // the sensor sees the failed run again, but its request has a default run key per run.
    await withStorage(p.home, async (s) => {
      const [oldest] = (await s.listTicks({ instigatorName: "on_failure" })).slice(-1);
      expect(oldest!.skipReason).toBe("started watching runs");
      await s.setValue("instigator/on_failure/state", JSON.stringify({ cursor: oldest!.cursor, lastTickAt: Date.now() }));
    });
    startDaemon(p);
    await waitUntil(() => lines(p, "failures.log").length >= 2, 60_000, 200);
    await ticked(p, "on_failure", 2);
    await withStorage(p.home, async (s) => {
      expect(await s.listRuns({ tags: { "strata/sensor": "on_failure" } })).toHaveLength(1);
      const replayed = (await s.listTicks({ instigatorName: "on_failure" })).find((t) => /already used: run:/.test(t.skipReason ?? ""));
      expect(replayed).toBeDefined();
    });
  }, 240_000);

  it("a sensor adds dynamic partitions and launches runs for the new keys", async () => {
    project = makeProject({ "package.json": PACKAGE_JSON, "strata.config.ts": CONFIG }, { name: "daemon-dynamic" });
    const p = project;
    await p.run(["runs"]);
    startDaemon(p);
    await waitUntil(
      () => withStorage(p.home, async (s) => (await s.listRuns({ tags: { "strata/sensor": "new_customers" }, statuses: ["SUCCESS"] })).length === 2),
      60_000,
      200,
    );
    await ticked(p, "new_customers", 2);
    await withStorage(p.home, async (s) => {
      expect([...(await s.getDynamicPartitions("customers"))].sort()).toEqual(["acme", "globex"]);
      const runs = await s.listRuns({ tags: { "strata/sensor": "new_customers" } });
      expect(runs.map((r) => r.partitionKey).sort()).toEqual(["acme", "globex"]);
      expect(runs.every((r) => r.assetKeys.join() === "per_customer")).toBe(true);
      const [latest] = await s.listTicks({ instigatorName: "new_customers", limit: 1 });
      expect(latest!.status).toBe("SKIPPED");
    });
    expect(lines(p, "customers.log").sort()).toEqual(["acme", "globex"]);
  }, 240_000);
});
