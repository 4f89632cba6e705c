/** The run monitor leaves runs the daemon dequeued (STARTING, no worker yet) to the daemon. */
import { hostname } from "node:os";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DAEMON_LAUNCH_TAG, reapDeadRuns, STALE_AFTER_MS } from "@strata/engine";
import { openInMemoryStorage, type Storage } from "@strata/storage";
import type { RunRecord } from "@strata/core";

const run = (id: string, tags: Record<string, string>, createdAt: number, updatedAt = createdAt): RunRecord => ({
  runId: id, status: "STARTING", selection: "a", assetKeys: ["a"], checkKeys: [], tags, location: "l", createdAt, updatedAt, config: {},
});

describe("reapDeadRuns and the daemon's queue", () => {
  let s: Storage;
  beforeEach(async () => {
    s = await openInMemoryStorage();
  });
  afterEach(() => s.close());

  it("does not fail a dequeued run without a worker, unless asked to", async () => {
    const now = Date.now();
    await s.createRun(run("daemon", { [DAEMON_LAUNCH_TAG]: "daemon" }, now - 10 * STALE_AFTER_MS));
    await s.createRun(run("other", {}, now - 10 * STALE_AFTER_MS));
    expect((await reapDeadRuns(s, { host: hostname(), now })).map((r) => r.runId)).toEqual(["other"]);
    expect((await s.getRun("daemon"))!.status).toBe("STARTING");
    expect((await reapDeadRuns(s, { host: hostname(), now, includeDaemonStarting: true })).map((r) => r.runId)).toEqual(["daemon"]);
  });

  it("counts a STARTING run's age from when it was dequeued, not created", async () => {
    const now = Date.now();
    await s.createRun(run("queued-long", {}, now - 10 * STALE_AFTER_MS, now - 1000));
    expect(await reapDeadRuns(s, { host: hostname(), now })).toEqual([]);
  });
});
