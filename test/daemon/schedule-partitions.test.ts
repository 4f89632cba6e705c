/**
 * Schedules whose `partitions` is a function: the function is user code, evaluated in the code
 * location (never in the daemon) for each tick. Its key(s) are stored in the tick's intent
 * before any run exists, so a tick resumed after a crash runs the keys planned the first time.
 * A function that throws, returns garbage or hangs gives a FAILURE tick with a clear message.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProcessLocation, schedulesTick, type DaemonContext } from "@strata/daemon";
import { openSqliteStorage, type Storage } from "@strata/storage";
import { makeProject } from "../helpers/run-cli.ts";

const CONFIG = `import { appendFileSync, readFileSync, existsSync } from "node:fs";
import { asset, dailyPartitions, defineDefinitions, schedule } from "strata";

export const daily = asset({ key: "daily", partitions: dailyPartitions({ start: "2024-01-01" }) }, () => 1);
const day = (d) => d.toISOString().slice(0, 10);
const every = { cron: "0 1 * * *", target: [daily], defaultStatus: "RUNNING" };

export default defineDefinitions({
  assets: [daily],
  schedules: [
    schedule({ ...every, name: "yesterday", partitions: ({ scheduledAt }) => day(new Date(scheduledAt.getTime() - 86_400_000)) }),
    schedule({ ...every, name: "two_days", partitions: async ({ scheduledAt }) => [1, 2].map((n) => day(new Date(scheduledAt.getTime() - n * 86_400_000))) }),
    // Returns a different key on every call (counted in calls.log): a resumed tick must not call it again.
    schedule({ ...every, name: "counting", partitions: ({ scheduleName }) => {
      appendFileSync("calls.log", scheduleName + "\\n");
      const n = readFileSync("calls.log", "utf8").split("\\n").filter(Boolean).length;
      return "2024-01-0" + n;
    } }),
    schedule({ ...every, name: "throws", partitions: () => { throw new Error("no partition for you"); } }),
    schedule({ ...every, name: "garbage", partitions: () => 42 }),
    schedule({ ...every, name: "hangs", partitions: () => { for (;;) {} } }),
  ],
});
`;

const DAY = 86_400_000;

describe("schedules with a partition function", () => {
  const p = makeProject({ "strata.config.ts": CONFIG }, { name: "daemon-schedule-fn" });
  let storage: Storage;
  let location: ProcessLocation;
  // The latest 01:00 UTC tick.
  const tick = Math.floor((Date.now() - 3_600_000) / DAY) * DAY + 3_600_000;
  const ctxOf = (s: Storage): DaemonContext => ({
    storage: s,
    instanceDir: p.home,
    location,
    launcher: { launch: async () => undefined },
    now: () => Date.now(),
    log: () => undefined,
  });
  const arm = (s: Storage, name: string) => s.setValue(`instigator/${name}/state`, JSON.stringify({ lastTickTime: tick - 1000 }));

  beforeAll(async () => {
    await p.run(["runs"]); // creates the instance
    storage = await openSqliteStorage(join(p.home, "strata.db"));
    location = await ProcessLocation.start({ root: p.dir, entry: join(p.dir, "strata.config.ts"), location: "fixture" }, p.home, () => undefined);
  }, 60_000);
  afterAll(async () => {
    location?.close();
    await storage?.close();
    p.cleanup();
  });

  it("runs the key(s) the function returns, or records a FAILURE tick saying why", async () => {
    for (const name of ["yesterday", "two_days", "throws", "garbage", "hangs"]) await arm(storage, name);
    await schedulesTick(ctxOf(storage), { timeoutMs: 1000 });
    const day = (n: number) => new Date(tick - n * DAY).toISOString().slice(0, 10);

    const [y] = await storage.listTicks({ instigatorName: "yesterday" });
    expect(y).toMatchObject({ status: "SUCCESS", scheduledAt: tick, runKeys: [`schedule:yesterday:${tick}`] });
    const yRuns = await storage.listRuns({ tags: { "strata/schedule": "yesterday" } });
    expect(yRuns.map((r) => r.partitionKey)).toEqual([day(1)]);

    const [two] = await storage.listTicks({ instigatorName: "two_days" });
    expect(two!.status).toBe("SUCCESS");
    expect(two!.runKeys).toEqual([`schedule:two_days:${tick}:${day(1)}`, `schedule:two_days:${tick}:${day(2)}`]);
    const twoRuns = await storage.listRuns({ tags: { "strata/schedule": "two_days" } });
    expect(twoRuns.map((r) => r.partitionKey).sort()).toEqual([day(2), day(1)]);

    const error = async (name: string) => (await storage.listTicks({ instigatorName: name }))[0];
    expect(await error("throws")).toMatchObject({ status: "FAILURE", scheduledAt: tick, runIds: [] });
    expect((await error("throws"))!.error).toMatch(/Schedule "throws" partition function threw: no partition for you/);
    expect((await error("garbage"))!.error).toMatch(/Schedule "garbage" partition function returned an invalid result: the value is number/);
    expect((await error("hangs"))!.error).toMatch(/partition function of schedule "hangs" did not finish within 1 s/);
    expect(await storage.listRuns({ tags: { "strata/schedule": "throws" } })).toEqual([]);

    // The hung process was replaced: the next evaluation works.
    expect(await location.evaluateSchedule({ name: "yesterday", scheduledAt: tick }, 5000)).toEqual([day(1)]);
  }, 60_000);

  it("a tick resumed after a crash runs the key planned before it, without calling the function again", async () => {
    await arm(storage, "counting");
    // A crash right after the tick (with its key) was written: creating the run fails hard.
    const crashing = new Proxy(storage, {
      get(target, prop, receiver) {
        if (prop === "createRunWithKey") return () => Promise.reject(new Error("simulated crash"));
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    await expect(schedulesTick(ctxOf(crashing), { timeoutMs: 5000 })).rejects.toThrow(/simulated crash/);
    const [started] = await storage.listTicks({ instigatorName: "counting" });
    expect(started).toMatchObject({ status: "STARTED", runKeys: [`schedule:counting:${tick}`] });
    expect((started!.data as { runs: { partitionKey: string }[] }).runs[0]!.partitionKey).toBe("2024-01-01");

    // Restart: the stored intent is completed, the cursor (not saved) replans nothing new.
    await schedulesTick(ctxOf(storage), { timeoutMs: 5000 });
    const runs = await storage.listRuns({ tags: { "strata/schedule": "counting" } });
    expect(runs.map((r) => r.partitionKey)).toEqual(["2024-01-01"]);
    const ticks = await storage.listTicks({ instigatorName: "counting" });
    expect(ticks.map((t) => t.status)).toEqual(["SUCCESS"]);
    expect(readFileSync(join(p.dir, "calls.log"), "utf8").trim().split("\n")).toEqual(["counting"]);
    // Once more, with the cursor moved back: the tick is known, never planned twice.
    await arm(storage, "counting");
    await schedulesTick(ctxOf(storage), { timeoutMs: 5000 });
    expect(await storage.listRuns({ tags: { "strata/schedule": "counting" } })).toHaveLength(1);
    expect(readFileSync(join(p.dir, "calls.log"), "utf8").trim().split("\n")).toHaveLength(1);
  }, 60_000);
});
