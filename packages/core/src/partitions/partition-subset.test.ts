import { describe, expect, it } from "vitest";
import { StrataError } from "../errors.ts";
import { DEFAULT_BACKFILL_POLICY, multiRun, planBackfillRuns, singleRun } from "./backfill-policy.ts";
import { dynamicPartitions } from "./dynamic-partitions.ts";
import { intersectRanges, rangesFromIndices, subtractRanges, unionRanges } from "./index-ranges.ts";
import { multiPartitions } from "./multi-partitions.ts";
import { formatSummary, parseKeyRange, summarizeKeys } from "./partition-key-range.ts";
import { allPartitionsSubset, emptySubset, subsetFromJSON, subsetFromKeys, subsetFromRanges } from "./partition-subset.ts";
import { getPartitionKeys } from "./partitions-api.ts";
import { staticPartitions } from "./static-partitions.ts";
import { dailyPartitions } from "./time-window-partitions.ts";

/** Process CPU time in ms: timing bounds must not fail because a shared machine is busy. */
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function thrown(fn: () => unknown): StrataError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StrataError) return e;
    throw e;
  }
  throw new Error("expected a StrataError");
}

const now = Date.parse("2024-02-01T00:00:00Z");
const days = dailyPartitions({ start: "2024-01-01" });
const ctx = { now };

describe("index ranges", () => {
  it("merge, intersect and subtract", () => {
    expect(rangesFromIndices([5, 1, 2, 3, 9, 9, 10])).toEqual([[1, 3], [5, 5], [9, 10]]);
    expect(unionRanges([[0, 3]], [[4, 6], [10, 12]])).toEqual([[0, 6], [10, 12]]);
    expect(intersectRanges([[0, 10], [20, 30]], [[5, 25]])).toEqual([[5, 10], [20, 25]]);
    expect(subtractRanges([[0, 10], [20, 30]], [[2, 3], [8, 21], [30, 40]])).toEqual([[0, 1], [4, 7], [22, 29]]);
  });
});

describe("PartitionSubset", () => {
  it("is compact for contiguous time windows and supports set algebra", () => {
    const all = allPartitionsSubset(days, ctx);
    expect(all.size).toBe(31);
    expect(all.ranges).toEqual([[0, 30]]);
    const done = subsetFromRanges(days, [{ start: "2024-01-01", end: "2024-01-10" }, { start: "2024-01-20", end: "2024-01-31" }], ctx);
    const failed = subsetFromKeys(days, ["2024-01-05"], ctx);
    const todo = all.difference(done).union(failed);
    expect(todo.keyRanges()).toEqual([{ start: "2024-01-05", end: "2024-01-05" }, { start: "2024-01-11", end: "2024-01-19" }]);
    expect(todo.has("2024-01-12")).toBe(true);
    expect(todo.has("2024-01-25")).toBe(false);
    expect(done.complement().keys()).toEqual(getPartitionKeys(days, ctx).slice(10, 19));
    expect(done.intersect(failed).keys()).toEqual(["2024-01-05"]);
    expect(emptySubset(days, ctx).isEmpty).toBe(true);
  });

  it("serializes time windows as key ranges and dynamic sets as keys", () => {
    const s = subsetFromKeys(days, ["2024-01-02", "2024-01-03", "2024-01-09"], ctx);
    expect(s.toJSON()).toEqual({ kind: "ranges", ranges: [["2024-01-02", "2024-01-03"], ["2024-01-09", "2024-01-09"]] });
    expect(subsetFromJSON(days, s.toJSON(), ctx).keys()).toEqual(s.keys());
    const later = dailyPartitions({ start: "2024-01-03" });
    expect(subsetFromJSON(later, s.toJSON(), ctx).keys()).toEqual(["2024-01-03", "2024-01-09"]);
    const dyn = dynamicPartitions("c");
    const store = { getKeys: () => ["a", "b", "c"], hasKey: () => true };
    const d = subsetFromKeys(dyn, ["c", "a"], { dynamic: store });
    expect(d.toJSON()).toEqual({ kind: "keys", keys: ["a", "c"] });
    expect(subsetFromJSON(dyn, { kind: "keys", keys: ["a", "zzz"] }, { dynamic: store }).keys()).toEqual(["a"]);
  });

  it("rejects unknown keys, inverted and overlapping ranges", () => {
    expect(thrown(() => subsetFromKeys(days, ["2024-02-01"], ctx)).code).toBe("PARTITION_UNKNOWN_KEY");
    expect(thrown(() => subsetFromRanges(days, [{ start: "2024-01-09", end: "2024-01-02" }], ctx)).message).toContain("inverted");
    expect(thrown(() => subsetFromRanges(days, [{ start: "2024-01-01", end: "2024-01-09" }, { start: "2024-01-05", end: "2024-01-12" }], ctx)).message).toContain("overlap");
  });

  it("handles 100,000 keys as one range with O(1) key lookups", () => {
    const many = dailyPartitions({ start: "1750-01-01" });
    const t0 = cpuNow();
    const all = allPartitionsSubset(many, ctx);
    const s = all.difference(subsetFromKeys(many, ["2000-01-01"], ctx));
    expect(all.size).toBeGreaterThan(100_000);
    expect(s.ranges).toHaveLength(2);
    expect(s.has("2000-01-02")).toBe(true);
    expect(s.has("2000-01-01")).toBe(false);
    expect(cpuNow() - t0).toBeLessThan(2000);
  });
});

