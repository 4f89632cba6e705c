import { expect, it } from "vitest";
import type { BackfillChunkRecord } from "../storage.ts";
import { makeBackfill, makeChunks, makeRun, type ConformanceContext } from "./fixtures.ts";

/** Backfills and their chunks: CRUD, compare-and-set transitions and launches, chunk updates. */
export function backfillTests(ctx: ConformanceContext): void {
  async function newBackfill(chunks = 5) {
    const backfill = makeBackfill();
    await ctx.storage.createBackfill(backfill, makeChunks(backfill.backfillId, chunks));
    return backfill;
  }

  it("round-trips a backfill and its chunks with every field, chunks ordered by id", async () => {
    const backfill = makeBackfill({
      status: "IN_PROGRESS",
      tags: { team: "data" },
      partitionSelection: { range: "2024-01-01...2024-01-03", missing: true },
      endedAt: 9,
      error: "boom",
    });
    const id = backfill.backfillId;
    const chunks: BackfillChunkRecord[] = [
      { backfillId: id, chunkId: 2, assetKeys: ["b"], partitionKeys: ["2024-01-01"], dependsOn: [0], status: "PENDING", attempts: 0, updatedAt: 1 },
      {
        backfillId: id,
        chunkId: 0,
        assetKeys: ["a"],
        partitionKeys: ["2024-01-01", "2024-01-02", "2024-01-03"],
        partitionRange: { start: "2024-01-01", end: "2024-01-03" },
        dependsOn: [],
        status: "LAUNCHED",
        runId: "r-0",
        attempts: 2,
        updatedAt: 2,
      },
      { backfillId: id, chunkId: 1, assetKeys: ["c"], partitionKeys: ["x"], dependsOn: [0, 2], status: "SKIPPED", attempts: 0, updatedAt: 3 },
    ];
    await ctx.storage.createBackfill(backfill, chunks);
    expect(await ctx.storage.getBackfill(id)).toStrictEqual(backfill);
    expect(await ctx.storage.getBackfillChunks(id)).toStrictEqual([chunks[1], chunks[2], chunks[0]]);
    expect(await ctx.storage.getBackfillChunks(id, { statuses: ["PENDING", "SKIPPED"] })).toStrictEqual([chunks[2], chunks[0]]);
    expect(await ctx.storage.getBackfillChunks(id, { statuses: [] })).toEqual([]);
    expect(await ctx.storage.getBackfillChunks("nope")).toEqual([]);
    expect(await ctx.storage.getBackfill("nope")).toBeUndefined();
  });

  it("round-trips what a chunk reads from the chunks it depends on, and refuses needs without the dependency", async () => {
    const backfill = makeBackfill();
    const id = backfill.backfillId;
    const chunks: BackfillChunkRecord[] = [
      { backfillId: id, chunkId: 0, assetKeys: ["day"], partitionKeys: ["2024-01-01"], dependsOn: [], needs: [], status: "PENDING", attempts: 0, updatedAt: 1 },
      { backfillId: id, chunkId: 1, assetKeys: ["day"], partitionKeys: ["2024-01-02"], dependsOn: [], status: "PENDING", attempts: 0, updatedAt: 1 },
      {
        backfillId: id,
        chunkId: 2,
        assetKeys: ["week"],
        partitionKeys: ["2024-01-01"],
        dependsOn: [0, 1],
        needs: [
          { chunkId: 0, assetKey: "day", partitionKeys: ["2024-01-01"] },
          { chunkId: 1, assetKey: "day", partitionKeys: ["2024-01-02"] },
        ],
        status: "PENDING",
        attempts: 0,
        updatedAt: 1,
      },
    ];
    await ctx.storage.createBackfill(backfill, chunks);
    expect(await ctx.storage.getBackfillChunks(id)).toStrictEqual(chunks);
    const other = makeBackfill();
    const bad: BackfillChunkRecord[] = [
      { ...chunks[0]!, backfillId: other.backfillId },
      { ...chunks[2]!, backfillId: other.backfillId, chunkId: 1, dependsOn: [], needs: [{ chunkId: 0, assetKey: "day", partitionKeys: ["2024-01-01"] }] },
    ];
    await expect(ctx.storage.createBackfill(other, bad)).rejects.toMatchObject({ code: "BACKFILL_INVALID", message: expect.stringContaining("does not depend on") });
    expect(await ctx.storage.getBackfill(other.backfillId)).toBeUndefined();
  });

  it("rejects a duplicate backfill id and invalid chunks, storing nothing", async () => {
    const backfill = await newBackfill(1);
    await expect(ctx.storage.createBackfill(backfill, [])).rejects.toMatchObject({
      code: "STORAGE",
      message: expect.stringContaining(backfill.backfillId),
    });
    const other = makeBackfill();
    const chunks = makeChunks(other.backfillId, 3);
    const cases: BackfillChunkRecord[][] = [
      [...chunks, { ...chunks[0], chunkId: 1 } as BackfillChunkRecord],
      [{ ...chunks[0], backfillId: "someone-else" } as BackfillChunkRecord],
      [...chunks.slice(0, 2), { ...chunks[2], dependsOn: [7] } as BackfillChunkRecord],
      [{ ...chunks[0], chunkId: 1.5 } as BackfillChunkRecord],
    ];
    for (const bad of cases) await expect(ctx.storage.createBackfill(other, bad)).rejects.toMatchObject({ code: "BACKFILL_INVALID" });
    expect(await ctx.storage.getBackfill(other.backfillId)).toBeUndefined();
    expect(await ctx.storage.listBackfills()).toHaveLength(1);
  });

  it("lists backfills newest first with status filter and limit", async () => {
    const a = await newBackfill(1);
    const b = await newBackfill(1);
    const c = await newBackfill(1);
    await ctx.storage.transitionBackfill(b.backfillId, "IN_PROGRESS");
    expect((await ctx.storage.listBackfills()).map((x) => x.backfillId)).toEqual([c.backfillId, b.backfillId, a.backfillId]);
    expect((await ctx.storage.listBackfills({ statuses: ["REQUESTED"] })).map((x) => x.backfillId)).toEqual([c.backfillId, a.backfillId]);
    expect((await ctx.storage.listBackfills({ limit: 1 })).map((x) => x.backfillId)).toEqual([c.backfillId]);
    expect(await ctx.storage.listBackfills({ statuses: [] })).toEqual([]);
  });

  it("transitions backfills with compare-and-set, setting updatedAt, endedAt and error", async () => {
    const b = await newBackfill(1);
    const id = b.backfillId;
    const before = Date.now();
    expect(await ctx.storage.transitionBackfill(id, "IN_PROGRESS", { fromStatuses: ["REQUESTED"] })).toBe(true);
    expect(await ctx.storage.transitionBackfill(id, "IN_PROGRESS", { fromStatuses: ["REQUESTED"] })).toBe(false);
    expect(await ctx.storage.transitionBackfill(id, "COMPLETED", { fromStatuses: [] })).toBe(false);
    let read = await ctx.storage.getBackfill(id);
    expect(read?.status).toBe("IN_PROGRESS");
    expect(read?.updatedAt).toBeGreaterThanOrEqual(before);
    expect(read?.endedAt).toBeUndefined();
    expect(await ctx.storage.transitionBackfill(id, "CANCELING", { fromStatuses: ["IN_PROGRESS"] })).toBe(true);
    expect(await ctx.storage.transitionBackfill(id, "CANCELED", { fromStatuses: ["CANCELING"] })).toBe(true);
    read = await ctx.storage.getBackfill(id);
    expect(read?.endedAt).toBeGreaterThanOrEqual(before);
    expect(await ctx.storage.transitionBackfill(id, "FAILED", { error: "planner crashed", endedAt: 42 })).toBe(true);
    expect(await ctx.storage.getBackfill(id)).toMatchObject({ status: "FAILED", error: "planner crashed", endedAt: 42 });
    await expect(ctx.storage.transitionBackfill("ghost", "CANCELED")).rejects.toMatchObject({ code: "BACKFILL_NOT_FOUND" });
    await expect(ctx.storage.transitionBackfill("ghost", "CANCELED", { fromStatuses: [] })).rejects.toMatchObject({ code: "BACKFILL_NOT_FOUND" });
  });

  it("launches a chunk once: creates its run (with tags and assets) and attaches it", async () => {
    const b = await newBackfill(3);
    const id = b.backfillId;
    const run = makeRun({ assetKeys: ["daily_a"], partitionKey: "p000001", tags: { "strata/backfill": id } });
    expect(await ctx.storage.launchBackfillChunk(id, 1, run, null)).toBe(true);
    expect(await ctx.storage.getRun(run.runId)).toStrictEqual(run);
    expect(await ctx.storage.listRuns({ tags: { "strata/backfill": id } })).toHaveLength(1);
    expect(await ctx.storage.listRuns({ assetKey: "daily_a" })).toHaveLength(1);
    const [chunk] = await ctx.storage.getBackfillChunks(id, { statuses: ["LAUNCHED"] });
    expect(chunk).toMatchObject({ chunkId: 1, status: "LAUNCHED", runId: run.runId, attempts: 1 });

    // Someone who still thinks the chunk was never launched loses, and writes nothing.
    const late = makeRun({ tags: { "strata/backfill": id } });
    expect(await ctx.storage.launchBackfillChunk(id, 1, late, null)).toBe(false);
    expect(await ctx.storage.getRun(late.runId)).toBeUndefined();
    // Relaunching a lost run names the run it replaces.
    const retry = makeRun({ tags: { "strata/backfill": id } });
    expect(await ctx.storage.launchBackfillChunk(id, 1, retry, "some-other-run")).toBe(false);
    expect(await ctx.storage.launchBackfillChunk(id, 1, retry, run.runId)).toBe(true);
    expect((await ctx.storage.getBackfillChunks(id))[1]).toMatchObject({ runId: retry.runId, attempts: 2, status: "LAUNCHED" });
    expect(await ctx.storage.listRuns({ tags: { "strata/backfill": id } })).toHaveLength(2);
    // Other chunks are untouched.
    expect((await ctx.storage.getBackfillChunks(id, { statuses: ["PENDING"] })).map((c) => c.chunkId)).toEqual([0, 2]);
  });

  it("lets exactly one of several concurrent launches of a chunk win, creating exactly one run", async () => {
    const b = await newBackfill(2);
    const runs = Array.from({ length: 6 }, () => makeRun({ tags: { "strata/backfill": b.backfillId } }));
    const results = await Promise.all(runs.map((r) => ctx.storage.launchBackfillChunk(b.backfillId, 0, r, null)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = runs[results.indexOf(true)];
    expect(await ctx.storage.listRuns({ tags: { "strata/backfill": b.backfillId } })).toEqual([winner]);
    expect((await ctx.storage.getBackfillChunks(b.backfillId))[0]).toMatchObject({ runId: winner?.runId, attempts: 1 });
  });

  it("launches nothing when the run id already exists, and fails clearly for unknown chunks", async () => {
    const b = await newBackfill(2);
    const existing = makeRun();
    await ctx.storage.createRun(existing);
    await expect(ctx.storage.launchBackfillChunk(b.backfillId, 0, existing, null)).rejects.toMatchObject({
      code: "STORAGE",
      message: expect.stringContaining(existing.runId),
    });
    expect((await ctx.storage.getBackfillChunks(b.backfillId))[0]).toMatchObject({ status: "PENDING", attempts: 0 });
    expect((await ctx.storage.getBackfillChunks(b.backfillId))[0]?.runId).toBeUndefined();
    await expect(ctx.storage.launchBackfillChunk(b.backfillId, 99, makeRun(), null)).rejects.toMatchObject({ code: "BACKFILL_NOT_FOUND" });
    await expect(ctx.storage.launchBackfillChunk("ghost", 0, makeRun(), null)).rejects.toMatchObject({ code: "BACKFILL_NOT_FOUND" });
  });

  it("updates chunk statuses in one transaction; unknown chunks change nothing", async () => {
    const b = await newBackfill(5);
    const id = b.backfillId;
    await ctx.storage.updateBackfillChunks(id, [
      { chunkId: 0, status: "SUCCESS" },
      { chunkId: 1, status: "FAILED" },
      { chunkId: 2, status: "LAUNCHED" },
      { chunkId: 2, status: "SKIPPED" },
    ]);
    await ctx.storage.updateBackfillChunks(id, []);
    const statuses = async () => (await ctx.storage.getBackfillChunks(id)).map((c) => c.status);
    expect(await statuses()).toEqual(["SUCCESS", "FAILED", "SKIPPED", "PENDING", "PENDING"]);
    await expect(
      ctx.storage.updateBackfillChunks(id, [
        { chunkId: 3, status: "CANCELED" },
        { chunkId: 77, status: "CANCELED" },
      ]),
    ).rejects.toMatchObject({ code: "BACKFILL_NOT_FOUND", message: expect.stringContaining("77") });
    expect(await statuses()).toEqual(["SUCCESS", "FAILED", "SKIPPED", "PENDING", "PENDING"]);
    await expect(ctx.storage.updateBackfillChunks("ghost", [{ chunkId: 0, status: "SUCCESS" }])).rejects.toMatchObject({
      code: "BACKFILL_NOT_FOUND",
    });
  });

  it("creates a backfill of 11,000 chunks well under a second", async () => {
    const backfill = makeBackfill({ assetKeys: Array.from({ length: 10 }, (_, i) => `daily_${i}`) });
    const chunks = makeChunks(backfill.backfillId, 11_000, ["daily_0", "daily_1"]);
    const t0 = performance.now();
    await ctx.storage.createBackfill(backfill, chunks);
    const ms = performance.now() - t0;
    const t1 = performance.now();
    const read = await ctx.storage.getBackfillChunks(backfill.backfillId);
    const readMs = performance.now() - t1;
    console.log(`[strata storage] createBackfill, 11,000 chunks: ${ms.toFixed(1)} ms; getBackfillChunks: ${readMs.toFixed(1)} ms`);
    expect(read).toHaveLength(11_000);
    expect(read[10_999]).toStrictEqual(chunks[10_999]);
    await ctx.storage.updateBackfillChunks(
      backfill.backfillId,
      chunks.map((c) => ({ chunkId: c.chunkId, status: c.chunkId % 2 === 0 ? "SUCCESS" : "FAILED" })),
    );
    expect(await ctx.storage.getBackfillChunks(backfill.backfillId, { statuses: ["FAILED"] })).toHaveLength(5500);
    expect(ms).toBeLessThan(3000);
  }, 30_000);

  it("wipeAll removes partition index rows, dynamic partitions and backfills", async () => {
    const run = makeRun();
    await ctx.storage.createRun(run);
    await ctx.storage.storeEvents([{ runId: run.runId, type: "ASSET_MATERIALIZATION", timestamp: 1, level: "info", message: "", assetKey: "a", partition: "p" }]);
    await ctx.storage.addDynamicPartitions("d", ["k"]);
    const b = await newBackfill(2);
    await ctx.storage.wipeAll();
    expect(await ctx.storage.getAssetPartitions("a")).toEqual([]);
    expect(await ctx.storage.listDynamicPartitionSets()).toEqual([]);
    expect(await ctx.storage.listBackfills()).toEqual([]);
    expect(await ctx.storage.getBackfillChunks(b.backfillId)).toEqual([]);
    await ctx.storage.createBackfill(b, makeChunks(b.backfillId, 2));
    expect(await ctx.storage.getBackfillChunks(b.backfillId)).toHaveLength(2);
  });
}
