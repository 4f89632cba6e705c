import { describe, expect, it } from "vitest";
import { buildSnapshot } from "../build-snapshot.ts";
import { defineDefinitions, mergeDefinitions, type DefinitionsInput } from "../definitions.ts";
import { type StrataError } from "../errors.ts";
import { AssetGraph } from "../graph.ts";
import { dailyPartitions, staticPartitions } from "../partitions/index.ts";
import { schedule, scheduleTickPlan, latestPartitionForTick, runSchedulePartitionFunction, MAX_TICKS_PER_PLAN, type ScheduleSnapshot } from "./schedule.ts";
import { sensor } from "./sensor.ts";
import { node } from "./test-fixtures.ts";

const Z = (s: string) => Date.parse(s);
const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
const err = (fn: () => unknown): StrataError => {
  try {
    fn();
  } catch (e) {
    return e as StrataError;
  }
  throw new Error("did not throw");
};

const orders = node("raw/orders");
const totals = node("mart/totals", ["raw/orders"], { group: "marts" });
const build = (extra: DefinitionsInput) => buildSnapshot(defineDefinitions({ assets: [orders, totals], ...extra }), { location: "t", root: "/" });

describe("schedule()", () => {
  it("is a frozen definition with defaults", () => {
    const s = schedule({ name: "nightly", cron: "@daily", target: "group:marts" });
    expect(s).toMatchObject({ kind: "schedule", name: "nightly", cron: "0 0 * * *", timezone: "UTC", defaultStatus: "STOPPED", catchUp: { kind: "latest" }, tags: {} });
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.target)).toBe(true);
    expect(s.codeRef?.file).toMatch(/schedule\.test\.ts$/);
  });

  it("rejects bad input at definition time with file:line", () => {
    const e = err(() => schedule({ name: "s", cron: "0 0 * * 8", target: "*" }));
    expect(e.code).toBe("DEFS_INVALID");
    expect(e.message).toMatch(/Schedule "s": Invalid cron schedule "0 0 \* \* 8": day of week 8 is outside 0-7/);
    expect(e.where).toMatch(/schedule\.test\.ts:\d+$/);
    expect(err(() => schedule({ name: "s", cron: "0 0 * * *", timezone: "America/Springfield", target: "*" })).message).toMatch(/Unknown time zone "America\/Springfield"/);
    expect(err(() => schedule({ name: "bad name", cron: "0 0 * * *", target: "*" })).message).toMatch(/name "bad name" is invalid/);
    expect(err(() => schedule({ name: "s", cron: "0 0 * * *", target: "a and (" })).code).toBe("SELECTION_SYNTAX");
    expect(err(() => schedule({ name: "s", cron: "0 0 * * *", target: [] })).message).toMatch(/needs a target/);
    expect(err(() => schedule({ name: "s", cron: "0 0 * * *", target: "*", catchUp: { max: 0 } })).message).toMatch(/Invalid catchUp/);
    expect(err(() => schedule({ name: "s", cron: "0 0 * * *", target: "*", defaultStatus: "ON" as "RUNNING" })).message).toMatch(/defaultStatus/);
    expect(err(() => schedule({ name: "s", cron: "0 0 * * *", target: "*", runConfig: { n: 1n } as unknown as Record<string, unknown> })).message).toMatch(/runConfig must be a JSON object/);
  });

  it("snapshots with the target resolved at load; mergeDefinitions keeps schedules and sensors", () => {
    const s = schedule({ name: "nightly", cron: "0 2 * * *", timezone: "Europe/Berlin", target: [totals, "raw/orders"], runConfig: { full: true }, tags: { team: "data" }, catchUp: { max: 3 } });
    const snap = build({ schedules: [s] });
    const ss = snap.schedules![0]!;
    expect(ss).toMatchObject({
      name: "nightly",
      cron: "0 2 * * *",
      timezone: "Europe/Berlin",
      target: { selection: '"mart/totals" or "raw/orders"', keys: ["mart/totals", "raw/orders"] },
      assetKeys: ["mart/totals", "raw/orders"],
      runConfig: { full: true },
      tags: { team: "data" },
      defaultStatus: "STOPPED",
      catchUp: { kind: "max", max: 3 },
    });
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    const merged = mergeDefinitions(defineDefinitions({ assets: [orders], schedules: [s] }), defineDefinitions({ assets: [totals], sensors: [sensor({ name: "x" }, () => undefined)] }));
    expect(merged.schedules.map((x) => x.name)).toEqual(["nightly"]);
    expect(merged.sensors.map((x) => x.name)).toEqual(["x"]);
    expect(() => defineDefinitions({ schedules: [{} as never] })).toThrow(/schedules\[0\] is not a schedule/);
  });

  it("fails at load when the target matches nothing or names an unknown asset", () => {
    const e1 = err(() => build({ schedules: [schedule({ name: "s", cron: "0 0 * * *", target: "group:nope" })] }));
    expect(e1.code).toBe("SELECTION_EMPTY");
    expect(e1.message).toMatch(/Schedule "s" target: selection "group:nope" matches no asset/);
    expect(e1.where).toMatch(/schedule\.test\.ts:\d+$/);
    const e2 = err(() => build({ schedules: [schedule({ name: "s", cron: "0 0 * * *", target: ["mart/totalz"] })] }));
    expect(e2.code).toBe("DEFS_UNKNOWN_DEP");
    expect(e2.hint).toBe('Did you mean "mart/totals"?');
    const e3 = err(() => build({ schedules: [schedule({ name: "s", cron: "0 0 * * *", target: "raw/orderz+" })] }));
    expect(e3.message).toMatch(/unknown asset "raw\/orderz"/);
  });

  it("rejects duplicate names across schedules and sensors", () => {
    const a = schedule({ name: "dup", cron: "0 0 * * *", target: "*" });
    const b = sensor({ name: "dup" }, () => undefined);
    const e = err(() => build({ schedules: [a], sensors: [b] }));
    expect(e.code).toBe("DEFS_DUPLICATE_KEY");
    expect(e.message).toMatch(/Sensor "dup" is defined twice/);
    expect(err(() => build({ schedules: [a, a] })).code).toBe("DEFS_DUPLICATE_KEY");
  });

  it("partitions: \"latest\" needs one partitions definition and gives the last complete partition at the tick", () => {
    const days = dailyPartitions({ start: "2024-01-01", timezone: "Europe/Berlin" });
    const d1 = node("d1", [], { partitions: days });
    const d2 = node("d2", ["d1"], { partitions: days });
    const st = node("st", [], { partitions: staticPartitions(["a"]) });
    const defs = defineDefinitions({ assets: [d1, d2, st], schedules: [schedule({ name: "s", cron: "0 1 * * *", timezone: "Europe/Berlin", target: ["d1", "d2"], partitions: "latest" })] });
    const snap = buildSnapshot(defs, { location: "t", root: "/" });
    expect(snap.schedules![0]!.partitions).toBe("latest");
    const g = AssetGraph.fromSnapshot(snap);
    expect(latestPartitionForTick(snap.schedules![0]!, g, Z("2024-03-10T00:00Z"))).toBe("2024-03-09");
    const bad = defineDefinitions({ assets: [d1, st], schedules: [schedule({ name: "s", cron: "0 1 * * *", target: ["d1", "st"], partitions: "latest" })] });
    expect(() => buildSnapshot(bad, { location: "t", root: "/" })).toThrow(/do not share one partitions definition/);
    const fnSched = schedule({ name: "f", cron: "0 1 * * *", target: ["d1"], partitions: (t) => t.scheduledAt.toISOString().slice(0, 10) });
    expect(buildSnapshot(defineDefinitions({ assets: [d1], schedules: [fnSched] }), { location: "t", root: "/" }).schedules![0]!.partitions).toBe("function");
  });
});

