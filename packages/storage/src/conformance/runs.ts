import { expect, it } from "vitest";
import type { RunRecord } from "@strata/core";
import { event, makeRun, type ConformanceContext } from "./fixtures.ts";

/** Run lifecycle: create/read, compare-and-set transitions, tags, heartbeats. */
export function runLifecycleTests(ctx: ConformanceContext): void {
  it("round-trips a run with every field", async () => {
    const run = makeRun({
      status: "NOT_STARTED",
      assetKeys: ["raw/orders", "orders"],
      checkKeys: ["orders:not_empty"],
      tags: { team: "data", "strata/schedule": "daily" },
      config: { ops: { orders: { limit: 3 } }, list: [1, "two", null] },
      parentRunId: "parent",
      rootRunId: "root",
      partitionKey: "2024-01-01",
      workerPid: 4242,
      workerHost: "box",
      startedAt: 5,
      endedAt: 6,
      heartbeatAt: 7,
    });
    await ctx.storage.createRun(run);
    expect(await ctx.storage.getRun(run.runId)).toStrictEqual(run);
  });

  it("omits absent optional fields instead of returning nulls", async () => {
    const run = makeRun();
    await ctx.storage.createRun(run);
    const read = await ctx.storage.getRun(run.runId);
    expect(read).toStrictEqual(run);
    expect(Object.keys(read ?? {})).not.toContain("parentRunId");
  });

  it("returns undefined for an unknown run", async () => {
    expect(await ctx.storage.getRun("nope")).toBeUndefined();
  });

  it("rejects a duplicate run id with a STORAGE error", async () => {
    const run = makeRun();
    await ctx.storage.createRun(run);
    await expect(ctx.storage.createRun(run)).rejects.toMatchObject({ code: "STORAGE", message: expect.stringContaining(run.runId) });
  });

  it("transitions with compare-and-set and appends the RUN_* event once", async () => {
    const run = makeRun();
    await ctx.storage.createRun(run);
    expect(await ctx.storage.transitionRun(run.runId, "STARTING", { fromStatuses: ["QUEUED"] })).toBe(true);
    expect(await ctx.storage.transitionRun(run.runId, "STARTING", { fromStatuses: ["QUEUED"] })).toBe(false);
    expect(await ctx.storage.transitionRun(run.runId, "SUCCESS", { fromStatuses: ["STARTED"] })).toBe(false);
    expect(await ctx.storage.transitionRun(run.runId, "SUCCESS", { fromStatuses: [] })).toBe(false);
    expect((await ctx.storage.getRun(run.runId))?.status).toBe("STARTING");
    const events = await ctx.storage.getEvents(run.runId);
    expect(events.map((e) => e.type)).toEqual(["RUN_STARTING"]);
    expect(events[0]?.data?.status).toBe("STARTING");
  });

  it("lets exactly one of many concurrent claimers win a transition", async () => {
    const run = makeRun();
    await ctx.storage.createRun(run);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => ctx.storage.transitionRun(run.runId, "STARTING", { fromStatuses: ["QUEUED"] })),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await ctx.storage.getEvents(run.runId)).toHaveLength(1);
  });

  it("sets startedAt, endedAt, worker fields and updatedAt", async () => {
    const run = makeRun();
    await ctx.storage.createRun(run);
    await ctx.storage.transitionRun(run.runId, "STARTED", {
      fields: { workerPid: 99, workerHost: "h1" },
      event: event(run.runId, "RUN_START", { timestamp: 1000 }),
    });
    let read = (await ctx.storage.getRun(run.runId)) as RunRecord;
    expect(read).toMatchObject({ status: "STARTED", workerPid: 99, workerHost: "h1", startedAt: 1000, updatedAt: 1000 });
    expect(read.endedAt).toBeUndefined();
    await ctx.storage.transitionRun(run.runId, "FAILURE", { event: event(run.runId, "RUN_FAILURE", { timestamp: 2000, level: "error" }) });
    read = (await ctx.storage.getRun(run.runId)) as RunRecord;
    expect(read).toMatchObject({ status: "FAILURE", startedAt: 1000, endedAt: 2000 });
    await ctx.storage.transitionRun(run.runId, "CANCELED", { fields: { endedAt: 5 } });
    expect((await ctx.storage.getRun(run.runId))?.endedAt).toBe(5);
  });

  it("stores the caller's event verbatim and none for NOT_STARTED", async () => {
    const run = makeRun();
    await ctx.storage.createRun(run);
    const custom = event(run.runId, "RUN_ENQUEUED", { message: "queued by schedule", data: { status: "QUEUED", tick: 3 } });
    await ctx.storage.transitionRun(run.runId, "QUEUED", { event: custom });
    await ctx.storage.transitionRun(run.runId, "NOT_STARTED");
    const events = await ctx.storage.getEvents(run.runId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ ...custom, id: expect.any(Number) });
  });

  it("fails transitions, tags and heartbeats of unknown runs with RUN_NOT_FOUND", async () => {
    await expect(ctx.storage.transitionRun("ghost", "STARTED")).rejects.toMatchObject({ code: "RUN_NOT_FOUND" });
    await expect(ctx.storage.transitionRun("ghost", "STARTED", { fromStatuses: ["QUEUED"] })).rejects.toMatchObject({
      code: "RUN_NOT_FOUND",
    });
    await expect(ctx.storage.addRunTags("ghost", { a: "b" })).rejects.toMatchObject({ code: "RUN_NOT_FOUND" });
    await expect(ctx.storage.heartbeat("ghost", 1)).rejects.toMatchObject({ code: "RUN_NOT_FOUND" });
  });

  it("merges tags and records heartbeats", async () => {
    const run = makeRun({ tags: { a: "1", b: "2" } });
    await ctx.storage.createRun(run);
    await ctx.storage.addRunTags(run.runId, { b: "3", c: "4" });
    await ctx.storage.heartbeat(run.runId, 123);
    await ctx.storage.heartbeat(run.runId, 456);
    const read = await ctx.storage.getRun(run.runId);
    expect(read?.tags).toEqual({ a: "1", b: "3", c: "4" });
    expect(read?.heartbeatAt).toBe(456);
  });
}
