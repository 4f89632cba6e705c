import { describe, expect, it } from "vitest";
import { StrataError } from "../errors.ts";
import { dynamicPartitions } from "./dynamic-partitions.ts";
import { downstreamKeysFor, upstreamKeysFor } from "./mapping-keys.ts";
import { multiPartitions } from "./multi-partitions.ts";
import { allPartitions, identity, lastPartition, multiToSingleDimension, staticMapping, timeWindowMapping } from "./partition-mapping.ts";
import { staticPartitions } from "./static-partitions.ts";
import { dailyPartitions, hourlyPartitions, monthlyPartitions, weeklyPartitions } from "./time-window-partitions.ts";
import type { DynamicPartitionsStore } from "./types.ts";
import { defaultMapping, validateMapping } from "./validate-mapping.ts";

function thrown(fn: () => unknown): StrataError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StrataError) return e;
    throw e;
  }
  throw new Error("expected a StrataError");
}

const now = Date.parse("2024-12-01T12:00:00Z");
const days = dailyPartitions({ start: "2024-01-01" });
const weeks = weeklyPartitions({ start: "2024-01-01" }); // Sundays, first 2024-01-07
const months = monthlyPartitions({ start: "2024-01-01" });
const regions = staticPartitions(["us", "eu"]);
const ctx = { now };

describe("identity", () => {
  it("maps a key to itself both ways and drops keys the other side lacks", () => {
    const later = dailyPartitions({ start: "2024-06-01" });
    expect(upstreamKeysFor(identity(), later, days, "2024-06-02", ctx)).toEqual(["2024-06-02"]);
    expect(upstreamKeysFor(identity(), later, days, "2024-05-31", ctx)).toEqual([]);
    expect(downstreamKeysFor(identity(), days, later, "2024-05-31", ctx)).toEqual([]);
    expect(downstreamKeysFor(identity(), regions, staticPartitions(["us", "apac"]), "us", ctx)).toEqual(["us"]);
  });
});

describe("time window mapping", () => {
  it("yesterday: (-1, -1) both ways, and [] before the upstream starts", () => {
    const m = timeWindowMapping({ startOffset: -1, endOffset: -1 });
    expect(upstreamKeysFor(m, days, days, "2024-03-10", ctx)).toEqual(["2024-03-09"]);
    expect(upstreamKeysFor(m, days, days, "2024-01-01", ctx)).toEqual([]);
    expect(downstreamKeysFor(m, days, days, "2024-03-09", ctx)).toEqual(["2024-03-10"]);
    expect(downstreamKeysFor(m, days, days, "2024-11-30", ctx)).toEqual([]); // 2024-12-01 isn't complete yet
  });

  it("last 7 days: (-6, 0)", () => {
    const m = timeWindowMapping({ startOffset: -6, endOffset: 0 });
    expect(upstreamKeysFor(m, days, days, "2024-03-10", ctx)).toEqual(["2024-03-04", "2024-03-05", "2024-03-06", "2024-03-07", "2024-03-08", "2024-03-09", "2024-03-10"]);
    expect(downstreamKeysFor(m, days, days, "2024-03-04", ctx)).toEqual(["2024-03-04", "2024-03-05", "2024-03-06", "2024-03-07", "2024-03-08", "2024-03-09", "2024-03-10"]);
    expect(downstreamKeysFor(m, days, days, "2024-01-01", ctx)).toHaveLength(7);
  });

  it("daily → weekly: a week depends on its 7 days; a day feeds its week", () => {
    const m = defaultMapping(days, weeks);
    expect(m).toEqual({ kind: "time_window", startOffset: 0, endOffset: 0 });
    expect(upstreamKeysFor(m, days, weeks, "2024-01-07", ctx)).toEqual(["2024-01-07", "2024-01-08", "2024-01-09", "2024-01-10", "2024-01-11", "2024-01-12", "2024-01-13"]);
    expect(downstreamKeysFor(m, days, weeks, "2024-01-09", ctx)).toEqual(["2024-01-07"]);
    expect(downstreamKeysFor(m, days, weeks, "2024-01-03", ctx)).toEqual([]); // before the first week
  });

  it("weekly → daily (coarser upstream): a day depends on the week containing it", () => {
    expect(upstreamKeysFor(timeWindowMapping(), weeks, days, "2024-01-10", ctx)).toEqual(["2024-01-07"]);
    expect(downstreamKeysFor(timeWindowMapping(), weeks, days, "2024-01-07", ctx)).toHaveLength(7);
    expect(upstreamKeysFor(timeWindowMapping({ startOffset: -1, endOffset: -1 }), months, months, "2024-03-01", ctx)).toEqual(["2024-02-01"]);
  });

  it("hourly → daily across DST: 23 and 25 hours", () => {
    const hours = hourlyPartitions({ start: "2024-03-01-00:00", timezone: "America/New_York" });
    const nyDays = dailyPartitions({ start: "2024-03-01", timezone: "America/New_York" });
    const m = defaultMapping(hours, nyDays);
    expect(upstreamKeysFor(m, hours, nyDays, "2024-03-10", ctx)).toHaveLength(23);
    expect(upstreamKeysFor(m, hours, nyDays, "2024-03-11", ctx)).toHaveLength(24);
    const fall = upstreamKeysFor(m, hours, nyDays, "2024-11-03", ctx);
    expect(fall).toHaveLength(25);
    expect(fall).toContain("2024-11-03-01:00-0500");
    expect(downstreamKeysFor(m, hours, nyDays, "2024-11-03-01:00-0500", ctx)).toEqual(["2024-11-03"]);
  });

  it("rejects non-time sides and bad offsets", () => {
    expect(thrown(() => upstreamKeysFor(timeWindowMapping(), regions, days, "2024-01-01", ctx)).code).toBe("PARTITION_MAPPING");
    expect(thrown(() => timeWindowMapping({ startOffset: 0, endOffset: -1 })).code).toBe("PARTITION_MAPPING");
  });
});