describe("scheduleTickPlan", () => {
  const snap = (catchUp?: ScheduleSnapshot["catchUp"]) => ({ name: "daily", cron: "0 6 * * *", timezone: "UTC", ...(catchUp ? { catchUp } : {}) });
  const last = Z("2024-01-01T06:00Z");
  const now = Z("2024-01-04T07:00Z"); // ticks missed: Jan 2, 3, 4 at 06:00

  it("launches only the latest missed tick by default, identified by its scheduled time", () => {
    const p = scheduleTickPlan(snap(), last, now);
    expect(p.launch).toEqual([{ scheduledAt: Z("2024-01-04T06:00Z"), tickId: "daily@2024-01-04T06:00:00.000Z" }]);
    expect(p.skipped).toEqual({ count: 2, first: Z("2024-01-02T06:00Z"), last: Z("2024-01-03T06:00Z") });
    expect(iso(p.cursor)).toBe("2024-01-04T06:00:00.000Z");
    expect(iso(p.nextTickAt)).toBe("2024-01-05T06:00:00.000Z");
    // Planning again from the stored cursor launches nothing: each tick launches once.
    expect(scheduleTickPlan(snap(), p.cursor, now + 1000).launch).toEqual([]);
  });

  it("catchUp all / max", () => {
    expect(scheduleTickPlan(snap({ kind: "all" }), last, now).launch.map((t) => iso(t.scheduledAt))).toEqual([
      "2024-01-02T06:00:00.000Z",
      "2024-01-03T06:00:00.000Z",
      "2024-01-04T06:00:00.000Z",
    ]);
    const m = scheduleTickPlan(snap({ kind: "max", max: 2 }), last, now);
    expect(m.launch.map((t) => iso(t.scheduledAt))).toEqual(["2024-01-03T06:00:00.000Z", "2024-01-04T06:00:00.000Z"]);
    expect(m.skipped.count).toBe(1);
  });

  it("catchUp all continues in batches without losing ticks", () => {
    const s = { name: "m", cron: "* * * * *", timezone: "UTC", catchUp: { kind: "all" as const } };
    const from = Z("2024-01-01T00:00Z");
    const to = from + 1500 * 60_000;
    const p1 = scheduleTickPlan(s, from, to);
    expect(p1.launch).toHaveLength(MAX_TICKS_PER_PLAN);
    expect(p1.nextTickAt).toBe(to);
    const p2 = scheduleTickPlan(s, p1.cursor, to);
    expect(p2.launch).toHaveLength(500);
    expect(p2.launch[0]!.scheduledAt).toBe(p1.launch.at(-1)!.scheduledAt + 60_000);
    expect(p2.cursor).toBe(to);
  });

  it("a schedule without ticks yet launches nothing; nothing passed → nothing", () => {
    expect(scheduleTickPlan(snap(), undefined, now)).toMatchObject({ launch: [], cursor: now });
    expect(scheduleTickPlan(snap(), Z("2024-01-04T06:00Z"), now)).toMatchObject({ launch: [], skipped: { count: 0 } });
  });

  it("follows DST: a 02:30 New York schedule ticks at 03:00 EDT on the spring-forward day", () => {
    const s = { name: "ny", cron: "30 2 * * *", timezone: "America/New_York", catchUp: { kind: "all" as const } };
    const p = scheduleTickPlan(s, Z("2024-03-09T08:00Z"), Z("2024-03-11T12:00Z"));
    expect(p.launch.map((t) => t.tickId)).toEqual(["ny@2024-03-10T07:00:00.000Z", "ny@2024-03-11T06:30:00.000Z"]);
    const fall = scheduleTickPlan({ ...s, cron: "30 1 * * *" }, Z("2024-11-02T12:00Z"), Z("2024-11-03T12:00Z"));
    expect(fall.launch.map((t) => t.tickId)).toEqual(["ny@2024-11-03T06:30:00.000Z"]);
  });
});

