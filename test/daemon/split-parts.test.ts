/**
 * Runs split across code locations wait in the queue only for the parts they depend on: the
 * `strata/after_run` tag lists those parts' runs; an independent part starts at once, and a
 * part whose upstream part failed ends CANCELED naming it.
 */
import { describe, expect, it } from "vitest";
import { asset, type RunRecord } from "@strata/core";
import { upstreamParts } from "@strata/engine";
import { queueTick, type DaemonContext } from "@strata/daemon";
import { harnessPerTest, project } from "../helpers/engine.ts";

const h = harnessPerTest();

describe("parts of a run split across locations", () => {
  it("each part waits for the earlier parts upstream of it, not for independent ones", () => {
    const a = asset({ key: "a" }, () => 1);
    const b = asset({ key: "b" }, () => 1);
    const c = asset({ key: "c", deps: ["a", "b"] }, () => 1);
    const d = asset({ key: "d", deps: ["c"] }, () => 1);
    const { graph } = project({ assets: [a, b, c, d] });
    expect(upstreamParts(graph, [{ keys: ["a"] }, { keys: ["b"] }, { keys: ["c"] }, { keys: ["d"] }])).toEqual([[], [], [0, 1], [0, 1, 2]]);
    expect(upstreamParts(graph, [{ keys: ["a"] }, { keys: ["b"] }])).toEqual([[], []]);
  });

  it("the queue starts a part once every part it waits for succeeded, and cancels it when one did not", async () => {
    const now = Date.now();
    const run = (runId: string, status: RunRecord["status"], tags: Record<string, string> = {}): RunRecord => ({
      runId, status, selection: runId, assetKeys: [runId], checkKeys: [], tags, location: "x", createdAt: now, updatedAt: now, config: {},
    });
    for (const r of [run("up1", "SUCCESS"), run("up2", "STARTED"), run("up3", "FAILURE"), run("waits", "QUEUED", { "strata/after_run": "up1,up2" }), run("doomed", "QUEUED", { "strata/after_run": "up1,up3" }), run("free", "QUEUED")]) {
      await h.storage.createRun(r);
    }
    const launched: string[] = [];
    const ctx = { storage: h.storage, launcher: { launch: async (r: RunRecord) => void launched.push(r.runId) }, now: () => Date.now(), log: () => undefined } as unknown as DaemonContext;
    await queueTick(ctx, { maxConcurrentRuns: 10 });
    expect(launched).toEqual(["free"]);
    expect((await h.storage.getRun("waits"))!.status).toBe("QUEUED");
    expect((await h.storage.getRun("doomed"))!.status).toBe("CANCELED");
    const [canceled] = await h.storage.getEvents("doomed", { types: ["RUN_CANCELED"] });
    expect(canceled!.message).toMatch(/Not run: run up3 of the upstream code location ended FAILURE/);
    await h.storage.transitionRun("up2", "SUCCESS", { fromStatuses: ["STARTED"] });
    await queueTick(ctx, { maxConcurrentRuns: 10 });
    expect(launched).toEqual(["free", "waits"]);
  });
});
