import { expect, it } from "vitest";
import type { ConformanceContext } from "./fixtures.ts";

/** Key-value storage. */
export function keyValueTests(ctx: ConformanceContext): void {
  it("sets, overwrites, reads and deletes values", async () => {
    expect(await ctx.storage.getValue("k")).toBeUndefined();
    await ctx.storage.setValue("k", "1");
    await ctx.storage.setValue("other", "x");
    expect(await ctx.storage.getValue("k")).toBe("1");
    await ctx.storage.setValue("k", '{"json":true}');
    expect(await ctx.storage.getValue("k")).toBe('{"json":true}');
    await ctx.storage.deleteValue("k");
    await ctx.storage.deleteValue("never-set");
    expect(await ctx.storage.getValue("k")).toBeUndefined();
    expect(await ctx.storage.getValue("other")).toBe("x");
  });
}

/** Concurrency pools. */
export function poolTests(ctx: ConformanceContext): void {
  it("grants slots up to the limit, per pool", async () => {
    expect(await ctx.storage.claimPoolSlot("db", 2, "r1", "a")).toBe(true);
    expect(await ctx.storage.claimPoolSlot("db", 2, "r1", "b")).toBe(true);
    expect(await ctx.storage.claimPoolSlot("db", 2, "r2", "a")).toBe(false);
    expect(await ctx.storage.claimPoolSlot("api", 1, "r2", "a")).toBe(true);
    expect(await ctx.storage.claimPoolSlot("none", 0, "r2", "a")).toBe(false);
    const usage = await ctx.storage.getPoolUsage();
    expect(usage.map((u) => [u.pool, u.runId, u.stepKey])).toEqual([
      ["api", "r2", "a"],
      ["db", "r1", "a"],
      ["db", "r1", "b"],
    ]);
    expect(usage.every((u) => typeof u.claimedAt === "number" && u.claimedAt > 0)).toBe(true);
  });

  it("is idempotent per (pool, run, step)", async () => {
    expect(await ctx.storage.claimPoolSlot("db", 1, "r1", "a")).toBe(true);
    expect(await ctx.storage.claimPoolSlot("db", 1, "r1", "a")).toBe(true);
    expect(await ctx.storage.getPoolUsage()).toHaveLength(1);
    expect(await ctx.storage.claimPoolSlot("db", 1, "r1", "b")).toBe(false);
  });

  it("frees one slot or all slots of a run", async () => {
    await ctx.storage.claimPoolSlot("db", 2, "r1", "a");
    await ctx.storage.claimPoolSlot("db", 2, "r1", "b");
    await ctx.storage.claimPoolSlot("api", 2, "r1", "c");
    await ctx.storage.claimPoolSlot("api", 2, "r2", "c");
    await ctx.storage.freePoolSlot("db", "r1", "a");
    await ctx.storage.freePoolSlot("db", "r1", "never");
    expect(await ctx.storage.claimPoolSlot("db", 2, "r3", "x")).toBe(true);
    await ctx.storage.freeRunPoolSlots("r1");
    expect((await ctx.storage.getPoolUsage()).map((u) => `${u.pool}/${u.runId}`)).toEqual(["api/r2", "db/r3"]);
  });

  it("never grants more than the limit to concurrent claimers", async () => {
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => ctx.storage.claimPoolSlot("db", 3, `r${i}`, "s")));
    expect(results.filter(Boolean)).toHaveLength(3);
    expect(await ctx.storage.getPoolUsage()).toHaveLength(3);
  });
}
