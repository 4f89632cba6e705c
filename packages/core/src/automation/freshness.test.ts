import { describe, expect, it } from "vitest";
import { StrataError } from "../errors.ts";
import { evaluateFreshness, freshnessPolicy, parseDuration, validFreshnessPolicy } from "./freshness.ts";
import { assetHealth } from "./health.ts";

const H = 3_600_000;
const Z = (s: string) => Date.parse(s);

describe("freshness policies", () => {
  it("parse durations", () => {
    expect(parseDuration("1h30m")).toBe(1.5 * H);
    expect(parseDuration("2d")).toBe(48 * H);
    expect(parseDuration(500)).toBe(500);
    expect(() => parseDuration("soon")).toThrow(/Invalid duration "soon"/);
    expect(() => parseDuration(-1)).toThrow(StrataError);
  });

  it("time window: fresh → warn → fail, with the next time the state can change", () => {
    const p = freshnessPolicy.timeWindow({ failAfter: "24h", warnAfter: "12h" });
    expect(p).toEqual({ kind: "time_window", failAfterMs: 24 * H, warnAfterMs: 12 * H });
    expect(Object.isFrozen(p)).toBe(true);
    const last = Z("2024-05-01T00:00Z");
    expect(evaluateFreshness(p, last, last + 1 * H)).toMatchObject({ state: "fresh", nextEvaluationAt: last + 12 * H });
    expect(evaluateFreshness(p, last, last + 12 * H)).toMatchObject({ state: "warn", nextEvaluationAt: last + 24 * H });
    const fail = evaluateFreshness(p, last, last + 24 * H);
    expect(fail.state).toBe("fail");
    expect(fail.nextEvaluationAt).toBeUndefined();
    expect(fail.reason).toMatch(/more than 1d ago/);
    expect(evaluateFreshness(p, undefined, last).state).toBe("unknown");
    expect(evaluateFreshness(freshnessPolicy.timeWindow({ failAfter: "1h" }), last, last + 1).nextEvaluationAt).toBe(last + H);
  });

  it("cron: materialised between deadline − lower bound and the deadline", () => {
    const p = freshnessPolicy.cron({ deadlineCron: "0 9 * * *", lowerBound: "3h", timezone: "Europe/Berlin" });
    expect(p).toEqual({ kind: "cron", deadlineCron: "0 9 * * *", lowerBoundMs: 3 * H, timezone: "Europe/Berlin" });
    // Deadline 2024-05-02 09:00 CEST = 07:00Z; window opens 04:00Z.
    const now = Z("2024-05-02T08:00Z");
    expect(evaluateFreshness(p, Z("2024-05-02T05:00Z"), now)).toMatchObject({ state: "fresh", nextEvaluationAt: Z("2024-05-03T07:00Z") });
    expect(evaluateFreshness(p, Z("2024-05-02T03:59Z"), now).state).toBe("fail");
    // Before today's deadline, yesterday's is the one that counts.
    expect(evaluateFreshness(p, Z("2024-05-01T05:00Z"), Z("2024-05-02T06:00Z")).state).toBe("fresh");
    expect(evaluateFreshness(p, undefined, now).state).toBe("unknown");
    // Materialised late (after the deadline) still counts for it.
    expect(evaluateFreshness(p, Z("2024-05-02T07:30Z"), now).state).toBe("fresh");
  });

  it("rejects invalid policies with where", () => {
    let e: StrataError | undefined;
    try {
      freshnessPolicy.cron({ deadlineCron: "0 9 * * *", lowerBound: "1h", timezone: "Nowhere/City" });
    } catch (x) {
      e = x as StrataError;
    }
    expect(e?.message).toMatch(/Unknown time zone/);
    expect(e?.where).toMatch(/freshness\.test\.ts:\d+$/);
    expect(() => freshnessPolicy.timeWindow({ failAfter: "1h", warnAfter: "2h" })).toThrow(/warnAfter \(2h\) must be shorter than failAfter/);
    expect(() => freshnessPolicy.cron({ deadlineCron: "0 * * * *", lowerBound: "2h" })).toThrow(/longer than the time between deadlines/);
    expect(() => validFreshnessPolicy({ kind: "x" })).toThrow(/Invalid freshness policy/);
    expect(validFreshnessPolicy(JSON.parse(JSON.stringify(freshnessPolicy.timeWindow({ failAfter: "1d" }))))).toEqual({ kind: "time_window", failAfterMs: 24 * H });
  });
});

describe("assetHealth", () => {
  it("degraded > warning > unknown > healthy", () => {
    expect(assetHealth({ materialization: "materialized" })).toEqual({ status: "healthy", reasons: [] });
    expect(assetHealth({ materialization: "materialized", freshness: "fresh", checks: [{ severity: "ERROR", passed: true }] }).status).toBe("healthy");
    expect(assetHealth({ materialization: "missing" })).toEqual({ status: "unknown", reasons: ["never materialised"] });
    expect(assetHealth({ materialization: "materialized", checks: [{ name: "rows", severity: "WARN", passed: false }] })).toEqual({
      status: "warning",
      reasons: ["check rows failed (WARN)"],
    });
    expect(assetHealth({ materialization: "materialized", freshness: "warn" }).status).toBe("warning");
    expect(assetHealth({ materialization: "failed" }).status).toBe("degraded");
    expect(assetHealth({ materialization: "materialized", checks: [{ severity: "ERROR", passed: false }] }).status).toBe("degraded");
    const worst = assetHealth({ materialization: "missing", freshness: "fail", checks: [{ severity: "WARN", passed: false }] });
    expect(worst).toEqual({ status: "degraded", reasons: ["freshness policy failed", "check failed (WARN)"] });
    expect(assetHealth({ materialization: "materialized", freshness: "unknown" }).status).toBe("healthy");
  });
});
