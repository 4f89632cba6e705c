/**
 * Asset checks on partitioned assets in runs over a partition range: every partition of the
 * range gets its own evaluation (in the event log and check history), as single-partition runs
 * record them.
 */
import { describe, expect, it } from "vitest";
import { MaterializeResult, asset, assetCheck, dailyPartitions } from "@strata/core";
import { harnessPerTest, project, runProject } from "../helpers/engine.ts";

const h = harnessPerTest();

const days = dailyPartitions({ start: "2024-01-01", timezone: "UTC" });
const range = { start: "2024-01-01", end: "2024-01-03" };
const rangeKeys = ["2024-01-01", "2024-01-02", "2024-01-03"];
/** A range run's value: one entry per partition key. */
const perDay = (keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, { day: k, rows: k === "2024-01-02" ? 0 : 5 }]));

async function history(checkKey: string) {
  const rows = await h.storage.getCheckHistory(checkKey);
  return rows.map((r) => [r.partition, r.passed, r.description]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}

describe("checks in runs over a partition range", () => {
  it("records an inline result without partitionKey once per partition of the range", async () => {
    const a = asset({ key: "events", partitions: days, checks: [{ name: "has_rows" }] }, (ctx) =>
      new MaterializeResult({ value: perDay(ctx.partitionKeys), checkResults: [{ checkName: "has_rows", passed: true }] }),
    );
    const { status, events } = await runProject(h, project({ assets: [a] }), { partitionRange: range });
    expect(status).toBe("SUCCESS");
    const evaluations = events.filter((e) => e.type === "ASSET_CHECK_EVALUATION");
    expect(evaluations.map((e) => e.partition)).toEqual(rangeKeys);
    expect(await history("events:has_rows")).toEqual(rangeKeys.map((k) => [k, true, undefined]));
    const [status0] = await h.storage.getCheckStatus(["events:has_rows"]);
    expect(status0?.lastEvaluation?.partition).toBe("2024-01-03");
  });

  it("records per-partition results; a partition left without one fails, naming it", async () => {
    const a = asset({ key: "events", partitions: days, checks: [{ name: "has_rows", severity: "WARN" }] }, (ctx) => {
      const value = perDay(ctx.partitionKeys);
      return new MaterializeResult({
        value,
        checkResults: ["2024-01-01", "2024-01-02"].map((k) => ({ checkName: "has_rows", partitionKey: k, passed: value[k]!.rows > 0 })),
      });
    });
    const { status } = await runProject(h, project({ assets: [a] }), { partitionRange: range });
    expect(status).toBe("SUCCESS"); // WARN checks do not fail the run
    expect(await history("events:has_rows")).toEqual([
      ["2024-01-01", true, undefined],
      ["2024-01-02", false, undefined],
      ["2024-01-03", false, 'The asset function did not return a result for check "has_rows" for partition 2024-01-03'],
    ]);
  });

  it("fails the step when a result names a partition outside the run", async () => {
    const a = asset({ key: "events", partitions: days, checks: [{ name: "has_rows" }] }, (ctx) =>
      new MaterializeResult({ value: perDay(ctx.partitionKeys), checkResults: [{ checkName: "has_rows", partitionKey: "2023-12-31", passed: true }] }),
    );
    const { status, events } = await runProject(h, project({ assets: [a] }), { partitionRange: range });
    expect(status).toBe("FAILURE");
    const failure = events.find((e) => e.type === "STEP_FAILURE");
    expect(failure?.data?.error?.message).toMatch(/partitionKey "2023-12-31", but this run covers partitions 2024-01-01\.\.\.2024-01-03/);
    expect(failure?.data?.error?.hint).toMatch(/ctx\.partitionKeys/);
  });

  it("evaluates a standalone check once per partition, each seeing only its partition", async () => {
    const a = asset({ key: "events", partitions: days }, (ctx) => perDay(ctx.partitionKeys));
    const seen: { key: string | undefined; keys: readonly string[]; window: string | undefined }[] = [];
    const check = assetCheck({ asset: a, name: "not_empty" }, async (ctx) => {
      const value = await ctx.loadAssetValue<{ day: string; rows: number }>();
      seen.push({ key: ctx.partitionKey, keys: ctx.partitionKeys, window: ctx.partitionTimeWindow?.start.toISOString() });
      return { passed: value.rows > 0, description: `${value.day}: ${value.rows} rows` };
    });
    const { status, events } = await runProject(h, project({ assets: [a], checks: [check] }), { partitionRange: range });
    expect(status).toBe("SUCCESS");
    expect(seen).toEqual(rangeKeys.map((k) => ({ key: k, keys: [k], window: `${k}T00:00:00.000Z` })));
    expect(events.filter((e) => e.type === "ASSET_CHECK_EVALUATION").map((e) => e.partition)).toEqual(rangeKeys);
    expect(await history("events:not_empty")).toEqual([
      ["2024-01-01", true, "2024-01-01: 5 rows"],
      ["2024-01-02", false, "2024-01-02: 0 rows"],
      ["2024-01-03", true, "2024-01-03: 5 rows"],
    ]);
  });

  it("records the partition of a single-partition run's check as before", async () => {
    const a = asset({ key: "events", partitions: days, checks: [{ name: "has_rows" }] }, () =>
      new MaterializeResult({ value: { rows: 1 }, checkResults: [{ checkName: "has_rows", passed: true }] }),
    );
    const { status } = await runProject(h, project({ assets: [a] }), { partitionKey: "2024-01-05" });
    expect(status).toBe("SUCCESS");
    expect(await history("events:has_rows")).toEqual([["2024-01-05", true, undefined]]);
  });
});
