import { describe, expect, it } from "vitest";
import { isMaterializeResult, MaterializeResult, type AssetCheckResult } from "./materialize-result.ts";

describe("MaterializeResult", () => {
  it("defaults to an empty result", () => {
    const r = new MaterializeResult();
    expect(r.value).toBeUndefined();
    expect(r.metadata).toBeUndefined();
    expect(r.assetKey).toBeUndefined();
    expect(r.dataVersion).toBeUndefined();
    expect(r.checkResults).toEqual([]);
  });

  it("keeps what it is given", () => {
    const value = [{ id: 1 }];
    const r = new MaterializeResult({
      value,
      metadata: { row_count: 1 },
      assetKey: ["raw", "orders"],
      dataVersion: "v1",
      checkResults: [{ passed: true, checkName: "not_empty" }],
    });
    expect(r.value).toBe(value);
    expect(r.metadata).toEqual({ row_count: 1 });
    expect(r.assetKey).toEqual(["raw", "orders"]);
    expect(r.dataVersion).toBe("v1");
    expect(r.checkResults).toEqual([{ passed: true, checkName: "not_empty" }]);
  });

  it("is frozen, with its own frozen copy of the check results", () => {
    const checks: AssetCheckResult[] = [{ passed: false, severity: "WARN" }];
    const r = new MaterializeResult({ checkResults: checks });
    expect(Object.isFrozen(r)).toBe(true);
    expect(Object.isFrozen(r.checkResults)).toBe(true);
    checks.push({ passed: true });
    expect(r.checkResults).toHaveLength(1);
    expect(() => {
      (r as { value: unknown }).value = 1;
    }).toThrow(TypeError);
  });
});

describe("isMaterializeResult", () => {
  it("recognises instances only", () => {
    expect(isMaterializeResult(new MaterializeResult({ value: 1 }))).toBe(true);
    expect(isMaterializeResult({ value: 1, checkResults: [] })).toBe(false);
    expect(isMaterializeResult(null)).toBe(false);
  });
});
