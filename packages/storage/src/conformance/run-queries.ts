import { expect, it } from "vitest";
import type { RunRecord } from "@strata/core";
import { makeRun, materialization, type ConformanceContext } from "./fixtures.ts";

/** listRuns filters and pagination, and deleteRun. */
export function runQueryTests(ctx: ConformanceContext): void {
  async function seed(): Promise<RunRecord[]> {
    const runs = [
      makeRun({ status: "SUCCESS", tags: { team: "a", env: "prod" }, assetKeys: ["orders", "customers"] }),
      makeRun({ status: "FAILURE", tags: { team: "b", env: "prod" }, assetKeys: ["orders"] }),
      makeRun({ status: "QUEUED", tags: { team: "a", env: "dev" }, assetKeys: ["customers"] }),
      makeRun({ status: "STARTED", tags: {}, assetKeys: [] }),
    ];
    for (const r of runs) await ctx.storage.createRun(r);
    return runs;
  }
  const ids = (runs: RunRecord[]) => runs.map((r) => r.runId);

  it("lists runs newest first", async () => {
    const runs = await seed();
    expect(ids(await ctx.storage.listRuns())).toEqual(ids(runs).reverse());
  });

  it("breaks createdAt ties by insertion order, newest first", async () => {
    const a = makeRun({ createdAt: 10 });
    const b = makeRun({ createdAt: 10 });
    await ctx.storage.createRun(a);
    await ctx.storage.createRun(b);
    expect(ids(await ctx.storage.listRuns())).toEqual([b.runId, a.runId]);
  });

  it("filters by statuses", async () => {
    const [s, f] = await seed();
    expect(ids(await ctx.storage.listRuns({ statuses: ["SUCCESS", "FAILURE"] }))).toEqual([f?.runId, s?.runId]);
    expect(await ctx.storage.listRuns({ statuses: [] })).toEqual([]);
  });

  it("filters by every given tag", async () => {
    const [s, , q] = await seed();
    expect(ids(await ctx.storage.listRuns({ tags: { team: "a" } }))).toEqual([q?.runId, s?.runId]);
    expect(ids(await ctx.storage.listRuns({ tags: { team: "a", env: "prod" } }))).toEqual([s?.runId]);
    expect(await ctx.storage.listRuns({ tags: { team: "zzz" } })).toEqual([]);
  });

  it("filters by tags added after creation, with their new values", async () => {
    const [s, f] = await seed();
    await ctx.storage.addRunTags(f?.runId ?? "", { team: "a", retry: "1" });
    expect(ids(await ctx.storage.listRuns({ tags: { team: "a", env: "prod" } }))).toEqual([f?.runId, s?.runId]);
    expect(ids(await ctx.storage.listRuns({ tags: { team: "b" } }))).toEqual([]);
    expect(ids(await ctx.storage.listRuns({ tags: { retry: "1" } }))).toEqual([f?.runId]);
  });

  it("filters by run ids and by asset key", async () => {
    const [s, f, q, st] = await seed();
    expect(ids(await ctx.storage.listRuns({ runIds: [s?.runId ?? "", st?.runId ?? "", "missing"] }))).toEqual([st?.runId, s?.runId]);
    expect(await ctx.storage.listRuns({ runIds: [] })).toEqual([]);
    expect(ids(await ctx.storage.listRuns({ assetKey: "orders" }))).toEqual([f?.runId, s?.runId]);
    expect(ids(await ctx.storage.listRuns({ assetKey: "customers" }))).toEqual([q?.runId, s?.runId]);
    expect(await ctx.storage.listRuns({ assetKey: "order" })).toEqual([]);
  });

  it("filters by creation time and combines filters", async () => {
    const [s, f, q] = await seed();
    expect(ids(await ctx.storage.listRuns({ createdAfter: s?.createdAt, createdBefore: q?.createdAt }))).toEqual([f?.runId]);
    expect(ids(await ctx.storage.listRuns({ createdBefore: f?.createdAt }))).toEqual([s?.runId]);
    expect(ids(await ctx.storage.listRuns({ assetKey: "orders", tags: { env: "prod" }, statuses: ["FAILURE"] }))).toEqual([f?.runId]);
  });

  it("paginates with limit and cursor without gaps or repeats", async () => {
    const runs: RunRecord[] = [];
    for (let i = 0; i < 7; i++) runs.push(makeRun({ createdAt: 100 + Math.floor(i / 2) }));
    for (const r of runs) await ctx.storage.createRun(r);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await ctx.storage.listRuns({ limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...ids(page));
      if (page.length < 3) break;
      cursor = page.at(-1)?.runId;
    }
    expect(seen).toEqual(ids(runs).reverse());
  });

  it("rejects an unknown cursor with RUN_NOT_FOUND", async () => {
    await expect(ctx.storage.listRuns({ cursor: "gone" })).rejects.toMatchObject({ code: "RUN_NOT_FOUND" });
  });

  it("deletes a run with its events, tags, asset rows and pool slots", async () => {
    const [s, f] = await seed();
    const runId = s?.runId ?? "";
    await ctx.storage.storeEvents([materialization(runId, "orders")]);
    await ctx.storage.claimPoolSlot("db", 2, runId, "orders");
    await ctx.storage.deleteRun(runId);
    expect(await ctx.storage.getRun(runId)).toBeUndefined();
    expect(await ctx.storage.getEvents(runId)).toEqual([]);
    expect(ids(await ctx.storage.listRuns({ tags: { team: "a", env: "prod" } }))).toEqual([]);
    expect(ids(await ctx.storage.listRuns({ assetKey: "orders" }))).toEqual([f?.runId]);
    expect(await ctx.storage.getPoolUsage()).toEqual([]);
    await ctx.storage.deleteRun(runId);
  });

  it("repairs the asset index when the run holding the latest materialization is deleted", async () => {
    const r1 = makeRun();
    const r2 = makeRun();
    await ctx.storage.createRun(r1);
    await ctx.storage.createRun(r2);
    const [first] = await ctx.storage.storeEvents([materialization(r1.runId, "orders", { timestamp: 1 })]);
    await ctx.storage.storeEvents([materialization(r2.runId, "orders", { timestamp: 2 })]);
    await ctx.storage.storeEvents([materialization(r2.runId, "only_r2", { timestamp: 2 })]);
    await ctx.storage.deleteRun(r2.runId);
    const [onlyR2, orders] = await ctx.storage.getAssetRecords(["orders", "only_r2"]);
    expect([onlyR2?.assetKey, orders?.assetKey]).toEqual(["only_r2", "orders"]);
    expect(orders?.lastMaterialization).toMatchObject({ eventId: first?.id, runId: r1.runId });
    expect(orders?.lastRunId).toBe(r1.runId);
    expect(onlyR2?.lastMaterialization).toBeUndefined();
    expect(await ctx.storage.getMaterializations("orders")).toHaveLength(1);
  });
}
