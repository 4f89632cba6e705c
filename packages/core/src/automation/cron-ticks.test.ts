import { Cron } from "croner";
import { describe, expect, it } from "vitest";
import { cronTicksBetween, nextTick, previousTick, scanCronTicks, validateCronSchedule } from "./cron-ticks.ts";

const Z = (s: string) => Date.parse(s);
const iso = (ts: number[]) => ts.map((t) => new Date(t).toISOString());

describe("cron ticks", () => {
  it("lists ticks in (from, to]", () => {
    expect(iso(cronTicksBetween("0 0 * * *", "UTC", Z("2024-01-01T00:00Z"), Z("2024-01-03T00:00Z")))).toEqual(["2024-01-02T00:00:00.000Z", "2024-01-03T00:00:00.000Z"]);
    expect(cronTicksBetween("@hourly", "UTC", Z("2024-01-01T00:00Z"), Z("2024-01-01T00:59Z"))).toEqual([]);
    expect(() => cronTicksBetween("* * * * *", "UTC", 0, 86_400_000 * 2, 100)).toThrow(/More than 100 ticks/);
  });

  it("nextTick is strictly after, previousTick at or before", () => {
    const t = Z("2024-05-01T06:00Z");
    expect(nextTick("0 6 * * *", "UTC", t)).toBe(Z("2024-05-02T06:00Z"));
    expect(nextTick("0 6 * * *", "UTC", t - 1)).toBe(t);
    expect(previousTick("0 6 * * *", "UTC", t)).toBe(t);
    expect(previousTick("0 6 * * *", "UTC", t - 1)).toBe(Z("2024-04-30T06:00Z"));
    expect(previousTick("0 0 1 1 *", "UTC", t)).toBe(Z("2024-01-01T00:00Z"));
  });

  describe("DST (America/New_York)", () => {
    const NY = "America/New_York";
    it("spring forward: a daily 02:30 fires at 03:00 EDT; an hourly cron has 23 ticks that day", () => {
      expect(iso(cronTicksBetween("30 2 * * *", NY, Z("2024-03-09T00:00Z"), Z("2024-03-12T00:00Z")))).toEqual([
        "2024-03-09T07:30:00.000Z", // 02:30 EST
        "2024-03-10T07:00:00.000Z", // 02:30 does not exist: 03:00 EDT
        "2024-03-11T06:30:00.000Z", // 02:30 EDT
      ]);
      expect(cronTicksBetween("0 * * * *", NY, Z("2024-03-10T05:00Z") - 1, Z("2024-03-11T04:00Z") - 1)).toHaveLength(23);
    });
    it("fall back: a daily 01:30 fires once, at the later (EST) instance; an hourly cron has 25 ticks", () => {
      expect(iso(cronTicksBetween("30 1 * * *", NY, Z("2024-11-02T12:00Z"), Z("2024-11-04T12:00Z")))).toEqual(["2024-11-03T06:30:00.000Z", "2024-11-04T06:30:00.000Z"]);
      expect(cronTicksBetween("0 * * * *", NY, Z("2024-11-03T04:00Z") - 1, Z("2024-11-04T05:00Z") - 1)).toHaveLength(25);
      expect(previousTick("30 1 * * *", NY, Z("2024-11-03T06:00Z"))).toBe(Z("2024-11-02T05:30Z"));
    });
  });

  describe("DST (Europe/Berlin)", () => {
    const B = "Europe/Berlin";
    it("spring forward: 02:30 → 03:00 CEST (01:00Z)", () => {
      expect(iso(cronTicksBetween("30 2 * * *", B, Z("2024-03-30T12:00Z"), Z("2024-04-01T12:00Z")))).toEqual(["2024-03-31T01:00:00.000Z", "2024-04-01T00:30:00.000Z"]);
      expect(nextTick("0 3 * * *", B, Z("2024-03-30T12:00Z"))).toBe(Z("2024-03-31T01:00Z"));
    });
    it("fall back: 02:30 fires once, at 02:30 CET (01:30Z)", () => {
      expect(iso(cronTicksBetween("30 2 * * *", B, Z("2024-10-26T12:00Z"), Z("2024-10-27T12:00Z")))).toEqual(["2024-10-27T01:30:00.000Z"]);
      expect(cronTicksBetween("15 * * * *", B, Z("2024-10-26T22:00Z"), Z("2024-10-27T23:00Z"))).toHaveLength(25);
    });
  });

  it("matches croner away from DST transitions", () => {
    const crons = ["0 6 * * 1-5", "*/15 * * * *", "30 23 28 * *", "0 0 1 */3 *", "5 4 * * sun"];
    for (const tz of ["UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata"]) {
      for (const c of crons) {
        for (const start of ["2024-01-15T10:17Z", "2024-06-03T23:59Z", "2025-02-27T00:00Z"]) {
          const expected = new Cron(c, { timezone: tz }).nextRun(new Date(start))!.getTime();
          expect(nextTick(c, tz, Z(start)), `${c} ${tz} ${start}`).toBe(expected);
        }
      }
    }
  });

  it("scans long periods in constant memory", () => {
    const s = scanCronTicks("* * * * *", "UTC", Z("2024-01-01T00:00Z"), Z("2024-01-31T00:00Z"), 2, 1);
    expect(s.total).toBe(30 * 1440);
    expect(iso(s.lastTicks)).toEqual(["2024-01-30T23:59:00.000Z", "2024-01-31T00:00:00.000Z"]);
    expect(iso(s.firstTicks)).toEqual(["2024-01-01T00:01:00.000Z"]);
    expect(new Date(s.lastSkipped!).toISOString()).toBe("2024-01-30T23:58:00.000Z");
  });

  it("validates cron and time zone with a clear message and where", () => {
    expect(validateCronSchedule("@daily", "UTC", "x")).toBe("0 0 * * *");
    expect(() => validateCronSchedule("0 0 * *", "UTC", 'Schedule "s"', "defs.ts:3")).toThrow(/Schedule "s": Invalid cron schedule "0 0 \* \*": expected 5 fields/);
    expect(() => validateCronSchedule("0 0 30 2 *", "UTC", "s")).toThrow(/fires too rarely|never fires/);
    expect(() => validateCronSchedule("0 0 * * *", "Europe/Nowhere", "s")).toThrow(/Unknown time zone/);
    expect(() => validateCronSchedule(undefined, "UTC", "s")).toThrow(/needs a cron expression/);
    expect(() => validateCronSchedule("0 0 * * *", "", "s")).toThrow(/IANA time zone/);
  });
});
