import { expect, it } from "vitest";
import type { StrataEvent } from "@strata/core";
import { event, makeRun, materialization, type ConformanceContext } from "./fixtures.ts";

/** Event log: append order, ids, tailing, filters, atomic batches. */
export function eventLogTests(ctx: ConformanceContext): void {
  async function newRun(): Promise<string> {
    const run = makeRun();
    await ctx.storage.createRun(run);
    return run.runId;
  }

  it("returns stored records with increasing ids, equal to the input", async () => {
    const runId = await newRun();
    const input: StrataEvent[] = [
      event(runId, "STEP_START", { stepKey: "a" }),
      event(runId, "LOG", { stepKey: "a", level: "warn", message: "careful", data: { fields: { n: 1, nested: { x: [1, 2] } } } }),
      materialization(runId, "a", { partition: "p1", data: { metadata: { rows: { type: "int", value: 3 } }, dataVersion: "dv" } }),
    ];
    const stored = await ctx.storage.storeEvents(input);
    expect(stored.map(({ id: _id, ...rest }) => rest)).toStrictEqual(input);
    const ids = stored.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(3);
    expect(await ctx.storage.getEvents(runId)).toStrictEqual(stored);
  });

  it("stores nothing for an empty batch", async () => {
    expect(await ctx.storage.storeEvents([])).toEqual([]);
  });

  it("keeps log order across batches and runs, and tails with afterId", async () => {
    const a = await newRun();
    const b = await newRun();
    const first = await ctx.storage.storeEvents([event(a, "STEP_START"), event(b, "STEP_START"), event(a, "LOG")]);
    const second = await ctx.storage.storeEvents([event(a, "STEP_SUCCESS"), event(b, "STEP_FAILURE")]);
    expect((first.at(-1)?.id ?? 0) < (second[0]?.id ?? 0)).toBe(true);
    expect((await ctx.storage.getEvents(a)).map((e) => e.type)).toEqual(["STEP_START", "LOG", "STEP_SUCCESS"]);
    const tail = await ctx.storage.getEvents(a, { afterId: first[2]?.id });
    expect(tail.map((e) => e.id)).toEqual([second[0]?.id]);
    expect(await ctx.storage.getEvents(a, { afterId: second[1]?.id })).toEqual([]);
  });

  it("filters events by type, step and limit", async () => {
    const runId = await newRun();
    await ctx.storage.storeEvents([
      event(runId, "STEP_START", { stepKey: "x" }),
      event(runId, "LOG", { stepKey: "x" }),
      event(runId, "STEP_START", { stepKey: "y" }),
      event(runId, "LOG", { stepKey: "y" }),
      event(runId, "STEP_SUCCESS", { stepKey: "y" }),
    ]);
    expect((await ctx.storage.getEvents(runId, { types: ["LOG"] })).map((e) => e.stepKey)).toEqual(["x", "y"]);
    expect((await ctx.storage.getEvents(runId, { stepKey: "y" })).map((e) => e.type)).toEqual(["STEP_START", "LOG", "STEP_SUCCESS"]);
    expect((await ctx.storage.getEvents(runId, { limit: 2 })).map((e) => e.type)).toEqual(["STEP_START", "LOG"]);
    expect(await ctx.storage.getEvents(runId, { types: ["LOG"], stepKey: "y", limit: 1 })).toHaveLength(1);
  });

  it("rejects a malformed batch atomically with a STORAGE error", async () => {
    const runId = await newRun();
    const bad = [event(runId, "LOG"), event(runId, "ASSET_MATERIALIZATION")];
    await expect(ctx.storage.storeEvents(bad)).rejects.toMatchObject({ code: "STORAGE", message: expect.stringContaining("assetKey") });
    const badFailure = [event(runId, "STEP_FAILURE", { data: { assetKeys: "a" } })];
    await expect(ctx.storage.storeEvents(badFailure)).rejects.toMatchObject({ code: "STORAGE" });
    expect(await ctx.storage.getEvents(runId)).toEqual([]);
  });

  it("stores a large batch in order", async () => {
    const runId = await newRun();
    const input = Array.from({ length: 2500 }, (_, i) => event(runId, "LOG", { message: `m${i}` }));
    const stored = await ctx.storage.storeEvents(input);
    expect(stored).toHaveLength(2500);
    const read = await ctx.storage.getEvents(runId);
    expect(read.map((e) => e.message)).toEqual(input.map((e) => e.message));
    expect(read.map((e) => e.id)).toEqual(stored.map((e) => e.id));
  });

  it("tails the whole log across runs with getEventsAfter, and reports the last id", async () => {
    expect(await ctx.storage.getLastEventId()).toBe(0);
    expect(await ctx.storage.getEventsAfter(0)).toEqual([]);
    const a = await newRun();
    const b = await newRun();
    const stored = await ctx.storage.storeEvents([event(a, "STEP_START"), event(b, "STEP_START"), event(a, "LOG"), event(b, "LOG")]);
    expect(await ctx.storage.getLastEventId()).toBe(stored.at(-1)!.id);
    expect(await ctx.storage.getEventsAfter(0)).toStrictEqual(stored);
    expect(await ctx.storage.getEventsAfter(stored[0]!.id, 2)).toStrictEqual(stored.slice(1, 3));
    expect(await ctx.storage.getEventsAfter(stored.at(-1)!.id)).toEqual([]);
  });
}
