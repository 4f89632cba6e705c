import { expect, it } from "vitest";
import type { ConformanceContext } from "./fixtures.ts";

/** Dynamic partition sets: add, delete, read in insertion order, list. */
export function dynamicPartitionTests(ctx: ConformanceContext): void {
  it("adds keys idempotently in insertion order and counts only new ones", async () => {
    expect(await ctx.storage.addDynamicPartitions("customers", ["globex", "acme", "globex"])).toBe(2);
    expect(await ctx.storage.addDynamicPartitions("customers", ["acme", "initech", "zeta", "initech"])).toBe(2);
    expect(await ctx.storage.addDynamicPartitions("customers", [])).toBe(0);
    expect(await ctx.storage.getDynamicPartitions("customers")).toEqual(["globex", "acme", "initech", "zeta"]);
    expect(await ctx.storage.getDynamicPartitions("unknown")).toEqual([]);
  });

  it("deletes keys, counting those that existed; a re-added key goes to the end", async () => {
    await ctx.storage.addDynamicPartitions("regions", ["eu", "us", "apac"]);
    expect(await ctx.storage.deleteDynamicPartitions("regions", ["us", "mars", "us"])).toBe(1);
    expect(await ctx.storage.deleteDynamicPartitions("other", ["eu"])).toBe(0);
    expect(await ctx.storage.getDynamicPartitions("regions")).toEqual(["eu", "apac"]);
    expect(await ctx.storage.addDynamicPartitions("regions", ["us"])).toBe(1);
    expect(await ctx.storage.getDynamicPartitions("regions")).toEqual(["eu", "apac", "us"]);
  });

  it("lists sets with their key counts, by name; an emptied set disappears", async () => {
    await ctx.storage.addDynamicPartitions("b", ["1", "2"]);
    await ctx.storage.addDynamicPartitions("a", ["x"]);
    await ctx.storage.addDynamicPartitions("c", ["only"]);
    await ctx.storage.deleteDynamicPartitions("c", ["only"]);
    expect(await ctx.storage.listDynamicPartitionSets()).toEqual([
      { name: "a", count: 1 },
      { name: "b", count: 2 },
    ]);
  });

  it("keeps sets separate: the same key may be in several", async () => {
    expect(await ctx.storage.addDynamicPartitions("s1", ["k"])).toBe(1);
    expect(await ctx.storage.addDynamicPartitions("s2", ["k"])).toBe(1);
    await ctx.storage.deleteDynamicPartitions("s1", ["k"]);
    expect(await ctx.storage.getDynamicPartitions("s2")).toEqual(["k"]);
  });

  it("rejects empty names and empty or non-string keys, changing nothing", async () => {
    await expect(ctx.storage.addDynamicPartitions("", ["a"])).rejects.toMatchObject({ code: "PARTITION_INVALID" });
    await expect(ctx.storage.addDynamicPartitions("s", ["a", ""])).rejects.toMatchObject({
      code: "PARTITION_INVALID",
      message: expect.stringContaining("Key 1"),
    });
    await expect(ctx.storage.addDynamicPartitions("s", ["a", 3 as unknown as string])).rejects.toMatchObject({ code: "PARTITION_INVALID" });
    await expect(ctx.storage.deleteDynamicPartitions("", ["a"])).rejects.toMatchObject({ code: "PARTITION_INVALID" });
    await expect(ctx.storage.getDynamicPartitions("")).rejects.toMatchObject({ code: "PARTITION_INVALID" });
    expect(await ctx.storage.listDynamicPartitionSets()).toEqual([]);
  });

  it("adds and reads 20,000 keys in one call, in order", async () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `customer-${(i * 7919) % 20_000}`);
    expect(await ctx.storage.addDynamicPartitions("many", keys)).toBe(20_000);
    expect(await ctx.storage.getDynamicPartitions("many")).toEqual(keys);
    expect(await ctx.storage.deleteDynamicPartitions("many", keys.slice(0, 15_000))).toBe(15_000);
    expect(await ctx.storage.listDynamicPartitionSets()).toEqual([{ name: "many", count: 5000 }]);
  });
}
