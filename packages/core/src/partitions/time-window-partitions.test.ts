import { Cron } from "croner";
import { describe, expect, it } from "vitest";
import { isStrataError } from "../errors.ts";
import { dailyPartitions, hourlyPartitions, monthlyPartitions, timeWindowPartitions, weeklyPartitions } from "./time-window-partitions.ts";
import { getPartitionKeys, keyForTime, timeWindowForKey } from "./partitions-api.ts";
import type { TimeWindowPartitionsDefinition } from "./types.ts";

const H = 3_600_000;
const iso = (d: Date): string => d.toISOString();
const keysOn = (def: TimeWindowPartitionsDefinition, day: string, now: number): string[] => getPartitionKeys(def, { now }).filter((k) => k.startsWith(day));

function expectNoGapsOrDuplicates(def: TimeWindowPartitionsDefinition, now: number): void {
  const keys = getPartitionKeys(def, { now });
  expect(new Set(keys).size).toBe(keys.length);
  for (let i = 0; i + 1 < keys.length; i++) {
    const a = timeWindowForKey(def, keys[i]!, { now });
    const b = timeWindowForKey(def, keys[i + 1]!, { now });
    expect(a.end.getTime()).toBe(b.start.getTime());
  }
}

describe("hourly partitions across DST", () => {
  const now = Date.UTC(2024, 11, 1);

  it("America/New_York spring-forward 2024-03-10 has 23 hours, no 02:00", () => {
    const def = hourlyPartitions({ start: "2024-03-09", end: "2024-03-12", timezone: "America/New_York" });
    const day = keysOn(def, "2024-03-10", now);
    expect(day).toHaveLength(23);
    expect(day).not.toContain("2024-03-10-02:00");
    expect(day.slice(0, 3)).toEqual(["2024-03-10-00:00", "2024-03-10-01:00", "2024-03-10-03:00"]);
    expect(timeWindowForKey(def, "2024-03-10-01:00", { now })).toEqual({ start: new Date("2024-03-10T06:00:00Z"), end: new Date("2024-03-10T07:00:00Z") });
    expectNoGapsOrDuplicates(def, now);
  });

  it("America/New_York fall-back 2024-11-03 has 25 distinct keys; the repeated hour gets its offset (Dagster's format)", () => {
    const def = hourlyPartitions({ start: "2024-11-02", end: "2024-11-05", timezone: "America/New_York" });
    const day = keysOn(def, "2024-11-03", now);
    expect(day).toHaveLength(25);
    expect(day.slice(0, 4)).toEqual(["2024-11-03-00:00", "2024-11-03-01:00", "2024-11-03-01:00-0500", "2024-11-03-02:00"]);
    expect(iso(timeWindowForKey(def, "2024-11-03-01:00", { now }).start)).toBe("2024-11-03T05:00:00.000Z");
    expect(iso(timeWindowForKey(def, "2024-11-03-01:00-0500", { now }).start)).toBe("2024-11-03T06:00:00.000Z");
    expect(keyForTime(def, Date.parse("2024-11-03T06:30:00Z"))).toBe("2024-11-03-01:00-0500");
    expectNoGapsOrDuplicates(def, now);
  });

  it("Europe/Berlin spring-forward 2024-03-31 (no 02:00) and fall-back 2024-10-27 (02:00 twice)", () => {
    const def = hourlyPartitions({ start: "2024-03-30", timezone: "Europe/Berlin" });
    const spring = keysOn(def, "2024-03-31", now);
    expect(spring).toHaveLength(23);
    expect(spring).not.toContain("2024-03-31-02:00");
    const fall = keysOn(def, "2024-10-27", now);
    expect(fall).toHaveLength(25);
    expect(fall.slice(2, 5)).toEqual(["2024-10-27-02:00", "2024-10-27-02:00+0100", "2024-10-27-03:00"]);
    expectNoGapsOrDuplicates(def, Date.UTC(2024, 10, 1));
  });

  it("a format with an offset never needs the suffix", () => {
    const def = hourlyPartitions({ start: "2024-11-03", end: "2024-11-04", timezone: "America/New_York", fmt: "YYYY-MM-DDTHH:mmZ" });
    const keys = getPartitionKeys(def, { now });
    expect(keys.slice(1, 3)).toEqual(["2024-11-03T01:00-04:00", "2024-11-03T01:00-05:00"]);
  });
});