describe("all / last partition", () => {
  it("all: every upstream key; every downstream key depends on any upstream key", () => {
    expect(upstreamKeysFor(allPartitions(), regions, days, "2024-01-05", ctx)).toEqual(["us", "eu"]);
    expect(downstreamKeysFor(allPartitions(), regions, weeks, "us", ctx)[0]).toBe("2024-01-07");
    expect(upstreamKeysFor(allPartitions(), days, undefined, undefined, ctx)).toHaveLength(335);
    expect(upstreamKeysFor(allPartitions(), undefined, days, "2024-01-05", ctx)).toEqual([]);
  });

  it("last: only the latest upstream key", () => {
    expect(upstreamKeysFor(lastPartition(), days, regions, "eu", ctx)).toEqual(["2024-11-30"]);
    expect(downstreamKeysFor(lastPartition(), days, regions, "2024-11-30", ctx)).toEqual(["us", "eu"]);
    expect(downstreamKeysFor(lastPartition(), days, regions, "2024-11-29", ctx)).toEqual([]);
    expect(thrown(() => validateMapping(lastPartition(), undefined, days)).code).toBe("PARTITION_MAPPING");
  });
});

describe("static mapping (upstream key → downstream keys, as in Dagster)", () => {
  const zones = staticPartitions(["us-east", "us-west", "eu-central"]);
  const m = staticMapping({ "us-east": "us", "us-west": "us", "eu-central": ["eu"] });
  it("maps both ways", () => {
    expect(upstreamKeysFor(m, zones, regions, "us", ctx)).toEqual(["us-east", "us-west"]);
    expect(downstreamKeysFor(m, zones, regions, "us-west", ctx)).toEqual(["us"]);
    expect(downstreamKeysFor(m, zones, regions, "eu-central", ctx)).toEqual(["eu"]);
  });
  it("rejects keys the definitions lack and non-static sides", () => {
    expect(thrown(() => validateMapping(staticMapping({ "us-north": "us" }), zones, regions)).message).toContain("upstream has no key(s) us-north");
    expect(thrown(() => validateMapping(staticMapping({ "us-east": "apac" }), zones, regions)).message).toContain("downstream has no key(s) apac");
    expect(thrown(() => validateMapping(m, days, regions)).code).toBe("PARTITION_MAPPING");
  });
  it("works with dynamic sides, filtered by the store", () => {
    const store: DynamicPartitionsStore = { getKeys: () => ["us-east"], hasKey: (_n, k) => k === "us-east" };
    expect(upstreamKeysFor(m, dynamicPartitions("zones"), regions, "us", { now, dynamic: store })).toEqual(["us-east"]);
  });
});

