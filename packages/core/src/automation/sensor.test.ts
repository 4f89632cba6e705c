import { describe, expect, it } from "vitest";
import { buildSnapshot } from "../build-snapshot.ts";
import { defineDefinitions, type DefinitionsInput } from "../definitions.ts";
import { type StrataError } from "../errors.ts";
import type { RunRecord } from "../run.ts";
import {
  advanceAssetSensorCursor,
  assetSensor,
  parseAssetSensorCursor,
  runSensorFunction,
  runStatusSensor,
  runStatusSensorMatches,
  sensor,
  type SensorContext,
} from "./sensor.ts";
import { filterUsedRunKeys, validateSensorResult } from "./sensor-result.ts";
import { node } from "./test-fixtures.ts";

const orders = node("raw/orders");
const totals = node("mart/totals", ["raw/orders"]);
const build = (sensors: DefinitionsInput["sensors"]) => buildSnapshot(defineDefinitions({ assets: [orders, totals], sensors }), { location: "t", root: "/" });
const ctx: SensorContext = {
  sensorName: "s",
  cursor: undefined,
  lastTickAt: undefined,
  now: 0,
  log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  instance: { getMaterializations: async () => [], getRuns: async () => [], getDynamicPartitions: async () => [] },
};

describe("sensor definitions", () => {
  it("sensor() has defaults and is frozen", () => {
    const s = sensor({ name: "files", target: [orders] }, () => undefined);
    expect(s).toMatchObject({ kind: "sensor", type: "standard", intervalSeconds: 30, timeoutSeconds: 300, defaultStatus: "STOPPED", target: { selection: '"raw/orders"' } });
    expect(Object.isFrozen(s)).toBe(true);
    expect(() => sensor({ name: "x", intervalSeconds: 0 }, () => undefined)).toThrow(/intervalSeconds must be a positive number/);
    expect(() => sensor({ name: "x", timeoutSeconds: -1 }, () => undefined)).toThrow(/timeoutSeconds/);
    expect(() => sensor({ name: "x" }, undefined as never)).toThrow(/needs a function/);
    expect(() => runStatusSensor({ name: "r", status: "DONE" as "SUCCESS" }, () => undefined)).toThrow(/status must be "SUCCESS" or "FAILURE"/);
  });

  it("snapshots resolve targets, watched and monitored assets at load", () => {
    const snap = build([
      sensor({ name: "files", target: "raw/orders", intervalSeconds: 5, defaultStatus: "RUNNING" }, () => undefined),
      assetSensor({ name: "on_orders", assets: [orders], target: "mart/totals" }, () => undefined),
      runStatusSensor({ name: "alerts", status: "FAILURE", monitored: "mart/*" }, () => undefined),
    ]);
    expect(snap.sensors).toEqual([
      expect.objectContaining({ name: "files", type: "standard", intervalSeconds: 5, defaultStatus: "RUNNING", targetAssetKeys: ["raw/orders"] }),
      expect.objectContaining({ name: "on_orders", type: "asset", watchedAssetKeys: ["raw/orders"], targetAssetKeys: ["mart/totals"] }),
      expect.objectContaining({ name: "alerts", type: "run_status", runStatus: "FAILURE", monitoredAssetKeys: ["mart/totals"] }),
    ]);
    expect(JSON.parse(JSON.stringify(snap.sensors))).toEqual(snap.sensors);
  });

  it("fails at load on unknown watched assets or an empty target", () => {
    const e = (() => {
      try {
        build([assetSensor({ name: "w", assets: ["raw/ordres"] }, () => undefined)]);
      } catch (x) {
        return x as StrataError;
      }
    })()!;
    expect(e.code).toBe("DEFS_UNKNOWN_DEP");
    expect(e.message).toBe('Sensor "w" assets references unknown asset "raw/ordres"');
    expect(e.hint).toBe('Did you mean "raw/orders"?');
    expect(e.where).toMatch(/sensor\.test\.ts:\d+$/);
    expect(() => build([sensor({ name: "t", target: "tag:none" }, () => undefined)])).toThrow(/matches no asset/);
  });
});

