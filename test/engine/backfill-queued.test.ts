/**
 * Backfill runs through a daemon's run queue: with `queued` true, chunk runs are recorded
 * QUEUED (never launched by the backfill itself) and the queue starts them within its own
 * limits, while the backfill keeps at most `maxConcurrentRuns` of its chunks in flight.
 */
import { describe, expect, it } from "vitest";
import { asset, dailyPartitions } from "@strata/core";
import { createBackfill, executeRun, runBackfill } from "@strata/engine";
import { queueTick, type DaemonContext } from "@strata/daemon";
import type { RunRecord } from "@strata/core";
import { harnessPerTest, OverlapCounter, project, sleep } from "../helpers/engine.ts";

const h = harnessPerTest();

const days = dailyPartitions({ start: "2024-01-01", timezone: "UTC" });
const raw = asset({ key: "raw", partitions: days }, async (ctx) => {
  await sleep(30);
  return { day: ctx.partitionKey };
});

describe("backfill runs through the run queue", () => {
  it("records chunk runs QUEUED; the queue's limit applies to them, the backfill's cap to how many wait", async () => {
    const p = project({ assets: [raw] });
    const { backfill } = await createBackfill(h.storage, p.graph, { selection: "raw", partitions: { range: { start: "2024-01-01", end: "2024-01-06" } }, maxConcurrentRuns: 3 });
    const overlap = new OverlapCounter();
    const executions: Promise<unknown>[] = [];
    const ctx = {
      storage: h.storage,
      launcher: {
        launch: async (run: RunRecord) => {
          executions.push(overlap.around(() => executeRun({ defs: p.defs, graph: p.graph, run, storage: h.storage, instanceDir: h.dir, env: {} })));
        },
      },
      now: () => Date.now(),
      log: () => undefined,
    } as unknown as DaemonContext;
    let waitingMax = 0;
    let stop = false;
    // The daemon's queue loop, limited to one run at a time.
    const queue = (async () => {
      while (!stop) {
        const waiting = await h.storage.listRuns({ statuses: ["QUEUED", "STARTING", "STARTED"] });
        waitingMax = Math.max(waitingMax, waiting.length);
        await queueTick(ctx, { maxConcurrentRuns: 1 });
        await sleep(5);
      }
    })();
    const launched: string[] = [];
    const outcome = await runBackfill({
      storage: h.storage,
      graph: p.graph,
      backfillId: backfill.backfillId,
      launcher: { run: async (runId) => (launched.push(runId), "FAILURE") },
      queued: async () => true,
      // A regression (runs never queued, so never started) pauses the backfill instead of hanging the test.
      signal: AbortSignal.timeout(20_000),
      pollMs: 5,
    });
    stop = true;
    await queue;
    await Promise.all(executions);
    expect(outcome).toBe("COMPLETED");
    expect(launched).toEqual([]); // the backfill never started a run itself
    const runs = await h.storage.listRuns({ tags: { "strata/backfill": backfill.backfillId } });
    expect(runs.map((r) => r.status)).toEqual(Array(6).fill("SUCCESS"));
    expect(overlap.max).toBe(1); // the queue's max concurrent runs
    expect(waitingMax).toBeGreaterThan(1);
    expect(waitingMax).toBeLessThanOrEqual(3); // the backfill's own cap
  });

  it("launches chunk runs itself when no queue is live", async () => {
    const p = project({ assets: [raw] });
    const { backfill } = await createBackfill(h.storage, p.graph, { selection: "raw", partitions: { range: { start: "2024-01-01", end: "2024-01-02" } }, maxConcurrentRuns: 2 });
    const launched: string[] = [];
    const outcome = await runBackfill({
      storage: h.storage,
      graph: p.graph,
      backfillId: backfill.backfillId,
      launcher: {
        run: async (runId) => {
          launched.push(runId);
          const run = (await h.storage.getRun(runId))!;
          expect(run.status).toBe("NOT_STARTED");
          return executeRun({ defs: p.defs, graph: p.graph, run, storage: h.storage, instanceDir: h.dir, env: {} });
        },
      },
      queued: async () => false,
      pollMs: 5,
    });
    expect(outcome).toBe("COMPLETED");
    expect(launched).toHaveLength(2);
  });

  it("retries a run its launcher could not start once per poll, without starving timers", async () => {
    const p = project({ assets: [raw] });
    const { backfill } = await createBackfill(h.storage, p.graph, { selection: "raw", partitions: { range: { start: "2024-01-01", end: "2024-01-02" } }, maxConcurrentRuns: 2 });
    const ac = new AbortController();
    let calls = 0;
    const timer = setTimeout(() => ac.abort(), 300);
    const outcome = await runBackfill({
      storage: h.storage,
      graph: p.graph,
      backfillId: backfill.backfillId,
      // Settles at once without starting the run (the run stays NOT_STARTED). A loop woken in
      // the same turn would relaunch it endlessly: abort after 100 calls to end such a loop.
      launcher: {
        run: async () => {
          if (++calls > 100) ac.abort();
          return "FAILURE";
        },
      },
      signal: ac.signal,
      pollMs: 1000,
    });
    clearTimeout(timer);
    expect(outcome).toBe("PAUSED");
    expect(calls).toBe(2); // each run launched once in 300 ms (the next try is a poll later)
  });
});