describe("runSchedulePartitionFunction", () => {
  const at = Z("2024-03-10T01:00:00Z");
  const withFn = (partitions: unknown) => schedule({ name: "s", cron: "0 1 * * *", target: ["a"], partitions: partitions as never });

  it("passes the tick and returns the key(s), deduplicated", async () => {
    expect(await runSchedulePartitionFunction(withFn(({ scheduledAt, scheduleName }: { scheduledAt: Date; scheduleName: string }) => `${scheduleName}:${scheduledAt.toISOString()}`), at)).toEqual([
      "s:2024-03-10T01:00:00.000Z",
    ]);
    expect(await runSchedulePartitionFunction(withFn(async () => ["x", "y", "x"]), at)).toEqual(["x", "y"]);
  });

  it("turns a throw or garbage into a clear USER_CODE error", async () => {
    await expect(runSchedulePartitionFunction(withFn(() => { throw new Error("nope"); }), at)).rejects.toMatchObject({ code: "USER_CODE", message: 'Schedule "s" partition function threw: nope' });
    for (const [v, why] of [[42, "the value is number"], [[], "an empty array"], [[""], '"" is not a partition key'], [null, "the value is null"]] as const) {
      await expect(runSchedulePartitionFunction(withFn(() => v), at)).rejects.toMatchObject({ code: "USER_CODE", message: `Schedule "s" partition function returned an invalid result: ${why}` });
    }
    await expect(runSchedulePartitionFunction(withFn("latest"), at)).rejects.toMatchObject({ code: "USAGE" });
  });
});