describe("daily partitions across DST", () => {
  const now = Date.UTC(2024, 11, 1);
  it.each([
    // now = 2024-12-01T00:00Z: still Nov 30 in New York (334 complete days), already Dec 1 in Berlin (335).
    ["America/New_York", "2024-03-10", 23, "2024-11-03", 25, 334],
    ["Europe/Berlin", "2024-03-31", 23, "2024-10-27", 25, 335],
  ])("%s: days are local midnights; %s lasts %i h, %s lasts %i h", (tz, spring, springH, fall, fallH, count) => {
    const def = dailyPartitions({ start: "2024-01-01", timezone: tz });
    const len = (k: string): number => {
      const w = timeWindowForKey(def, k, { now });
      return (w.end.getTime() - w.start.getTime()) / H;
    };
    expect(len(spring)).toBe(springH);
    expect(len(fall)).toBe(fallH);
    expect(len("2024-06-01")).toBe(24);
    expectNoGapsOrDuplicates(def, now);
    expect(getPartitionKeys(def, { now })).toHaveLength(count);
  });

  it("a daily schedule inside the skipped hour fires at the end of the gap; inside the repeated hour, at the later instance", () => {
    const def = dailyPartitions({ start: "2024-03-09", timezone: "America/New_York", hourOffset: 2, minuteOffset: 30 });
    expect(iso(timeWindowForKey(def, "2024-03-10", { now }).start)).toBe("2024-03-10T07:00:00.000Z"); // 03:00 EDT
    expect(iso(timeWindowForKey(def, "2024-03-11", { now }).start)).toBe("2024-03-11T06:30:00.000Z"); // 02:30 EDT
    const fb = dailyPartitions({ start: "2024-11-01", timezone: "America/New_York", hourOffset: 1, minuteOffset: 30 });
    expect(iso(timeWindowForKey(fb, "2024-11-03", { now }).start)).toBe("2024-11-03T06:30:00.000Z"); // 01:30 EST
  });
});

describe("offsets and endOffset", () => {
  const now = Date.parse("2024-01-10T12:00:00Z");

  it("endOffset 0 ends at the last complete window, 1 includes the open one, -1 drops one", () => {
    const keys = (endOffset: number): string[] => getPartitionKeys(dailyPartitions({ start: "2024-01-01", endOffset }), { now });
    expect(keys(0).at(-1)).toBe("2024-01-09");
    expect(keys(0)).toHaveLength(9);
    expect(keys(1).at(-1)).toBe("2024-01-10");
    expect(keys(2).at(-1)).toBe("2024-01-11");
    expect(keys(-1).at(-1)).toBe("2024-01-08");
  });

  it("end bounds the keys even with a positive endOffset", () => {
    const def = dailyPartitions({ start: "2024-01-01", end: "2024-01-10", endOffset: 3 });
    expect(getPartitionKeys(def, { now }).at(-1)).toBe("2024-01-09");
    expect(getPartitionKeys(def, { now: Date.parse("2024-01-05T01:00Z") }).at(-1)).toBe("2024-01-07");
  });

  it("hour and minute offsets move the window, not the key", () => {
    const def = dailyPartitions({ start: "2024-01-01", hourOffset: 6, minuteOffset: 15, timezone: "Europe/Berlin" });
    expect(getPartitionKeys(def, { now })[0]).toBe("2024-01-01");
    expect(timeWindowForKey(def, "2024-01-02", { now })).toEqual({ start: new Date("2024-01-02T05:15:00Z"), end: new Date("2024-01-03T05:15:00Z") });
    // 2024-01-10 06:15 Berlin has passed at 12:00Z, so the 9th's window is complete.
    expect(getPartitionKeys(def, { now }).at(-1)).toBe("2024-01-09");
    const hourly = hourlyPartitions({ start: "2024-01-01-00:00", minuteOffset: 30 });
    expect(getPartitionKeys(hourly, { now: Date.parse("2024-01-01T03:00Z") })).toEqual(["2024-01-01-00:30", "2024-01-01-01:30"]);
  });

  it("weekly day offsets (0 = Sunday default, 1 = Monday) and monthly day offsets", () => {
    const now2 = Date.parse("2024-03-01T00:00Z");
    expect(getPartitionKeys(weeklyPartitions({ start: "2024-01-01" }), { now: now2 }).slice(0, 2)).toEqual(["2024-01-07", "2024-01-14"]);
    expect(getPartitionKeys(weeklyPartitions({ start: "2024-01-01", dayOffset: 1 }), { now: now2 }).slice(0, 2)).toEqual(["2024-01-01", "2024-01-08"]);
    expect(getPartitionKeys(monthlyPartitions({ start: "2024-01-01" }), { now: now2 })).toEqual(["2024-01-01", "2024-02-01"]);
    expect(getPartitionKeys(monthlyPartitions({ start: "2024-01-01", dayOffset: 15 }), { now: now2 })).toEqual(["2024-01-15"]);
    const w = weeklyPartitions({ start: "2024-01-01", dayOffset: 1, timezone: "America/New_York" });
    expect(timeWindowForKey(w, "2024-03-04", { now: Date.parse("2024-04-01T12:00Z") }).end.getTime() - timeWindowForKey(w, "2024-03-04", { now: Date.parse("2024-04-01T12:00Z") }).start.getTime()).toBe(167 * H);
  });

  it("cron 0 6 * * 1-5: weekday mornings, windows span weekends", () => {
    const def = timeWindowPartitions({ cron: "0 6 * * 1-5", start: "2024-01-05", timezone: "Europe/Berlin" });
    const keys = getPartitionKeys(def, { now: Date.parse("2024-01-10T12:00Z") });
    expect(keys).toEqual(["2024-01-05", "2024-01-08", "2024-01-09"]);
    expect(timeWindowForKey(def, "2024-01-05", { now: Date.parse("2024-01-10T12:00Z") })).toEqual({ start: new Date("2024-01-05T05:00:00Z"), end: new Date("2024-01-08T05:00:00Z") });
  });

  it("matches croner's tick instants for several crons (UTC and a DST zone, off the DST days)", () => {
    const cases: [string, string][] = [
      ["*/15 * * * *", "UTC"],
      ["0 6 * * 1-5", "UTC"],
      ["30 2 1,15 * *", "UTC"],
      ["0 0 * * sun", "Asia/Tokyo"],
      ["5 4 * jan-mar mon", "UTC"],
      ["0 9 * * *", "America/Los_Angeles"],
    ];
    for (const [cron, tz] of cases) {
      const def = timeWindowPartitions({ cron, start: "2024-01-01", timezone: tz });
      const now = Date.parse("2024-04-01T00:00Z");
      const ours = getPartitionKeys(def, { now }).slice(0, 60).map((k) => timeWindowForKey(def, k, { now }).start.getTime());
      const c = new Cron(cron, { timezone: tz, legacyMode: true });
      const theirs: number[] = [];
      let t: Date | null = new Date(Date.parse("2024-01-01T00:00Z") - 24 * H);
      while (theirs.length < ours.length + 50 && (t = c.nextRun(t)) !== null) if (t.getTime() >= ours[0]!) theirs.push(t.getTime());
      expect(ours, `${cron} ${tz}`).toEqual(theirs.slice(0, ours.length));
    }
  });
});

