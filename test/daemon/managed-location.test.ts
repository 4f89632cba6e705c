/**
 * The daemon over shared code locations (`strata dev`): sensors are evaluated in the location's
 * idle process, which is never handed a run while lent; a sensor that hangs gets that process
 * killed — never one running a run — and is evaluated alone from then on, while a run in flight
 * ends normally and other sensors keep working.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AssetGraph } from "@strata/core";
import { ManagedLocation } from "@strata/daemon";
import { createRun, LocationManager, WorkspaceLocations } from "@strata/engine";
import { openSqliteStorage, type Storage } from "@strata/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CONFIG = `import { appendFileSync, existsSync } from "node:fs";
import { asset, defineDefinitions, sensor } from "strata";
export const slow = asset({ key: "slow" }, async () => {
  appendFileSync("runs.log", process.pid + "\\n");
  // Runs until the test lets it finish (or a minute passes).
  for (let i = 0; i < 600 && !existsSync("release"); i++) await new Promise((r) => setTimeout(r, 100));
  return 1;
});
export default defineDefinitions({
  assets: [slow],
  sensors: [
    sensor({ name: "hangs", intervalSeconds: 1, target: [slow] }, () => { if (existsSync("hang")) for (;;) {} return { runRequests: [] }; }),
    sensor({ name: "pid", intervalSeconds: 1, target: [slow] }, () => ({ runRequests: [], cursor: String(process.pid) })),
  ],
});
`;

let dir: string;
let storage: Storage;
let manager: LocationManager;
let location: ManagedLocation;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "strata-managed-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "managed", private: true, type: "module" }));
  writeFileSync(join(dir, "strata.config.ts"), CONFIG);
  const instanceDir = join(dir, ".strata");
  mkdirSync(instanceDir);
  storage = await openSqliteStorage(join(instanceDir, "strata.db"));
  manager = new LocationManager({ root: dir, entry: join(dir, "strata.config.ts"), location: "managed" }, { instanceDir, onOutput: () => undefined, stopGraceMs: 1000 });
  await manager.start();
  location = new ManagedLocation(WorkspaceLocations.single(manager));
}, 60_000);

afterAll(async () => {
  location?.close();
  await manager?.close();
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

const pidOfSensor = async () => Number((await location.evaluateSensor({ name: "pid", now: Date.now() }, 10_000)).cursor);
const runPids = () => (existsSync(join(dir, "runs.log")) ? readFileSync(join(dir, "runs.log"), "utf8").trim().split("\n").map(Number) : []);

describe("ManagedLocation", () => {
  it("evaluates sensors in the location's idle process and never runs a run in it while lent", async () => {
    const warm = manager.state.pid!;
    expect(await pidOfSensor()).toBe(warm);
    writeFileSync(join(dir, "release"), "");
    const lent = await manager.acquireEvaluator();
    try {
      const { run } = await createRun(storage, AssetGraph.fromSnapshot(manager.state.snapshot!), { assetKeys: ["slow"] });
      expect(await manager.execute(run.runId)).toBe("SUCCESS");
      expect(runPids().at(-1)).not.toBe(lent.pid);
    } finally {
      manager.releaseEvaluator(lent);
    }
  }, 60_000);

  it("kills the process of a hung sensor, not a run's; the run ends, other sensors go on, the hung one is isolated", async () => {
    rmSync(join(dir, "release"));
    const { run } = await createRun(storage, AssetGraph.fromSnapshot(manager.state.snapshot!), { assetKeys: ["slow"] });
    const running = manager.execute(run.runId);
    expect(manager.state.activeRuns).toEqual([run.runId]);
    const evaluator = await pidOfSensor();
    writeFileSync(join(dir, "hang"), "");
    await expect(location.evaluateSensor({ name: "hangs", now: Date.now() }, 1000)).rejects.toThrow(/did not finish within 1 s/);
    // The run in flight was not in the killed process.
    expect(manager.state.activeRuns).toEqual([run.runId]);
    writeFileSync(join(dir, "release"), "");
    expect(await running).toBe("SUCCESS");
    expect(runPids().at(-1), "the run's process").not.toBe(evaluator);
    // Other sensors keep working, in a fresh process.
    const after = await pidOfSensor();
    expect(after, "the next evaluation's process").not.toBe(evaluator);
    // The hung sensor now runs alone: hanging again kills only its own process.
    await expect(location.evaluateSensor({ name: "hangs", now: Date.now() }, 1000)).rejects.toThrow(/did not finish within/);
    expect(await pidOfSensor()).toBe(after);
    rmSync(join(dir, "hang"));
    expect(await location.evaluateSensor({ name: "hangs", now: Date.now() }, 10_000)).toMatchObject({ runRequests: [] });
  }, 90_000);
});
