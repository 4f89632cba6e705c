import { expect, it } from "vitest";
import type { StrataEvent } from "@strata/core";
import type { AssetPartitionRecord } from "../storage.ts";
import { event, makeRun, materialization, planned, type ConformanceContext } from "./fixtures.ts";

/** The partition status index maintained by storeEvents, and getAssetPartitions. */
export function partitionIndexTests(ctx: ConformanceContext): void {
  async function newRun(): Promise<string> {
    const run = makeRun();
    await ctx.storage.createRun(run);
    return run.runId;
  }
  const statuses = async (asset: string) =>
    Object.fromEntries((await ctx.storage.getAssetPartitions(asset)).map((p) => [p.partition, p.status]));
  const failure = (runId: string, extra: Partial<StrataEvent>) => event(runId, "STEP_FAILURE", { level: "error", ...extra });

  it("moves a partition from planned (in_progress) to materialized", async () => {
    const r = await newRun();
    await ctx.storage.storeEvents([planned(r, "orders", { partition: "2024-01-01", timestamp: 10 })]);
    expect(await ctx.storage.getAssetPartitions("orders")).toStrictEqual([
      { assetKey: "orders", partition: "2024-01-01", status: "in_progress", lastRunId: r, updatedAt: 10 },
    ]);
    const [stored] = await ctx.storage.storeEvents([materialization(r, "orders", { partition: "2024-01-01", timestamp: 20 })]);
    expect(await ctx.storage.getAssetPartitions("orders")).toStrictEqual([
      {
        assetKey: "orders",
        partition: "2024-01-01",
        status: "materialized",
        lastMaterializedAt: 20,
        lastMaterializationEventId: stored?.id,
        lastMaterializationRunId: r,
        lastRunId: r,
        updatedAt: 20,
      },
    ]);
    // A successful run end changes nothing that already has a result.
    await ctx.storage.transitionRun(r, "SUCCESS", { event: event(r, "RUN_SUCCESS", { timestamp: 30 }) });
    expect((await ctx.storage.getAssetPartitions("orders"))[0]).toMatchObject({ status: "materialized", updatedAt: 20 });
  });

  it("reads the partitions of many assets at once, the same rows as one by one", async () => {
    const r = await newRun();
    await ctx.storage.storeEvents([
      materialization(r, "a", { partition: "2024-01-02", timestamp: 5 }),
      materialization(r, "a", { partition: "2024-01-01", timestamp: 6 }),
      materialization(r, "b", { partition: "us", timestamp: 7 }),
      planned(r, "c", { partition: "x", timestamp: 8 }),
    ]);
    const bulk = await ctx.storage.getPartitionsOfAssets(["a", "b", "c", "none"]);
    expect([...bulk.keys()]).toEqual(["a", "b", "c", "none"]);
    for (const k of ["a", "b", "c"]) expect(bulk.get(k)).toStrictEqual(await ctx.storage.getAssetPartitions(k));
    expect(bulk.get("a")!.map((p) => p.partition)).toEqual(["2024-01-01", "2024-01-02"]);
    expect(bulk.get("none")).toEqual([]);
    // Brief rows: the same rows and statuses; run ids and lastFailedAt may be left out.
    const brief = await ctx.storage.getPartitionsOfAssets(["a", "b", "c", "none"], { brief: true });
    const keep = ({ assetKey, partition, status, lastMaterializedAt, lastMaterializationEventId, updatedAt }: AssetPartitionRecord) => ({
      assetKey, partition, status, lastMaterializedAt, lastMaterializationEventId, updatedAt,
    });
    for (const k of ["a", "b", "c", "none"]) expect(brief.get(k)!.map(keep)).toEqual(bulk.get(k)!.map(keep));
  });

  it("reads the partitions of many assets as columns, the same rows as records", async () => {
    const r = await newRun();
    await ctx.storage.storeEvents([
      materialization(r, "a", { partition: "2024-01-02", timestamp: 5 }),
      materialization(r, "a", { partition: "2024-01-01", timestamp: 6 }),
      planned(r, "a", { partition: "2024-01-03", timestamp: 7 }),
      planned(r, "b", { partition: "us", timestamp: 8 }),
      failure(r, { partition: "us", timestamp: 9, data: { assetKeys: ["b"] } }),
      // A key holding the separator the bulk read joins keys with still reads back whole.
      materialization(r, "c", { partition: "x\u001fy", timestamp: 10 }),
      materialization(r, "c", { partition: "z", timestamp: 11 }),
    ]);
    const columns = await ctx.storage.getPartitionColumnsOfAssets(["a", "b", "c", "none"]);
    expect([...columns.keys()].sort()).toEqual(["a", "b", "c", "none"]);
    for (const k of ["a", "b", "c", "none"]) {
      const c = columns.get(k)!;
      const rows = c.partitions.map((partition, i) => ({
        partition,
        status: c.statuses[i],
        eventId: Number.isNaN(c.materializationEventIds[i]!) ? undefined : c.materializationEventIds[i],
      }));
      const records = (await ctx.storage.getAssetPartitions(k)).map((p) => ({ partition: p.partition, status: p.status[0], eventId: p.lastMaterializationEventId }));
      expect(rows.sort((x, y) => (x.partition < y.partition ? -1 : 1))).toEqual(records);
    }
    expect(columns.get("b")!.statuses).toBe("f");
    expect(columns.get("none")!.partitions).toEqual([]);
  });

  it("marks planned partitions failed from STEP_FAILURE with the event's partition and data.assetKeys", async () => {
    const r = await newRun();
    await ctx.storage.storeEvents([planned(r, "a", { partition: "p1" }), planned(r, "b", { partition: "p1" }), planned(r, "b", { partition: "p2" })]);
    await ctx.storage.storeEvents([failure(r, { partition: "p1", timestamp: 50, data: { assetKeys: ["a", "b"] } })]);
    expect(await ctx.storage.getAssetPartitions("a")).toStrictEqual([
      { assetKey: "a", partition: "p1", status: "failed", lastRunId: r, lastFailedAt: 50, updatedAt: 50 },
    ]);
    expect(await statuses("b")).toEqual({ p1: "failed", p2: "in_progress" });
    // Unpartitioned events never create partition rows.
    await ctx.storage.storeEvents([materialization(r, "c"), failure(r, { data: { assetKeys: ["c"] } }), planned(r, "c")]);
    expect(await ctx.storage.getAssetPartitions("c")).toEqual([]);
  });

  it("records range-run plans and failures listed in data.partitions", async () => {
    const r = await newRun();
    const days = ["2024-01-01", "2024-01-02", "2024-01-03"];
    await ctx.storage.storeEvents([
      planned(r, "a", { data: { partitions: days } }),
      planned(r, "b", { data: { partitions: days } }),
      materialization(r, "a", { partition: "2024-01-01" }),
    ]);
    expect(await statuses("a")).toEqual({ "2024-01-01": "materialized", "2024-01-02": "in_progress", "2024-01-03": "in_progress" });
    await ctx.storage.storeEvents([failure(r, { timestamp: 99, data: { assetKeys: ["a", "b"], partitions: days.slice(1) } })]);
    expect(await statuses("a")).toEqual({ "2024-01-01": "materialized", "2024-01-02": "failed", "2024-01-03": "failed" });
    expect(await statuses("b")).toEqual({ "2024-01-01": "in_progress", "2024-01-02": "failed", "2024-01-03": "failed" });
    await ctx.storage.transitionRun(r, "FAILURE");
    // b/2024-01-01 was only planned: it falls back to missing.
    expect(await statuses("b")).toEqual({ "2024-01-02": "failed", "2024-01-03": "failed" });
    await expect(ctx.storage.storeEvents([failure(r, { data: { assetKeys: ["a"], partitions: "2024-01-01" } })])).rejects.toMatchObject({
      code: "STORAGE",
      message: expect.stringContaining("data.partitions"),
    });
  });

  for (const end of ["CANCELED", "FAILURE", "SUCCESS"] as const) {
    it(`resets partitions a run left in_progress to their previous state when it ends (${end})`, async () => {
      const r0 = await newRun();
      await ctx.storage.storeEvents([
        materialization(r0, "x", { partition: "was-ok", timestamp: 1 }),
        failure(r0, { partition: "was-failed", timestamp: 2, data: { assetKeys: ["x"] } }),
        materialization(r0, "x", { partition: "ok-then-failed", timestamp: 3 }),
        failure(r0, { partition: "ok-then-failed", timestamp: 4, data: { assetKeys: ["x"] } }),
      ]);
      const r1 = await newRun();
      const other = await newRun();
      const parts = ["was-ok", "was-failed", "ok-then-failed", "new"];
      await ctx.storage.storeEvents(parts.map((p) => planned(r1, "x", { partition: p, timestamp: 10 })));
      await ctx.storage.storeEvents([planned(other, "x", { partition: "other-run", timestamp: 11 })]);
      expect(await statuses("x")).toEqual({ "was-ok": "in_progress", "was-failed": "in_progress", "ok-then-failed": "in_progress", new: "in_progress", "other-run": "in_progress" });
      await ctx.storage.transitionRun(r1, end, { event: event(r1, `RUN_${end}`, { timestamp: 20 }) });
      expect(await statuses("x")).toEqual({ "was-ok": "materialized", "was-failed": "failed", "ok-then-failed": "failed", "other-run": "in_progress" });
      const [okThenFailed, wasOk] = await ctx.storage.getAssetPartitions("x", { partitions: ["was-ok", "ok-then-failed"] });
      expect(wasOk).toMatchObject({ status: "materialized", lastMaterializedAt: 1, lastMaterializationRunId: r0, lastRunId: r1, updatedAt: 20 });
      expect(okThenFailed).toMatchObject({ status: "failed", lastMaterializedAt: 3, lastFailedAt: 4 });
    });
  }

  it("clears a partition's failure when it is materialised again, so a later canceled plan returns to materialized", async () => {
    const r1 = await newRun();
    await ctx.storage.storeEvents([failure(r1, { partition: "p", timestamp: 5, data: { assetKeys: ["y"] } })]);
    const r2 = await newRun();
    await ctx.storage.storeEvents([planned(r2, "y", { partition: "p" }), materialization(r2, "y", { partition: "p", timestamp: 5 })]);
    const [p] = await ctx.storage.getAssetPartitions("y");
    expect(p?.status).toBe("materialized");
    expect(p?.lastFailedAt).toBeUndefined();
    const r3 = await newRun();
    await ctx.storage.storeEvents([planned(r3, "y", { partition: "p" })]);
    await ctx.storage.transitionRun(r3, "CANCELED");
    expect(await statuses("y")).toEqual({ p: "materialized" });
  });

  it("folds plans, results and run ends within one batch in log order", async () => {
    const r = await newRun();
    await ctx.storage.storeEvents([
      planned(r, "z", { partition: "a" }),
      planned(r, "z", { partition: "b" }),
      planned(r, "z", { partition: "c" }),
      materialization(r, "z", { partition: "a" }),
      failure(r, { partition: "b", data: { assetKeys: ["z"] } }),
      event(r, "RUN_FAILURE"),
      planned(r, "z", { partition: "d" }),
    ]);
    // c was reset by the run end (missing); d was planned after it and stays in_progress.
    expect(await statuses("z")).toEqual({ a: "materialized", b: "failed", d: "in_progress" });
  });

  it("indexes a 3-year range run (1,095 partitions) reported in one batch quickly", async () => {
    const r = await newRun();
    const days = Array.from({ length: 1095 }, (_, i) => new Date(Date.UTC(2022, 0, 1 + i)).toISOString().slice(0, 10));
    await ctx.storage.storeEvents([planned(r, "range", { data: { partitions: days } })]);
    const events = days.map((d, i) => materialization(r, "range", { partition: d, timestamp: 1000 + i }));
    const t0 = performance.now();
    await ctx.storage.storeEvents([...events, event(r, "RUN_SUCCESS")]);
    const ms = performance.now() - t0;
    console.log(`[strata storage] storeEvents of 1,095 partition materialisations + run end: ${ms.toFixed(1)} ms`);
    const rows = await ctx.storage.getAssetPartitions("range");
    expect(rows).toHaveLength(1095);
    expect(rows.every((p) => p.status === "materialized")).toBe(true);
    expect(rows[1094]).toMatchObject({ partition: "2024-12-30", lastMaterializedAt: 2094 });
    expect(ms).toBeLessThan(2000);
  });

  it("filters by partitions, returning only recorded ones sorted by key", async () => {
    const r = await newRun();
    await ctx.storage.storeEvents(["c", "a", "b"].map((p) => materialization(r, "f", { partition: p })));
    await ctx.storage.storeEvents([materialization(r, "g", { partition: "a" })]);
    expect((await ctx.storage.getAssetPartitions("f")).map((p) => p.partition)).toEqual(["a", "b", "c"]);
    expect((await ctx.storage.getAssetPartitions("f", { partitions: ["c", "zz", "a", "a"] })).map((p) => p.partition)).toEqual(["a", "c"]);
    expect(await ctx.storage.getAssetPartitions("f", { partitions: [] })).toEqual([]);
    expect(await ctx.storage.getAssetPartitions("nope")).toEqual([]);
  });

  it("filters by materializedAfter (strictly newer materialisations only; never-materialised rows excluded)", async () => {
    const r = await newRun();
    await ctx.storage.storeEvents([
      materialization(r, "m", { partition: "a", timestamp: 10 }),
      materialization(r, "m", { partition: "b", timestamp: 20 }),
      materialization(r, "m", { partition: "c", timestamp: 30 }),
      planned(r, "m", { partition: "d", timestamp: 40 }),
    ]);
    expect((await ctx.storage.getAssetPartitions("m", { materializedAfter: 20 })).map((p) => p.partition)).toEqual(["c"]);
    expect((await ctx.storage.getAssetPartitions("m", { materializedAfter: 0 })).map((p) => p.partition)).toEqual(["a", "b", "c"]);
    expect((await ctx.storage.getAssetPartitions("m", { materializedAfter: 5, partitions: ["b", "d"] })).map((p) => p.partition)).toEqual(["b"]);
  });

  it("forgets a wiped asset's partitions only, and indexes events after the wipe", async () => {
    const r = await newRun();
    await ctx.storage.storeEvents([
      materialization(r, "w", { partition: "1" }),
      planned(r, "w", { partition: "2" }),
      materialization(r, "keep", { partition: "1" }),
    ]);
    await ctx.storage.wipeAsset("w");
    expect(await ctx.storage.getAssetPartitions("w")).toEqual([]);
    expect(await statuses("keep")).toEqual({ 1: "materialized" });
    await ctx.storage.storeEvents([
      materialization(r, "w", { partition: "3" }),
      event("", "ASSET_WIPED", { assetKey: "w" }),
      materialization(r, "w", { partition: "4" }),
    ]);
    expect(await statuses("w")).toEqual({ 4: "materialized" });
    // The run ending later finds nothing of "w" left in progress.
    await ctx.storage.transitionRun(r, "CANCELED");
    expect(await statuses("w")).toEqual({ 4: "materialized" });
  });

  it("resets partitions a deleted run left in_progress; rows it materialised stay readable", async () => {
    const r1 = await newRun();
    await ctx.storage.storeEvents([materialization(r1, "d", { partition: "done" }), materialization(r1, "d", { partition: "again" })]);
    const r2 = await newRun();
    await ctx.storage.storeEvents([planned(r2, "d", { partition: "again" }), planned(r2, "d", { partition: "new" }), materialization(r2, "d", { partition: "by-r2" })]);
    await ctx.storage.deleteRun(r2);
    expect(await statuses("d")).toEqual({ done: "materialized", again: "materialized", "by-r2": "materialized" });
    const byR2 = (await ctx.storage.getAssetPartitions("d", { partitions: ["by-r2"] }))[0];
    expect(byR2?.lastMaterializationRunId).toBe(r2);
    expect(await ctx.storage.getRun(r2)).toBeUndefined();
    await ctx.storage.deleteRun(r1);
    expect(Object.keys(await statuses("d"))).toHaveLength(3);
  });

  it("reads 50,000 partitions of one asset fast", async () => {
    const r = await newRun();
    const total = 50_000;
    const key = (i: number) => `k${String(i).padStart(6, "0")}`;
    for (let start = 0; start < total; start += 5000) {
      const batch: StrataEvent[] = [];
      for (let i = start; i < start + 5000; i++) {
        if (i % 10 === 3) batch.push(failure(r, { partition: key(i), timestamp: i, data: { assetKeys: ["big"] } }));
        else batch.push(materialization(r, "big", { partition: key(i), timestamp: i }));
      }
      await ctx.storage.storeEvents(batch);
    }
    await ctx.storage.storeEvents([materialization(r, "small", { partition: "x" })]);
    await ctx.storage.getAssetPartitions("big"); // warm up (statement cache, page cache)
    const times: number[] = [];
    let rows = await ctx.storage.getAssetPartitions("big");
    // CPU time of this process (SQLite reads run in-process): catches a slow query plan or
    // per-row overhead without failing when a shared CI machine is busy.
    for (let i = 0; i < 5; i++) {
      const t0 = process.cpuUsage();
      rows = await ctx.storage.getAssetPartitions("big");
      const d = process.cpuUsage(t0);
      times.push((d.user + d.system) / 1000);
    }
    times.sort((a, b) => a - b);
    console.log(
      `[strata storage] getAssetPartitions, 50,000 partitions: median CPU ${times[2]?.toFixed(1)} ms (min ${times[0]?.toFixed(1)}, max ${times[4]?.toFixed(1)})`,
    );
    expect(rows).toHaveLength(total);
    expect(rows[0]).toMatchObject({ assetKey: "big", partition: key(0), status: "materialized" });
    expect(rows[3]).toMatchObject({ partition: key(3), status: "failed", lastFailedAt: 3 });
    expect(rows.filter((p) => p.status === "failed")).toHaveLength(total / 10);
    expect(times[2]).toBeLessThan(500);
  }, 60_000);
}