describe("multi-to-single dimension", () => {
  const multi = multiPartitions({ date: days, region: regions });
  it("single downstream of multi: a day depends on that day in every region, and back", () => {
    const m = defaultMapping(multi, days);
    expect(m).toEqual({ kind: "multi_to_single", dimension: "date" });
    expect(upstreamKeysFor(m, multi, days, "2024-03-10", ctx)).toEqual(["2024-03-10|us", "2024-03-10|eu"]);
    expect(downstreamKeysFor(m, multi, days, "2024-03-10|eu", ctx)).toEqual(["2024-03-10"]);
  });
  it("multi downstream of single: each multi key depends on its dimension value", () => {
    const m = multiToSingleDimension({ dimension: "region" });
    expect(upstreamKeysFor(m, regions, multi, "2024-03-10|eu", ctx)).toEqual(["eu"]);
    expect(downstreamKeysFor(m, regions, multi, "eu", ctx)).toHaveLength(335);
    expect(defaultMapping(regions, multi)).toEqual({ kind: "multi_to_single", dimension: "region" });
  });
  it("rejects unknown or mismatched dimensions", () => {
    expect(thrown(() => validateMapping(multiToSingleDimension({ dimension: "colour" }), multi, days)).message).toContain('names dimension "colour"');
    expect(thrown(() => validateMapping(multiToSingleDimension({ dimension: "region" }), multi, days)).code).toBe("PARTITION_MAPPING");
    expect(thrown(() => validateMapping(multiToSingleDimension(), days, regions)).message).toContain("exactly one side must be multi-partitioned");
  });
});

describe("default mapping selection and incompatible definitions", () => {
  it("picks identity, time window, all, multi-to-single", () => {
    expect(defaultMapping(days, dailyPartitions({ start: "2023-01-01" }))).toEqual({ kind: "identity" });
    expect(defaultMapping(regions, staticPartitions(["eu", "apac"]))).toEqual({ kind: "identity" });
    expect(defaultMapping(hourlyPartitions({ start: "2024-01-01" }), days)).toEqual({ kind: "time_window", startOffset: 0, endOffset: 0 });
    expect(defaultMapping(undefined, days)).toEqual({ kind: "all" });
    expect(defaultMapping(days, undefined)).toEqual({ kind: "all" });
    expect(defaultMapping(multiPartitions({ date: days, region: regions }), multiPartitions({ region: regions, date: days }))).toEqual({ kind: "identity" });
  });

  it("throws PARTITION_MAPPING with both definitions named when there is no sensible default", () => {
    const e = thrown(() => defaultMapping(days, regions));
    expect(e.code).toBe("PARTITION_MAPPING");
    expect(e.message).toContain('time-window "0 0 * * *" (UTC) upstream to static [us, eu] downstream');
    expect(thrown(() => defaultMapping(regions, staticPartitions(["apac"]))).hint).toContain("staticMapping");
    expect(thrown(() => validateMapping(identity(), days, hourlyPartitions({ start: "2024-01-01" }))).hint).toContain("timeWindowMapping");
    expect(thrown(() => validateMapping(identity(), days, undefined)).code).toBe("PARTITION_MAPPING");
    expect(thrown(() => defaultMapping(multiPartitions({ date: days, region: regions }), weeks)).code).toBe("PARTITION_MAPPING");
  });

  it("validates the key it is given", () => {
    expect(thrown(() => upstreamKeysFor(identity(), days, days, "2031-01-01", ctx)).code).toBe("PARTITION_UNKNOWN_KEY");
    expect(thrown(() => upstreamKeysFor(allPartitions(), days, undefined, "x", ctx)).code).toBe("PARTITION_INVALID");
  });
});
