import { expect, it } from "vitest";
import type { TickRecord } from "../storage.ts";
import { makeRun, type ConformanceContext } from "./fixtures.ts";

const tick = (overrides: Partial<TickRecord> = {}): TickRecord => ({
  tickId: "schedule:daily:1700000000000",
  instigatorName: "daily",
  instigatorType: "schedule",
  status: "STARTED",
  scheduledAt: 1_700_000_000_000,
  runIds: [],
  runKeys: ["schedule:daily:1700000000000"],
  createdAt: 1_700_000_000_500,
  updatedAt: 1_700_000_000_500,
  ...overrides,
});

/** Ticks, run keys and automation evaluations (the daemon's crash-safety primitives). */
export function tickTests(ctx: ConformanceContext): void {
  it("creates a tick once per id and updates it", async () => {
    expect(await ctx.storage.createTick(tick({ data: { requests: [{ a: 1 }] } }))).toBe(true);
    expect(await ctx.storage.createTick(tick({ status: "SUCCESS" }))).toBe(false);
    const t = await ctx.storage.getTick("schedule:daily:1700000000000");
    expect(t).toMatchObject({ status: "STARTED", scheduledAt: 1_700_000_000_000, runKeys: ["schedule:daily:1700000000000"], data: { requests: [{ a: 1 }] } });
    await ctx.storage.updateTick(t!.tickId, { status: "SUCCESS", runIds: ["r1"], cursor: "c", endedAt: 5 });
    expect(await ctx.storage.getTick(t!.tickId)).toMatchObject({ status: "SUCCESS", runIds: ["r1"], cursor: "c", endedAt: 5 });
    await expect(ctx.storage.updateTick("nope", { status: "FAILURE" })).rejects.toMatchObject({ code: "STORAGE" });
    expect(await ctx.storage.getTick("nope")).toBeUndefined();
  });

  it("lists ticks newest first, filtered, and prunes all but STARTED ones", async () => {
    for (let i = 0; i < 5; i++) await ctx.storage.createTick(tick({ tickId: `t${i}`, status: i === 0 ? "STARTED" : "SUCCESS" }));
    await ctx.storage.createTick(tick({ tickId: "s1", instigatorName: "files", instigatorType: "sensor", status: "SKIPPED", skipReason: "no files" }));
    expect((await ctx.storage.listTicks({ instigatorName: "daily" })).map((t) => t.tickId)).toEqual(["t4", "t3", "t2", "t1", "t0"]);
    expect((await ctx.storage.listTicks({ statuses: ["STARTED"] })).map((t) => t.tickId)).toEqual(["t0"]);
    expect((await ctx.storage.listTicks({ instigatorType: "sensor" }))[0]).toMatchObject({ skipReason: "no files" });
    expect((await ctx.storage.listTicks({ limit: 2 })).map((t) => t.tickId)).toEqual(["s1", "t4"]);
    expect(await ctx.storage.pruneTicks("daily", 2)).toBe(2);
    expect((await ctx.storage.listTicks({ instigatorName: "daily" })).map((t) => t.tickId)).toEqual(["t4", "t3", "t0"]);
  });

  it("creates a run with a run key exactly once per instigator", async () => {
    const r1 = makeRun();
    const r2 = makeRun();
    expect(await ctx.storage.createRunWithKey(r1, "sensor:files", "a.csv")).toBe(true);
    expect(await ctx.storage.createRunWithKey(r2, "sensor:files", "a.csv")).toBe(false);
    expect(await ctx.storage.getRun(r2.runId)).toBeUndefined();
    expect(await ctx.storage.createRunWithKey(r2, "sensor:other", "a.csv")).toBe(true);
    expect(await ctx.storage.getRunKeys("sensor:files")).toEqual([{ runKey: "a.csv", runId: r1.runId }]);
    expect(await ctx.storage.getRunKeys("sensor:files", ["b.csv"])).toEqual([]);
    // A deleted run's key stays used.
    await ctx.storage.deleteRun(r1.runId);
    expect(await ctx.storage.createRunWithKey(makeRun(), "sensor:files", "a.csv")).toBe(false);
  });

  it("stores automation evaluations and keeps the newest per asset", async () => {
    const rec = (i: number, assetKey = "a") => ({ tickId: `t${i}`, assetKey, evaluatedAt: i, requestedCount: i % 2, evaluation: { tree: { value: i % 2 === 1 } } });
    for (let i = 0; i < 4; i++) await ctx.storage.storeAutomationEvaluations([rec(i), rec(i, "b")], { keepPerAsset: 3 });
    const a = await ctx.storage.getAutomationEvaluations("a", { limit: 10 });
    expect(a.map((e) => e.tickId)).toEqual(["t3", "t2", "t1"]);
    expect(a[0]).toMatchObject({ assetKey: "a", requestedCount: 1, evaluation: { tree: { value: true } } });
    expect(await ctx.storage.getAutomationEvaluations("b", { limit: 1 })).toHaveLength(1);
    // Every asset of a batch is bounded, not only the first.
    expect((await ctx.storage.getAutomationEvaluations("b", { limit: 10 })).map((e) => e.tickId)).toEqual(["t3", "t2", "t1"]);
  });

  it("stores an evaluation given as JSON text as it stores the object", async () => {
    const evaluation = { assetKey: "c", tree: { type: "and", children: [{ type: "missing", value: true }] } };
    await ctx.storage.storeAutomationEvaluations([{ tickId: "t9", assetKey: "c", evaluatedAt: 9, requestedCount: 1, evaluation: JSON.stringify(evaluation) }]);
    expect(await ctx.storage.getAutomationEvaluations("c")).toMatchObject([{ tickId: "t9", requestedCount: 1, evaluation }]);
  });

  it("wipeAll forgets ticks, run keys and evaluations", async () => {
    await ctx.storage.createTick(tick());
    await ctx.storage.createRunWithKey(makeRun(), "s", "k");
    await ctx.storage.storeAutomationEvaluations([{ tickId: "t", assetKey: "a", evaluatedAt: 1, requestedCount: 0, evaluation: {} }]);
    await ctx.storage.wipeAll();
    expect(await ctx.storage.listTicks()).toEqual([]);
    expect(await ctx.storage.getRunKeys("s")).toEqual([]);
    expect(await ctx.storage.getAutomationEvaluations("a")).toEqual([]);
  });
}