describe("time-window definition errors", () => {
  const code = (fn: () => unknown): string | undefined => {
    try {
      fn();
    } catch (e) {
      return isStrataError(e) ? e.code : "not a StrataError";
    }
    return undefined;
  };
  it("rejects bad cron, zone, offsets, formats and inverted bounds with PARTITION_INVALID", () => {
    expect(code(() => timeWindowPartitions({ cron: "0 0 * *", start: "2024-01-01" }))).toBe("PARTITION_INVALID");
    expect(code(() => timeWindowPartitions({ cron: "0 25 * * *", start: "2024-01-01" }))).toBe("PARTITION_INVALID");
    expect(code(() => timeWindowPartitions({ cron: "0 0 30 2 *", start: "2024-01-01" }))).toBe("PARTITION_INVALID");
    expect(code(() => dailyPartitions({ start: "2024-01-01", timezone: "Mars/Olympus" }))).toBe("PARTITION_INVALID");
    expect(code(() => dailyPartitions({ start: "2024-01-01", hourOffset: 24 }))).toBe("PARTITION_INVALID");
    expect(code(() => weeklyPartitions({ start: "2024-01-01", dayOffset: 7 }))).toBe("PARTITION_INVALID");
    expect(code(() => monthlyPartitions({ start: "2024-01-01", dayOffset: 31 }))).toBe("PARTITION_INVALID");
    expect(code(() => dailyPartitions({ start: "2024-01-01", fmt: "YYYY-MM" }))).toBe("PARTITION_INVALID");
    expect(code(() => hourlyPartitions({ start: "2024-01-01", fmt: "YYYY-MM-DD" }))).toBe("PARTITION_INVALID");
    expect(code(() => dailyPartitions({ start: "2024-01-05", end: "2024-01-01" }))).toBe("PARTITION_INVALID");
    expect(code(() => dailyPartitions({ start: "yesterday" }))).toBe("PARTITION_INVALID");
    expect(code(() => dailyPartitions({ start: "2024-01-01", endOffset: 0.5 }))).toBe("PARTITION_INVALID");
  });

  it("accepts Dagster strftime formats and keeps their keys", () => {
    const def = hourlyPartitions({ start: "2024-01-01-00:00", fmt: "%Y-%m-%d-%H:%M" });
    expect(def.fmt).toBe("YYYY-MM-DD-HH:mm");
    expect(getPartitionKeys(def, { now: Date.parse("2024-01-01T02:00Z") })).toEqual(["2024-01-01-00:00", "2024-01-01-01:00"]);
  });

  it("is frozen", () => {
    const def = dailyPartitions({ start: "2024-01-01" });
    expect(Object.isFrozen(def)).toBe(true);
  });
});