describe("sensor results", () => {
  const s = { name: "s", hasTarget: true };
  it("accepts a result, an array of run requests, or nothing", () => {
    expect(validateSensorResult(undefined, s)).toEqual({ runRequests: [] });
    expect(validateSensorResult([{ runKey: "a", partitionKey: "p" }], s)).toEqual({ runRequests: [{ runKey: "a", partitionKey: "p" }] });
    expect(
      validateSensorResult(
        { runRequests: [{ assetKeys: ["x"], tags: { a: "b" }, runConfig: { n: 1 } }], cursor: "c1", dynamicPartitions: [{ name: "files", add: ["f1"], remove: ["f0"] }] },
        s,
      ),
    ).toEqual({ runRequests: [{ assetKeys: ["x"], tags: { a: "b" }, runConfig: { n: 1 } }], cursor: "c1", dynamicPartitions: [{ name: "files", add: ["f1"], remove: ["f0"] }] });
    expect(validateSensorResult({ skipReason: "no files" }, s)).toEqual({ runRequests: [], skipReason: "no files" });
  });

  it("rejects garbage with the path of the bad value", () => {
    const bad = (v: unknown, opts = s) => () => validateSensorResult(v, opts);
    expect(bad("yes")).toThrow(/Sensor "s" returned an invalid result: the value is string/);
    expect(bad({ runs: [] })).toThrow(/"runs" is not a known field/);
    expect(bad({ runRequests: {} })).toThrow(/runRequests must be an array/);
    expect(bad([{ runKey: 3 }])).toThrow(/runRequests\[0\].runKey must be a non-empty string/);
    expect(bad([{ selection: "a", assetKeys: ["a"] }])).toThrow(/gives both selection and assetKeys/);
    expect(bad([{}], { name: "s", hasTarget: false })).toThrow(/has no selection or assetKeys, and the sensor has no target/);
    expect(bad([{ tags: { a: 1 } }])).toThrow(/tags must be an object of strings/);
    expect(bad({ runRequests: [{}], skipReason: "x" })).toThrow(/skipReason cannot be given together with run requests/);
    expect(bad({ cursor: 5 })).toThrow(/cursor must be a string/);
    expect(bad({ cursor: "x" }, { name: "s", hasTarget: true, managesCursor: true } as typeof s)).toThrow(/manage their own cursor/);
    expect(bad({ dynamicPartitions: [{ name: "f", add: [""] }] })).toThrow(/dynamicPartitions\[0\].add/);
    try {
      validateSensorResult(7, s);
    } catch (e) {
      expect((e as StrataError).code).toBe("USER_CODE");
    }
  });

  it("runSensorFunction wraps a throwing sensor and passes event arguments", async () => {
    const boom = sensor({ name: "boom", target: "*" }, () => {
      throw new Error("disk on fire");
    });
    await expect(runSensorFunction(boom, ctx)).rejects.toThrow(/Sensor "boom" threw: disk on fire/);
    const seen: unknown[] = [];
    const a = assetSensor({ name: "a", assets: ["raw/orders"], target: "*" }, (_c, mats) => {
      seen.push(mats);
      return [{ runKey: String(mats[0]!.eventId) }];
    });
    const r = await runSensorFunction(a, ctx, [{ assetKey: "raw/orders", eventId: 9, timestamp: 1, runId: "r" }]);
    expect(r.runRequests).toEqual([{ runKey: "9" }]);
    expect(seen).toHaveLength(1);
    const asyncSensor = sensor({ name: "as", target: "*" }, async (c) => ({ cursor: `${c.cursor ?? ""}x` }));
    expect(await runSensorFunction(asyncSensor, { ...ctx, cursor: "a" })).toEqual({ runRequests: [], cursor: "ax" });
  });

  it("run keys already used never launch again", () => {
    expect(filterUsedRunKeys([{ runKey: "a" }, { runKey: "b" }, { runKey: "b" }, {}], new Set(["a"]))).toEqual({ launch: [{ runKey: "b" }, {}], skipped: ["a", "b"] });
  });

  it("asset sensor cursors keep the last event id per asset", () => {
    const c1 = advanceAssetSensorCursor(undefined, [
      { assetKey: "b", eventId: 4 },
      { assetKey: "a", eventId: 7 },
      { assetKey: "a", eventId: 5 },
    ]);
    expect(c1).toBe('{"a":7,"b":4}');
    expect(parseAssetSensorCursor(advanceAssetSensorCursor(c1, [{ assetKey: "b", eventId: 10 }]))).toEqual({ a: 7, b: 10 });
    expect(() => parseAssetSensorCursor("[1]")).toThrow(/Invalid asset sensor cursor/);
  });

  it("run-status sensors match status and monitored assets", () => {
    const run = (status: RunRecord["status"], assetKeys: string[]) => ({ status, assetKeys });
    const s1 = { runStatus: "FAILURE" as const, monitoredAssetKeys: ["mart/totals"] };
    expect(runStatusSensorMatches(s1, run("FAILURE", ["mart/totals", "x"]))).toBe(true);
    expect(runStatusSensorMatches(s1, run("FAILURE", ["x"]))).toBe(false);
    expect(runStatusSensorMatches(s1, run("SUCCESS", ["mart/totals"]))).toBe(false);
    expect(runStatusSensorMatches({ runStatus: "SUCCESS" }, run("SUCCESS", []))).toBe(true);
  });
});
