import { expect, it } from "vitest";
import { checkEvaluation, makeRun, materialization, type ConformanceContext } from "./fixtures.ts";

/** wipeAll, capabilities and close. */
export function lifecycleTests(ctx: ConformanceContext): void {
  it("reports its capabilities", () => {
    expect(["sqlite", "postgres"]).toContain(ctx.storage.capabilities.dialect);
    expect(typeof ctx.storage.capabilities.skipLocked).toBe("boolean");
  });

  it("wipeAll removes every run, event, index row, value and slot", async () => {
    const run = makeRun({ tags: { t: "1" }, assetKeys: ["a"] });
    await ctx.storage.createRun(run);
    await ctx.storage.storeEvents([materialization(run.runId, "a"), checkEvaluation(run.runId, "a", "c", true)]);
    await ctx.storage.setValue("k", "v");
    await ctx.storage.claimPoolSlot("db", 1, run.runId, "a");
    await ctx.storage.wipeAll();
    expect(await ctx.storage.listRuns()).toEqual([]);
    expect(await ctx.storage.getEvents(run.runId)).toEqual([]);
    expect(await ctx.storage.getAssetRecords()).toEqual([]);
    expect(await ctx.storage.getCheckStatus()).toEqual([]);
    expect(await ctx.storage.getMaterializations("a")).toEqual([]);
    expect(await ctx.storage.getValue("k")).toBeUndefined();
    expect(await ctx.storage.getPoolUsage()).toEqual([]);
    // Still usable afterwards.
    await ctx.storage.createRun(run);
    expect(await ctx.storage.listRuns({ tags: { t: "1" } })).toHaveLength(1);
  });

  it("fails clearly after close, and close is idempotent", async () => {
    await ctx.storage.close();
    await ctx.storage.close();
    await expect(ctx.storage.getRun("x")).rejects.toMatchObject({ code: "STORAGE", message: expect.stringContaining("closed") });
  });
}
