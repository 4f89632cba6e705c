/**
 * Backfills end to end through the CLI, against a daily chain with a "yesterday" dependency and a
 * weekly rollup: killed with SIGKILL mid-way then resumed, paused with Ctrl-C (SIGINT) then
 * resumed, and canceled from a second process. Each test has its own project and instance.
 */
import type { RunRecord } from "@strata/core";
import { afterEach, describe, expect, it } from "vitest";
import { makeProject, type TempProject } from "../helpers/run-cli.ts";
import { DAILY_CONFIG, partitionOfRun, partitionsOf, rangesWith, runsOf, showBackfill } from "./fixture.ts";

const projects: TempProject[] = [];
afterEach(() => {
  for (const p of projects.splice(0)) p.cleanup();
});
function project(): TempProject {
  const p = makeProject({ "strata.config.ts": DAILY_CONFIG }, { name: "backfill" });
  projects.push(p);
  return p;
}

const DAILY = ["clean", "growth", "raw"];
const chunkOf = (r: RunRecord) => `${[...r.assetKeys].sort().join(",")}@${partitionOfRun(r)}`;

/**
 * The guarantees of a finished backfill, from its runs: exactly one SUCCESS run per chunk; runs
 * of the same chunk never overlapped in time; a day ran after the day before it (growth reads
 * yesterday) and a week after its seven days.
 */
function checkRuns(runs: RunRecord[], expectedChunks: number): void {
  const byChunk = new Map<string, RunRecord[]>();
  for (const r of runs) byChunk.set(chunkOf(r), [...(byChunk.get(chunkOf(r)) ?? []), r]);
  expect(byChunk.size).toBe(expectedChunks);
  for (const [chunk, list] of byChunk) {
    expect(list.filter((r) => r.status === "SUCCESS").length, `${chunk}: ${list.map((r) => r.status).join(",")}`).toBe(1);
    // Another run of a chunk may only exist if the first one ended (a worker lost in the crash) before it was created.
    const sorted = [...list].sort((a, b) => a.createdAt - b.createdAt);
    for (let i = 1; i < sorted.length; i++) {
      expect(sorted[i - 1]!.status).not.toBe("SUCCESS");
      expect(sorted[i - 1]!.endedAt, `${chunk} launched twice while in flight`).toBeLessThanOrEqual(sorted[i]!.createdAt);
    }
  }
  const success = runs.filter((r) => r.status === "SUCCESS");
  const daily = new Map(success.filter((r) => r.assetKeys.includes("raw")).map((r) => [r.partitionKey!, r] as const));
  for (const r of success) {
    expect(r.assetKeys.length === 1 ? r.assetKeys : [...r.assetKeys].sort()).toEqual(r.assetKeys.includes("weekly") ? ["weekly"] : DAILY);
  }
  for (const [day, r] of daily) {
    const prev = new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    const before = daily.get(prev);
    if (before) expect(r.startedAt!, `${day} started before ${prev} ended`).toBeGreaterThanOrEqual(before.endedAt!);
  }
  for (const w of success.filter((r) => r.assetKeys.includes("weekly"))) {
    const start = Date.parse(`${w.partitionKey}T00:00:00Z`);
    for (let d = 0; d < 7; d++) {
      const day = daily.get(new Date(start + d * 86_400_000).toISOString().slice(0, 10));
      expect(day, `day ${d} of week ${w.partitionKey}`).toBeDefined();
      expect(w.startedAt!).toBeGreaterThanOrEqual(day!.endedAt!);
    }
  }
}

async function checkJanuaryMaterialized(p: TempProject, lastDay: string, weeks: string, assets: string[]): Promise<void> {
  for (const asset of assets) {
    const s = await partitionsOf(p, asset);
    expect(rangesWith(s, "materialized"), asset).toEqual([`2024-01-01...${lastDay}`]);
    expect(s.counts).toMatchObject({ materialized: Number(lastDay.slice(-2)), stale: 0, failed: 0, in_progress: 0 });
    expect(s.counts.missing).toBe(s.total - Number(lastDay.slice(-2)));
  }
  const w = await partitionsOf(p, "weekly");
  expect(rangesWith(w, "materialized")).toEqual([weeks]);
  expect(w.counts.in_progress + w.counts.failed + w.counts.stale).toBe(0);
}

