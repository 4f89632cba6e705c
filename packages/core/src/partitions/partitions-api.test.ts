import { describe, expect, it } from "vitest";
import { StrataError } from "../errors.ts";
import { assertDynamicPartitionsName, dynamicPartitions } from "./dynamic-partitions.ts";
import { dimensionDefinition, joinMultiKey, multiPartitions, splitMultiKey } from "./multi-partitions.ts";
import { countPartitions, describePartitions, getPartitionKeys, hasPartitionKey, keyForTime, partitionKeysInRange, timeWindowForKey, validateKey } from "./partitions-api.ts";
import { partitionsEqual, partitionsFromSnapshot, partitionsToSnapshot } from "./snapshot.ts";
import { staticPartitions } from "./static-partitions.ts";
import { dailyPartitions, hourlyPartitions } from "./time-window-partitions.ts";
import type { DynamicPartitionsStore } from "./types.ts";

function thrown(fn: () => unknown): StrataError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StrataError) return e;
    throw e;
  }
  throw new Error("expected a StrataError");
}

const now = Date.parse("2024-06-01T00:00:00Z");
const q1 = dailyPartitions({ start: "2024-01-01", end: "2024-04-01" });
const regions = staticPartitions(["us", "eu", "apac"]);
const store: DynamicPartitionsStore = {
  getKeys: (name) => (name === "customers" ? ["acme", "globex", "initech"] : []),
  hasKey: (name, key) => name === "customers" && ["acme", "globex", "initech"].includes(key),
};

describe("static partitions", () => {
  it("keeps order and answers membership", () => {
    expect(getPartitionKeys(regions)).toEqual(["us", "eu", "apac"]);
    expect(hasPartitionKey(regions, "eu")).toBe(true);
    expect(hasPartitionKey(regions, "EU")).toBe(false);
    expect(partitionKeysInRange(regions, "us", "eu")).toEqual(["us", "eu"]);
  });

  it("rejects empty lists, duplicates, empty keys and Dagster's invalid substrings", () => {
    expect(thrown(() => staticPartitions([])).code).toBe("PARTITION_INVALID");
    expect(thrown(() => staticPartitions(["a", "a"])).message).toContain('"a" twice');
    expect(thrown(() => staticPartitions([""])).code).toBe("PARTITION_INVALID");
    expect(thrown(() => staticPartitions(["a...b"])).message).toContain('"..."');
    expect(thrown(() => staticPartitions(["a\nb"])).code).toBe("PARTITION_INVALID");
    expect(getPartitionKeys(staticPartitions(["a,b", "c|d"]))).toEqual(["a,b", "c|d"]);
  });

  it("suggests the closest key", () => {
    const e = thrown(() => validateKey(regions, "uss"));
    expect(e.code).toBe("PARTITION_UNKNOWN_KEY");
    expect(e.message).toBe('Unknown partition key "uss": valid keys are us, eu, apac (static); did you mean "us"?');
  });
});

describe("time-window key validation", () => {
  it("names the valid range, schedule and zone", () => {
    const e = thrown(() => validateKey(q1, "2024-04-01", { now }));
    expect(e.code).toBe("PARTITION_UNKNOWN_KEY");
    expect(e.message).toBe('Unknown partition key "2024-04-01": valid keys run from 2024-01-01 to 2024-03-31 (daily, UTC)');
    expect(e.hint).toContain("after the last partition");
    expect(thrown(() => validateKey(q1, "2023-12-31", { now })).hint).toContain("before the first partition 2024-01-01");
    expect(thrown(() => validateKey(q1, "Jan 1", { now })).hint).toContain('format "YYYY-MM-DD"');
  });

  it("counts, ranges and windows", () => {
    expect(countPartitions(q1, { now })).toBe(91);
    expect(partitionKeysInRange(q1, "2024-02-28", "2024-03-01", { now })).toEqual(["2024-02-28", "2024-02-29", "2024-03-01"]);
    expect(thrown(() => partitionKeysInRange(q1, "2024-03-01", "2024-02-28", { now })).code).toBe("PARTITION_INVALID");
    expect(thrown(() => partitionKeysInRange(q1, "2024-03-01", "2024-05-01", { now })).code).toBe("PARTITION_UNKNOWN_KEY");
    expect(timeWindowForKey(q1, "2024-02-29", { now })).toEqual({ start: new Date("2024-02-29T00:00:00Z"), end: new Date("2024-03-01T00:00:00Z") });
    expect(keyForTime(q1, new Date("2024-02-29T23:59:59Z"))).toBe("2024-02-29");
    expect(keyForTime(q1, new Date("2023-12-31T12:00:00Z"))).toBeUndefined();
    expect(keyForTime(q1, new Date("2024-04-01T12:00:00Z"))).toBeUndefined();
    expect(keyForTime(dailyPartitions({ start: "2024-01-01" }), new Date("2030-01-01T12:00:00Z"))).toBe("2030-01-01");
  });

  it("reports that no partitions exist yet", () => {
    const def = dailyPartitions({ start: "2024-06-01" });
    expect(describePartitions(def, { now })).toContain("there are no partitions as of 2024-06-01T00:00:00.000Z");
    expect(getPartitionKeys(def, { now })).toEqual([]);
  });
});

