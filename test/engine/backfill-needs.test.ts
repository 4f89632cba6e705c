/**
 * A backfill chunk is skipped only when a partition it reads failed or was skipped, not when
 * any run it depends on failed: daily `raw` → `clean` (one run per day holds both) and a
 * weekly rollup of `raw`.
 */
import { describe, expect, it } from "vitest";
import { asset, dailyPartitions, planBackfill, weeklyPartitions } from "@strata/core";
import { createBackfill, executeRun, runBackfill } from "@strata/engine";
import { harnessPerTest, project, type Project } from "../helpers/engine.ts";

const h = harnessPerTest();

const days = dailyPartitions({ start: "2024-01-01", timezone: "UTC" });
// 2024-01-01 is a Monday: weeks run Monday to Sunday.
const weeks = weeklyPartitions({ start: "2024-01-01", timezone: "UTC", dayOffset: 1 });
/** raw fails on 2024-01-10 (week 2); clean, downstream of raw in the same run, fails on 2024-01-03 (week 1). */
const raw = asset({ key: "raw", partitions: days }, (ctx) => {
  if (ctx.partitionKey === "2024-01-10") throw new Error("raw outage on 2024-01-10");
  return { day: ctx.partitionKey };
});
const clean = asset({ key: "clean", partitions: days, ins: { raw } }, (ctx, { raw }) => {
  if (ctx.partitionKey === "2024-01-03") throw new Error("clean bug on 2024-01-03");
  return raw;
});
const weekly = asset({ key: "weekly", partitions: weeks, ins: { raw } }, (ctx, { raw }) => ({ week: ctx.partitionKey, days: Object.keys(raw as object).length }));

function inProcessLauncher(p: Project) {
  return {
    run: async (runId: string) => {
      const run = (await h.storage.getRun(runId))!;
      return executeRun({ defs: p.defs, graph: p.graph, run, storage: h.storage, instanceDir: h.dir, env: {} });
    },
  };
}

describe("backfill: skipping by the partitions a chunk reads", () => {
  it("plans what each chunk reads from each chunk it depends on", () => {
    const p = project({ assets: [raw, clean, weekly] });
    const plan = planBackfill(p.graph, { assetKeys: ["raw", "clean", "weekly"], partitions: { kind: "range", start: "2024-01-01", end: "2024-01-14" } }, { now: Date.UTC(2024, 2, 1) });
    const week1 = plan.find((c) => c.assetKeys.includes("weekly") && c.partitionKeys[0] === "2024-01-01")!;
    const dayChunk = (d: string) => plan.find((c) => c.assetKeys.includes("raw") && c.partitionKeys[0] === d)!.chunkId;
    const week1Days = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06", "2024-01-07"];
    expect(week1.dependsOn).toEqual(week1Days.map(dayChunk));
    expect(week1.needs).toEqual(week1Days.map((d) => ({ chunkId: dayChunk(d), assetKey: "raw", partitionKeys: [d] })));
    // clean reads raw inside its own chunk: nothing from another chunk.
    expect(plan.find((c) => c.chunkId === dayChunk("2024-01-03"))!.needs).toEqual([]);
  });

  it("runs the week whose days of raw exist though one of its day runs failed, and skips the week missing a day", async () => {
    const p = project({ assets: [raw, clean, weekly] });
    const { backfill } = await createBackfill(h.storage, p.graph, { selection: "*", partitions: { range: { start: "2024-01-01", end: "2024-01-14" } }, maxConcurrentRuns: 2 });
    const outcome = await runBackfill({ storage: h.storage, graph: p.graph, backfillId: backfill.backfillId, launcher: inProcessLauncher(p), pollMs: 5 });
    expect(outcome).toBe("FAILED");
    const chunks = await h.storage.getBackfillChunks(backfill.backfillId);
    const statusOf = (asset: string, key: string) => chunks.find((c) => c.assetKeys.includes(asset) && c.partitionKeys.includes(key))!.status;
    expect(statusOf("raw", "2024-01-03")).toBe("FAILED"); // clean failed; raw was produced
    expect(statusOf("raw", "2024-01-10")).toBe("FAILED"); // raw itself failed
    expect(statusOf("weekly", "2024-01-01")).toBe("SUCCESS");
    expect(statusOf("weekly", "2024-01-08")).toBe("SKIPPED");
    const weeklyRows = await h.storage.getAssetPartitions("weekly");
    expect(weeklyRows.map((r) => [r.partition, r.status])).toEqual([["2024-01-01", "materialized"]]);
    // Exactly one run per chunk that launched; none for the skipped week.
    const runs = await h.storage.listRuns({ tags: { "strata/backfill": backfill.backfillId }, limit: 100 });
    expect(runs).toHaveLength(chunks.filter((c) => c.status !== "SKIPPED").length);
  });
});