describe("summaries", () => {
  it("turns keys and statuses into ranges", () => {
    const keys = getPartitionKeys(days, ctx);
    const status = new Map(keys.slice(0, 20).map((k) => [k, "materialized"] as const));
    status.set("2024-01-25", "failed" as never);
    const rows = summarizeKeys(keys, status);
    expect(formatSummary(rows)).toEqual(["2024-01-01...2024-01-20: materialized (20)", "2024-01-21...2024-01-24: missing (4)", "2024-01-25: failed (1)", "2024-01-26...2024-01-31: missing (6)"]);
    expect(summarizeKeys([], status)).toEqual([]);
    expect(summarizeKeys(["a", "b"], { a: "x" }, "none")).toEqual([{ start: "a", end: "a", count: 1, status: "x" }, { start: "b", end: "b", count: 1, status: "none" }]);
  });

  it("parses A...B ranges", () => {
    expect(parseKeyRange("2024-01-01...2024-01-31")).toEqual({ start: "2024-01-01", end: "2024-01-31" });
    expect(parseKeyRange("us")).toEqual({ start: "us", end: "us" });
    expect(thrown(() => parseKeyRange("a...")).code).toBe("PARTITION_INVALID");
  });
});

describe("backfill policy", () => {
  const keys = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-05", "2024-01-04", "2024-01-09"];
  it("defaults to one run per partition", () => {
    expect(DEFAULT_BACKFILL_POLICY).toEqual({ kind: "multi_run", maxPartitionsPerRun: 1 });
    const runs = planBackfillRuns(days, keys, undefined, ctx);
    expect(runs.map((r) => r.keys)).toEqual([["2024-01-01"], ["2024-01-02"], ["2024-01-03"], ["2024-01-04"], ["2024-01-05"], ["2024-01-09"]]);
  });
  it("single run: one run per contiguous range, with its time window", () => {
    const runs = planBackfillRuns(days, keys, singleRun(), ctx);
    expect(runs.map((r) => r.range)).toEqual([{ start: "2024-01-01", end: "2024-01-05" }, { start: "2024-01-09", end: "2024-01-09" }]);
    expect(runs[0]!.timeWindow).toEqual({ start: new Date("2024-01-01T00:00:00Z"), end: new Date("2024-01-06T00:00:00Z") });
  });
  it("multi run of N: chunks each contiguous range", () => {
    const runs = planBackfillRuns(days, keys, multiRun(2), ctx);
    expect(runs.map((r) => r.keys)).toEqual([["2024-01-01", "2024-01-02"], ["2024-01-03", "2024-01-04"], ["2024-01-05"], ["2024-01-09"]]);
    const regions = staticPartitions(["us", "eu", "apac"]);
    expect(planBackfillRuns(regions, ["apac", "us"], singleRun()).map((r) => r.keys)).toEqual([["us"], ["apac"]]);
    const multi = multiPartitions({ date: days, region: regions });
    const m = planBackfillRuns(multi, ["2024-01-01|us", "2024-01-01|eu", "2024-01-01|apac", "2024-01-02|us"], multiRun(3), ctx);
    expect(m.map((r) => r.keys.length)).toEqual([3, 1]);
    expect(m[0]!.range).toBeUndefined();
  });
  it("rejects bad policies, unknown keys and empty requests", () => {
    expect(thrown(() => multiRun(0)).code).toBe("BACKFILL_INVALID");
    expect(thrown(() => planBackfillRuns(days, ["2024-01-01"], { kind: "multi_run", maxPartitionsPerRun: 1.5 }, ctx)).code).toBe("BACKFILL_INVALID");
    expect(thrown(() => planBackfillRuns(days, [], singleRun(), ctx)).code).toBe("BACKFILL_INVALID");
    expect(thrown(() => planBackfillRuns(days, ["2025-01-01"], singleRun(), ctx)).code).toBe("PARTITION_UNKNOWN_KEY");
  });
});