describe("dynamic partitions", () => {
  const customers = dynamicPartitions("customers");
  it("reads keys from the store passed in", () => {
    expect(getPartitionKeys(customers, { dynamic: store })).toEqual(["acme", "globex", "initech"]);
    expect(hasPartitionKey(customers, "globex", { dynamic: store })).toBe(true);
    expect(thrown(() => validateKey(customers, "globx", { dynamic: store })).message).toContain('did you mean "globex"');
  });

  it("needs a store, and unknown set names get a suggestion", () => {
    expect(thrown(() => getPartitionKeys(customers)).message).toContain("need a DynamicPartitionsStore");
    const e = thrown(() => assertDynamicPartitionsName("custmers", [customers, regions, undefined]));
    expect(e.code).toBe("PARTITION_INVALID");
    expect(e.message).toBe('No dynamic partitions named "custmers"; did you mean "customers"?');
    expect(() => assertDynamicPartitionsName("customers", [multiPartitions({ c: customers, r: regions })])).not.toThrow();
    expect(thrown(() => dynamicPartitions("a b")).code).toBe("PARTITION_INVALID");
  });
});

describe("multi partitions", () => {
  const def = multiPartitions({ region: regions, date: q1 });

  it("sorts dimensions by name and joins keys with |", () => {
    expect(def.dimensions.map((d) => d.name)).toEqual(["date", "region"]);
    const keys = getPartitionKeys(def, { now });
    expect(keys).toHaveLength(91 * 3);
    expect(keys.slice(0, 4)).toEqual(["2024-01-01|us", "2024-01-01|eu", "2024-01-01|apac", "2024-01-02|us"]);
    expect(splitMultiKey(def, "2024-08-01|us")).toEqual({ date: "2024-08-01", region: "us" });
    expect(joinMultiKey(def, { region: "eu", date: "2024-01-05" })).toBe("2024-01-05|eu");
    expect(dimensionDefinition(def, "region")).toBe(regions);
    expect(timeWindowForKey(def, "2024-01-05|eu", { now }).start).toEqual(new Date("2024-01-05T00:00:00Z"));
  });

  it("ranges are the rectangle of the dimension ranges (as in Dagster)", () => {
    expect(partitionKeysInRange(def, "2024-01-01|eu", "2024-01-02|apac", { now })).toEqual(["2024-01-01|eu", "2024-01-01|apac", "2024-01-02|eu", "2024-01-02|apac"]);
  });

  it("errors name the failing dimension", () => {
    const e = thrown(() => validateKey(def, "2024-01-01|mars", { now }));
    expect(e.code).toBe("PARTITION_UNKNOWN_KEY");
    expect(e.message).toContain('dimension "region"');
    expect(thrown(() => validateKey(def, "2024-01-01", { now })).message).toContain("not a multi-partition key");
    expect(thrown(() => joinMultiKey(def, { date: "2024-01-01" })).message).toContain("missing region");
  });

  it("needs exactly two valid dimensions", () => {
    expect(thrown(() => multiPartitions({ a: regions, b: q1, c: staticPartitions(["x"]) })).message).toContain("exactly two dimensions, got 3");
    expect(thrown(() => multiPartitions({ a: regions })).code).toBe("PARTITION_INVALID");
    expect(thrown(() => multiPartitions({ a: regions, b: def })).message).toContain("itself multi-partitioned");
    expect(thrown(() => multiPartitions({ a: staticPartitions(["x,y"]), b: q1 })).message).toContain("contains ,");
  });

  it("drops dynamic keys containing | (Dagster does the same)", () => {
    const odd: DynamicPartitionsStore = { getKeys: () => ["a", "b|c"], hasKey: () => true };
    const m = multiPartitions({ c: dynamicPartitions("c"), r: staticPartitions(["x"]) });
    expect(getPartitionKeys(m, { dynamic: odd })).toEqual(["a|x"]);
  });
});

describe("snapshots", () => {
  it("round-trip every kind through JSON", () => {
    const defs = [
      q1,
      hourlyPartitions({ start: "2024-01-01-00:00", timezone: "Europe/Berlin", endOffset: 1 }),
      regions,
      dynamicPartitions("customers"),
      multiPartitions({ date: q1, region: regions }),
    ];
    for (const d of defs) {
      const json = JSON.parse(JSON.stringify(partitionsToSnapshot(d))) as unknown;
      const back = partitionsFromSnapshot(json);
      expect(partitionsEqual(back, d)).toBe(true);
      expect(partitionsToSnapshot(back)).toEqual(partitionsToSnapshot(d));
    }
    expect(partitionsToSnapshot(q1)).toEqual({ kind: "time_window", cron: "0 0 * * *", start: "2024-01-01T00:00:00.000Z", end: "2024-04-01T00:00:00.000Z", timezone: "UTC", fmt: "YYYY-MM-DD", endOffset: 0 });
  });

  it("reports the path of a bad snapshot", () => {
    const e = thrown(() => partitionsFromSnapshot({ kind: "multi", dimensions: [{ name: "a", partitions: { kind: "static", keys: "x" } }] }));
    expect(e.code).toBe("PARTITION_INVALID");
    expect(e.message).toContain("dimensions.0.partitions.keys");
    expect(thrown(() => partitionsFromSnapshot({ kind: "static", keys: [] })).message).toContain("at least one key");
  });
});