// Each test starts several CLI processes (each with a code-location child): slow on a busy machine.
describe("backfill crash safety", { timeout: 180_000 }, () => {
  it("SIGKILL mid-way, then `backfill resume`: COMPLETED, one successful run per partition, accurate status", async () => {
    const p = project();
    const env = { SLEEP_MS: "150" };
    const proc = p.start(["backfill", "create", "--select", "*", "--partition-range", "2024-01-01...2024-01-31", "--max-runs", "2"], { env, timeoutMs: 100_000 });
    const [, id] = await proc.waitFor(/Backfill (bf-\S+): 35 runs over 97 asset-partitions/, 30_000);
    // 31 days (3 assets each) + the 4 weeks wholly inside January (the week of Jan 29 is partial).
    await proc.waitFor(/\[\d+\/35\] ([4-9]|\d\d) succeeded/, 30_000);
    proc.child.kill("SIGKILL");
    const killed = await proc.done;
    expect(killed.signal).toBe("SIGKILL");

    const mid = await showBackfill(p, id!);
    expect(mid.status).toBe("IN_PROGRESS");
    expect(mid.counts.SUCCESS).toBeGreaterThanOrEqual(4);
    expect(mid.counts.PENDING).toBeGreaterThan(0);

    const resumed = await p.run(["backfill", "resume", id!], { env, timeoutMs: 100_000 });
    expect(resumed.code, resumed.output).toBe(0);
    expect(resumed.stdout).toContain(`Resuming ${id}`);
    expect(resumed.stdout).toMatch(/COMPLETED/);

    const done = await showBackfill(p, id!);
    expect(done.status).toBe("COMPLETED");
    expect(done.counts).toMatchObject({ SUCCESS: 35, PENDING: 0, LAUNCHED: 0, FAILED: 0, SKIPPED: 0 });
    expect(done.assets.raw).toEqual([{ start: "2024-01-01", end: "2024-01-31", count: 31, status: "SUCCESS" }]);
    checkRuns(await runsOf(p, id), 35);
    await checkJanuaryMaterialized(p, "2024-01-31", "2024-01-01...2024-01-22", ["growth"]);

  });

  it("SIGINT pauses (runs in flight finish, nothing new starts), then resume completes it", async () => {
    const p = project();
    const env = { SLEEP_MS: "150" };
    const proc = p.start(["backfill", "create", "--select", "*", "--partition-range", "2024-01-01...2024-01-14", "--max-runs", "2"], { env, timeoutMs: 100_000 });
    const [, id] = await proc.waitFor(/Backfill (bf-\S+): 16 runs/, 30_000);
    await proc.waitFor(/\[\d+\/16\] ([3-9]|\d\d) succeeded/, 30_000);
    proc.child.kill("SIGINT");
    const paused = await proc.done;
    expect(paused.code, paused.output).toBe(130);
    expect(paused.stdout).toContain("Pausing: no new runs start");
    expect(paused.stdout).toContain(`PAUSED — resume with: strata backfill resume ${id}`);

    // Paused: every launched run has ended and nothing runs; what is left is pending.
    const runs = await runsOf(p, id);
    expect(runs.every((r) => ["SUCCESS", "FAILURE", "CANCELED"].includes(r.status)), JSON.stringify(runs.map((r) => r.status))).toBe(true);
    const mid = await showBackfill(p, id!);
    expect(mid.counts.LAUNCHED).toBe(0);
    expect(mid.counts.PENDING).toBeGreaterThan(0);
    expect(mid.counts.SUCCESS).toBe(runs.filter((r) => r.status === "SUCCESS").length);

    const resumed = await p.run(["backfill", "resume", id!], { env, timeoutMs: 100_000 });
    expect(resumed.code, resumed.output).toBe(0);
    expect((await showBackfill(p, id!)).status).toBe("COMPLETED");
    checkRuns(await runsOf(p, id), 16);
  });

  it("`backfill cancel` from another process: ends CANCELED and no run starts after it", async () => {
    const p = project();
    const env = { SLEEP_MS: "300" };
    const proc = p.start(["backfill", "create", "--select", "*", "--partition-range", "2024-01-01...2024-01-31", "--max-runs", "2"], { env, timeoutMs: 100_000 });
    const [, id] = await proc.waitFor(/Backfill (bf-\S+):/, 30_000);
    await proc.waitFor(/\[\d+\/35\] [2-9] succeeded/, 30_000);
    const cancel = await p.run(["backfill", "cancel", id!]);
    const canceledAt = Date.now();
    expect(cancel.code, cancel.output).toBe(0);
    expect(cancel.stdout).toMatch(new RegExp(`Backfill ${id} (is CANCELING|CANCELED)`));

    const ended = await proc.done;
    expect(ended.code, ended.output).toBe(130);
    expect(ended.stdout).toMatch(/^CANCELED /m);

    const show = await showBackfill(p, id!);
    expect(show.status).toBe("CANCELED");
    expect(show.counts.SUCCESS).toBeLessThan(35);
    expect(show.counts.CANCELED).toBeGreaterThan(0);
    expect(show.counts.PENDING + show.counts.LAUNCHED).toBe(0);
    const runs = await runsOf(p, id);
    for (const r of runs) {
      expect(r.createdAt, `run ${r.runId} created after the cancel`).toBeLessThanOrEqual(canceledAt);
      expect(["SUCCESS", "CANCELED", "FAILURE"]).toContain(r.status);
    }
    // Nothing left in progress in the partition index; resuming is refused.
    expect((await partitionsOf(p, "raw")).counts.in_progress).toBe(0);
    const resume = await p.run(["backfill", "resume", id!]);
    expect(resume.code).not.toBe(0);
    expect(resume.stderr).toMatch(/is CANCELED; there is nothing to resume/);
  });
});
