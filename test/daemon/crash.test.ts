/**
 * Crash safety of the daemon with real processes: `strata daemon` is SIGKILLed (via
 * STRATA_DAEMON_CRASH_AT) at each stage of a schedule tick, of a dequeue and of a freshness
 * change, then restarted; after it: no run executed twice, no requested run lost, tick history
 * consistent, no freshness change recorded twice.
 */
import { afterEach, describe, expect, it } from "vitest";
import { makeProject, waitUntil, type TempProject } from "../helpers/run-cli.ts";
import { CONFIG, PACKAGE_JSON, executions, withStorage } from "./fixture.ts";

const FAST = { STRATA_DAEMON_INTERVAL_MS: "200" };
let project: TempProject | undefined;
afterEach(() => {
  project?.cleanup();
  project = undefined;
});

/** Puts the schedule's cursor just before its latest minutely tick, so the first pass launches that tick. */
async function armSchedule(p: TempProject): Promise<number> {
  // Close to a minute boundary the next tick could overtake the armed one: wait it out.
  const toNext = 60_000 - (Date.now() % 60_000);
  if (toNext < 8_000) await new Promise((r) => setTimeout(r, toNext + 100));
  const tick = Math.floor(Date.now() / 60_000) * 60_000;
  await withStorage(p.home, (s) => s.setValue("instigator/every_minute/state", JSON.stringify({ lastTickTime: tick - 1000 })));
  return tick;
}

async function crashThenRecover(p: TempProject, stage: string, until: () => Promise<boolean>): Promise<void> {
  const crashed = p.start(["daemon"], { env: { ...FAST, STRATA_DAEMON_CRASH_AT: stage } });
  const r = await crashed.done;
  expect(r.signal, r.output).toBe("SIGKILL");
  expect(r.output).toContain(`STRATA_DAEMON_CRASH_AT=${stage}`);
  const daemon = p.start(["daemon"], { env: FAST });
  try {
    await waitUntil(until, 40_000, 200);
  } finally {
    daemon.child.kill("SIGINT");
    await daemon.done;
  }
}

describe("schedule tick crash safety", () => {
  for (const stage of ["schedule:tick_created", "schedule:runs_created", "schedule:tick_done", "schedule:cursor_saved", "queue:dequeued", "queue:launched"]) {
    it(`recovers from a crash at ${stage}`, async () => {
      project = makeProject({ "package.json": PACKAGE_JSON, "strata.config.ts": CONFIG }, { name: "daemon-crash" });
      const p = project;
      await p.run(["runs"]); // creates the instance
      const tick = await armSchedule(p);
      const runKey = `schedule:every_minute:${tick}`;
      await crashThenRecover(p, stage, () =>
        withStorage(p.home, async (s) => {
          const runs = await s.listRuns({ tags: { "strata/run_key": runKey } });
          return runs.length === 1 && runs[0]!.status === "SUCCESS";
        }),
      );
      await withStorage(p.home, async (s) => {
        const runs = await s.listRuns({ tags: { "strata/schedule": "every_minute" } });
        // One run per scheduled tick (a minute boundary during the test may add the next tick).
        const keys = runs.map((r) => r.tags["strata/run_key"]);
        expect(new Set(keys).size).toBe(keys.length);
        expect(keys).toContain(runKey);
        const ticks = await s.listTicks({ instigatorName: "every_minute" });
        const t = ticks.find((x) => x.tickId === runKey)!;
        expect(t).toMatchObject({ status: "SUCCESS", scheduledAt: tick, runKeys: [runKey] });
        expect(t.runIds).toEqual([runs.find((r) => r.tags["strata/run_key"] === runKey)!.runId]);
        expect(ticks.filter((x) => x.status === "STARTED")).toEqual([]);
        const state = JSON.parse((await s.getValue("instigator/every_minute/state"))!) as { lastTickTime: number };
        expect(state.lastTickTime).toBeGreaterThanOrEqual(tick);
      });
      // No run executed twice: every execution is a distinct run.
      const ex = executions(p.dir);
      expect(new Set(ex).size).toBe(ex.length);
      expect(ex.length).toBeGreaterThanOrEqual(1);
    }, 90_000);
  }
});

describe("freshness crash safety", () => {
  it("records each freshness change once across a crash right after storing it", async () => {
    project = makeProject({ "package.json": PACKAGE_JSON, "strata.config.ts": CONFIG }, { name: "daemon-fresh" });
    const p = project;
    expect((await p.run(["materialize", "--select", "fresh"])).code).toBe(0);
    await crashThenRecover(p, "freshness:event_stored", () =>
      withStorage(p.home, async (s) => (await s.getEvents("", { types: ["ASSET_FRESHNESS_CHANGED"] })).some((e) => e.data?.to === "fail")),
    );
    await withStorage(p.home, async (s) => {
      const changes = (await s.getEvents("", { types: ["ASSET_FRESHNESS_CHANGED"] })).map((e) => `${String(e.data?.from)}→${String(e.data?.to)}`);
      expect(changes).toEqual(["unknown→fresh", "fresh→fail"]);
      const kv = JSON.parse((await s.getValue("daemon/freshness"))!) as Record<string, { state: string }>;
      expect(kv.fresh?.state).toBe("fail");
    });
  }, 90_000);
});
