import { expect, it } from "vitest";
import { checkEvaluation, event, makeRun, type ConformanceContext } from "./fixtures.ts";

/** Check status index and check history. */
export function checkTests(ctx: ConformanceContext): void {
  async function newRun(): Promise<string> {
    const run = makeRun();
    await ctx.storage.createRun(run);
    return run.runId;
  }

  it("keeps the latest evaluation per check with its details", async () => {
    const r1 = await newRun();
    const r2 = await newRun();
    await ctx.storage.storeEvents([checkEvaluation(r1, "orders", "not_empty", true, { timestamp: 1 })]);
    const [stored] = await ctx.storage.storeEvents([
      checkEvaluation(r2, "orders", "not_empty", false, {
        timestamp: 2,
        partition: "p1",
        data: {
          check: { name: "not_empty", passed: false, severity: "WARN", blocking: false, description: "0 rows" },
          metadata: { rows: { type: "int", value: 0 } },
        },
      }),
    ]);
    expect(await ctx.storage.getCheckStatus(["orders:not_empty"])).toStrictEqual([
      {
        checkKey: "orders:not_empty",
        assetKey: "orders",
        lastEvaluation: {
          eventId: stored?.id,
          runId: r2,
          checkKey: "orders:not_empty",
          assetKey: "orders",
          partition: "p1",
          timestamp: 2,
          passed: false,
          severity: "WARN",
          metadata: { rows: { type: "int", value: 0 } },
          description: "0 rows",
        },
      },
    ]);
  });

  it("lists all check statuses sorted, or the requested known ones", async () => {
    const r = await newRun();
    await ctx.storage.storeEvents([
      checkEvaluation(r, "b", "c1", true),
      checkEvaluation(r, "a", "c1", true),
      checkEvaluation(r, "a", "c1", false),
    ]);
    const all = await ctx.storage.getCheckStatus();
    expect(all.map((c) => [c.checkKey, c.lastEvaluation?.passed])).toEqual([
      ["a:c1", false],
      ["b:c1", true],
    ]);
    expect((await ctx.storage.getCheckStatus(["b:c1", "nope"])).map((c) => c.checkKey)).toEqual(["b:c1"]);
  });

  it("returns check history newest first with a limit", async () => {
    const r = await newRun();
    await ctx.storage.storeEvents([1, 2, 3].map((t) => checkEvaluation(r, "a", "c", t !== 2, { timestamp: t })));
    await ctx.storage.storeEvents([checkEvaluation(r, "a", "other", true)]);
    expect((await ctx.storage.getCheckHistory("a:c")).map((e) => [e.timestamp, e.passed])).toEqual([
      [3, true],
      [2, false],
      [1, true],
    ]);
    expect(await ctx.storage.getCheckHistory("a:c", { limit: 1 })).toHaveLength(1);
  });

  it("forgets check status and history of a wiped asset only", async () => {
    const r = await newRun();
    await ctx.storage.storeEvents([checkEvaluation(r, "a", "c", true), checkEvaluation(r, "b", "c", true)]);
    await ctx.storage.wipeAsset("a");
    expect((await ctx.storage.getCheckStatus()).map((c) => c.checkKey)).toEqual(["b:c"]);
    expect(await ctx.storage.getCheckHistory("a:c")).toEqual([]);
    await ctx.storage.storeEvents([event("", "ASSET_WIPED", { assetKey: "b" }), checkEvaluation(r, "b", "c", false)]);
    const [b] = await ctx.storage.getCheckStatus(["b:c"]);
    expect(b?.lastEvaluation?.passed).toBe(false);
    expect(await ctx.storage.getCheckHistory("b:c")).toHaveLength(1);
  });

  it("rejects a check evaluation without its check data", async () => {
    const r = await newRun();
    await expect(ctx.storage.storeEvents([event(r, "ASSET_CHECK_EVALUATION", { assetKey: "a", checkKey: "a:c" })])).rejects.toMatchObject({
      code: "STORAGE",
    });
  });
}
