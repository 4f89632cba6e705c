import { expect, it } from "vitest";
import { event, makeRun, materialization, planned, type ConformanceContext } from "./fixtures.ts";

/** Asset index maintained by storeEvents, materialisation history and wipes. */
export function assetIndexTests(ctx: ConformanceContext): void {
  async function newRun(): Promise<string> {
    const run = makeRun();
    await ctx.storage.createRun(run);
    return run.runId;
  }

  it("records the latest materialization with its metadata and versions", async () => {
    const r1 = await newRun();
    const r2 = await newRun();
    await ctx.storage.storeEvents([materialization(r1, "orders", { timestamp: 10 })]);
    const [stored] = await ctx.storage.storeEvents([
      materialization(r2, "orders", {
        timestamp: 20,
        partition: "2024-01-02",
        data: { metadata: { row_count: { type: "int", value: 7 } }, codeVersion: "c1", dataVersion: "d1" },
      }),
    ]);
    const [rec] = await ctx.storage.getAssetRecords(["orders"]);
    expect(rec).toStrictEqual({
      assetKey: "orders",
      lastRunId: r2,
      lastMaterialization: {
        eventId: stored?.id,
        runId: r2,
        assetKey: "orders",
        partition: "2024-01-02",
        timestamp: 20,
        metadata: { row_count: { type: "int", value: 7 } },
        codeVersion: "c1",
        dataVersion: "d1",
      },
    });
  });

  it("tracks planned runs and clears them when that run reports a result", async () => {
    const r1 = await newRun();
    const r2 = await newRun();
    await ctx.storage.storeEvents([planned(r1, "a"), planned(r1, "b")]);
    let [a] = await ctx.storage.getAssetRecords(["a"]);
    expect(a).toMatchObject({ lastPlannedRunId: r1, lastRunId: r1 });
    expect(a?.lastMaterialization).toBeUndefined();
    await ctx.storage.storeEvents([planned(r2, "b")]);
    await ctx.storage.storeEvents([materialization(r1, "a"), materialization(r1, "b")]);
    const [a2, b] = await ctx.storage.getAssetRecords(["a", "b"]);
    a = a2;
    expect(a?.lastPlannedRunId).toBeUndefined();
    expect(a?.lastMaterialization?.runId).toBe(r1);
    // r2 planned b after r1 did: r1's result must not erase r2's plan.
    expect(b?.lastPlannedRunId).toBe(r2);
  });

  it("records failures from data.assetKeys and assetKey, then clears them on success", async () => {
    const r1 = await newRun();
    const r2 = await newRun();
    await ctx.storage.storeEvents([planned(r1, "a"), planned(r1, "b"), planned(r1, "c")]);
    await ctx.storage.storeEvents([
      event(r1, "STEP_FAILURE", { stepKey: "ab", timestamp: 50, data: { assetKeys: ["a", "b"] } }),
      event(r1, "STEP_FAILURE", { stepKey: "c", assetKey: "c", timestamp: 51 }),
    ]);
    let recs = await ctx.storage.getAssetRecords(["a", "b", "c"]);
    expect(recs.map((r) => [r.assetKey, r.lastFailedRunId, r.lastFailedAt, r.lastPlannedRunId])).toEqual([
      ["a", r1, 50, undefined],
      ["b", r1, 50, undefined],
      ["c", r1, 51, undefined],
    ]);
    await ctx.storage.storeEvents([planned(r2, "a"), materialization(r2, "a", { timestamp: 60 })]);
    recs = await ctx.storage.getAssetRecords(["a", "b"]);
    expect(recs[0]).toMatchObject({ assetKey: "a", lastRunId: r2, lastMaterialization: { runId: r2, timestamp: 60 } });
    expect(recs[0]?.lastFailedRunId).toBeUndefined();
    expect(recs[0]?.lastFailedAt).toBeUndefined();
    expect(recs[1]?.lastFailedRunId).toBe(r1);
  });

  it("folds events within one batch in log order", async () => {
    const r1 = await newRun();
    await ctx.storage.storeEvents([
      planned(r1, "x"),
      materialization(r1, "x", { timestamp: 1 }),
      event(r1, "STEP_FAILURE", { assetKey: "x", timestamp: 2 }),
      planned(r1, "y"),
      event(r1, "STEP_FAILURE", { data: { assetKeys: ["y"] }, timestamp: 3 }),
      materialization(r1, "y", { timestamp: 4 }),
    ]);
    const [x, y] = await ctx.storage.getAssetRecords(["x", "y"]);
    expect(x).toMatchObject({ lastFailedRunId: r1, lastFailedAt: 2, lastMaterialization: { timestamp: 1 } });
    expect(y?.lastFailedRunId).toBeUndefined();
    expect(y?.lastMaterialization?.timestamp).toBe(4);
  });

  it("lists all assets sorted, or only the requested known ones", async () => {
    const r = await newRun();
    await ctx.storage.storeEvents([materialization(r, "b"), materialization(r, "a"), planned(r, "c")]);
    expect((await ctx.storage.getAssetRecords()).map((a) => a.assetKey)).toEqual(["a", "b", "c"]);
    expect((await ctx.storage.getAssetRecords(["c", "zzz", "a"])).map((a) => a.assetKey)).toEqual(["a", "c"]);
    expect(await ctx.storage.getAssetRecords([])).toEqual([]);
  });

  it("lists materializations newest first with keyset pagination and partition filter", async () => {
    const r = await newRun();
    const stored = await ctx.storage.storeEvents(
      Array.from({ length: 5 }, (_, i) => materialization(r, "p", { timestamp: i, partition: i % 2 === 0 ? "even" : "odd" })),
    );
    await ctx.storage.storeEvents([materialization(r, "other"), event(r, "LOG", { assetKey: "p" })]);
    const all = await ctx.storage.getMaterializations("p");
    expect(all.map((m) => m.timestamp)).toEqual([4, 3, 2, 1, 0]);
    const page1 = await ctx.storage.getMaterializations("p", { limit: 2 });
    const page2 = await ctx.storage.getMaterializations("p", { limit: 2, beforeEventId: page1.at(-1)?.eventId });
    expect([...page1, ...page2].map((m) => m.eventId)).toEqual(stored.slice(1).map((e) => e.id).reverse());
    expect((await ctx.storage.getMaterializations("p", { partition: "even" })).map((m) => m.timestamp)).toEqual([4, 2, 0]);
    expect(await ctx.storage.getMaterializations("missing")).toEqual([]);
  });

  it("wipes an asset: resets the index and hides history, keeps run events", async () => {
    const r = await newRun();
    await ctx.storage.storeEvents([materialization(r, "w"), materialization(r, "keep"), planned(r, "w")]);
    const before = Date.now();
    await ctx.storage.wipeAsset("w");
    const [keep, w] = await ctx.storage.getAssetRecords(["keep", "w"]);
    expect(keep?.lastMaterialization).toBeDefined();
    expect(w?.lastMaterialization).toBeUndefined();
    expect(w?.lastPlannedRunId).toBeUndefined();
    expect(w?.wipedAt).toBeGreaterThanOrEqual(before);
    expect(await ctx.storage.getMaterializations("w")).toEqual([]);
    expect((await ctx.storage.getEvents(r)).filter((e) => e.assetKey === "w")).toHaveLength(2);
    const r2 = await newRun();
    await ctx.storage.storeEvents([materialization(r2, "w")]);
    expect((await ctx.storage.getMaterializations("w")).map((m) => m.runId)).toEqual([r2]);
    const [w2] = await ctx.storage.getAssetRecords(["w"]);
    expect(w2?.lastMaterialization?.runId).toBe(r2);
  });

  it("applies ASSET_WIPED events given to storeEvents", async () => {
    const r = await newRun();
    await ctx.storage.storeEvents([materialization(r, "v"), event("", "ASSET_WIPED", { assetKey: "v", timestamp: 77 })]);
    const [v] = await ctx.storage.getAssetRecords(["v"]);
    expect(v).toStrictEqual({ assetKey: "v", wipedAt: 77 });
  });
}
