import { describe, expect, it } from "vitest";
import { barSegments, checkKey, checkRange, keyIndex, launchRequest, multiRange, selectionOf, suggest } from "./partition-pick.ts";

const days = Array.from({ length: 50_000 }, (_, i) => new Date(Date.UTC(1900, 0, 1) + i * 86_400_000).toISOString().slice(0, 10));
const ix = keyIndex(days);

describe("partition picker logic", () => {
  it("validates keys and ranges against the definition, naming the valid range", () => {
    expect(checkKey(ix, "1900-01-05")).toEqual({ i: 4 });
    expect(checkKey(ix, "2999-01-01").error).toBe(`Partition "2999-01-01" is not a partition: valid keys run from 1900-01-01 to ${days.at(-1)}`);
    expect(checkRange(ix, "1900-01-01", "1900-01-31")).toEqual({ from: 0, to: 30 });
    expect(checkRange(ix, "1900-01-31", "1900-01-01").error).toMatch(/inverted: "1900-01-01" comes before "1900-01-31"; swap them/);
    expect(checkRange(ix, "", "1900-01-01").error).toBe(`Enter the first key: valid keys run from 1900-01-01 to ${days.at(-1)}`);
    expect(checkKey(keyIndex(["eu", "us"]), "mars").error).toBe('Partition "mars" is not a partition: valid keys are eu, us');
  });

  it("suggests at most 8 keys, prefix matches first, and the latest keys for an empty input", () => {
    expect(suggest(ix, "1950-03")).toHaveLength(8);
    expect(suggest(ix, "1950-03")[0]).toBe("1950-03-01");
    expect(suggest(ix, "")[0]).toBe(days.at(-1));
    expect(suggest(ix, "1900-01-01")).toEqual([]);
    expect(suggest(keyIndex(["north-eu", "eu", "us"]), "e")).toEqual(["eu", "north-eu"]);
  });

  it("turns per-dimension choices of a multi-partition into a rectangle range", () => {
    const dims = [
      { name: "date", keys: ["2024-01-01", "2024-01-02", "2024-01-03"] },
      { name: "region", keys: ["eu", "us"] },
    ];
    expect(multiRange(dims, [{ all: true }, { start: "us", end: "" }])).toEqual({ start: "2024-01-01|us", end: "2024-01-03|us", count: 3 });
    expect(multiRange(dims, [{ start: "2024-01-02", end: "2024-01-03" }, { all: true }])).toEqual({ start: "2024-01-02|eu", end: "2024-01-03|us", count: 4 });
    expect(multiRange(dims, [{ all: true }, { start: "asia", end: "" }]).error).toBe('region: First key "asia" is not a partition: valid keys are eu, us');
  });

  it("launches one key as a run (with config) and anything more as a backfill", () => {
    expect(launchRequest({ kind: "range", start: "a", end: "a", count: 1 }, ["x/y"], { config: { k: 1 } })).toEqual({ path: "/api/runs", body: { assetKeys: ["x/y"], partitionKey: "a", config: { k: 1 } } });
    expect(launchRequest({ kind: "range", start: "a", end: "c", count: 3 }, ["x/y", "and"], { tags: { t: "1" } })).toEqual({
      path: "/api/backfills",
      body: { selection: '"x/y" or "and"', partitions: { range: "a...c" }, tags: { t: "1" } },
    });
    expect(launchRequest({ kind: "missing", count: 5 }, ["x"], {}).body).toEqual({ selection: '"x"', partitions: { all: true }, onlyMissing: true });
    expect(launchRequest({ kind: "failed", count: 5 }, ["x"], {}).body).toMatchObject({ onlyFailed: true });
    expect(selectionOf(['we"ird'])).toBe('"we\\"ird"');
  });

  it("draws 50,000 alternating partitions as at most 300 segments, worst status first, cheaply", () => {
    const ranges = days.map((d, i) => ({ start: d, end: d, count: 1, status: i % 2 ? ("failed" as const) : ("materialized" as const) }));
    const cpu = process.cpuUsage();
    const segs = barSegments(ranges);
    const used = process.cpuUsage(cpu);
    const ms = (used.user + used.system) / 1000;
    expect(segs.length).toBeLessThanOrEqual(300);
    expect(segs[0]).toMatchObject({ from: 0, status: "failed" });
    expect(segs.at(-1)!.to).toBe(49_999);
    expect(ms).toBeLessThan(200);
    const few = barSegments([{ start: "a", end: "b", count: 2, status: "missing" }, { start: "c", end: "c", count: 1, status: "materialized" }]);
    expect(few).toEqual([{ status: "missing", from: 0, to: 1 }, { status: "materialized", from: 2, to: 2 }]);
  });
});
