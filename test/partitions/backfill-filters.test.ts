/**
 * `backfill create --failed` / `--missing`, and staleness in `strata partitions`, end to end on
 * the daily fixture (one project, steps in order).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeProject, type TempProject } from "../helpers/run-cli.ts";
import { DAILY_CONFIG, partitionsOf, rangesWith, runsOf, showBackfill } from "./fixture.ts";

let p: TempProject;
beforeAll(() => {
  p = makeProject({ "strata.config.ts": DAILY_CONFIG }, { name: "backfill-filters" });
});
afterAll(() => p?.cleanup());

const backfillId = (stdout: string) => /Backfill (bf-\S+):/.exec(stdout)?.[1] ?? "";

describe("backfill --failed / --missing, and stale partitions", { timeout: 180_000 }, () => {
  it("a failed day is retried with --failed, then --missing fills only the gaps", async () => {
    const first = await p.run(["backfill", "create", "--select", "raw", "--partition-range", "2024-01-01...2024-01-05"], { env: { FAIL_DAY: "2024-01-03" } });
    expect(first.code, first.output).toBe(1);
    expect(first.stdout).toContain("5 runs over 5 asset-partitions");
    expect(first.stdout).toMatch(/^FAILED /m);
    const failedId = backfillId(first.stdout);
    const show = await showBackfill(p, failedId);
    expect(show.status).toBe("FAILED");
    expect(show.counts).toMatchObject({ SUCCESS: 4, FAILED: 1 });
    let raw = await partitionsOf(p, "raw");
    expect(rangesWith(raw, "failed")).toEqual(["2024-01-03...2024-01-03"]);
    expect(rangesWith(raw, "materialized")).toEqual(["2024-01-01...2024-01-02", "2024-01-04...2024-01-05"]);

    // --failed (no range: all partitions), without the simulated outage: only 2024-01-03 runs.
    const retry = await p.run(["backfill", "create", "--select", "raw", "--failed"]);
    expect(retry.code, retry.output).toBe(0);
    expect(retry.stdout).toContain("1 run over 1 asset-partitions");
    const retryRuns = await runsOf(p, backfillId(retry.stdout));
    expect(retryRuns.map((r) => [r.partitionKey, r.status])).toEqual([["2024-01-03", "SUCCESS"]]);

    // --missing within a range: the five done days are left alone.
    const fill = await p.run(["backfill", "create", "--select", "raw", "--missing", "--partition-range", "2024-01-01...2024-01-08"]);
    expect(fill.code, fill.output).toBe(0);
    expect(fill.stdout).toContain("3 runs over 3 asset-partitions");
    const fillRuns = await runsOf(p, backfillId(fill.stdout));
    expect(fillRuns.map((r) => r.partitionKey).sort()).toEqual(["2024-01-06", "2024-01-07", "2024-01-08"]);
    raw = await partitionsOf(p, "raw");
    expect(rangesWith(raw, "materialized")).toEqual(["2024-01-01...2024-01-08"]);
    expect(raw.counts).toMatchObject({ materialized: 8, failed: 0, stale: 0, in_progress: 0 });

    // Nothing left to do is an error before anything is stored or run.
    const before = (await runsOf(p)).length;
    const nothing = await p.run(["backfill", "create", "--select", "raw", "--failed"]);
    expect(nothing.code).not.toBe(0);
    expect(nothing.stderr).toMatch(/BACKFILL_INVALID.*no selected partition matches/);
    expect((await runsOf(p)).length).toBe(before);
  });

  it("re-materialising an upstream day makes that day of its downstream stale", async () => {
    const down = await p.run(["materialize", "--select", "clean", "--partition", "2024-01-02"]);
    expect(down.code, down.output).toBe(0);
    let clean = await partitionsOf(p, "clean");
    expect(rangesWith(clean, "materialized")).toEqual(["2024-01-02...2024-01-02"]);
    expect(clean.counts.stale).toBe(0);

    const up = await p.run(["materialize", "--select", "raw", "--partition", "2024-01-02"]);
    expect(up.code, up.output).toBe(0);
    clean = await partitionsOf(p, "clean");
    expect(rangesWith(clean, "stale")).toEqual(["2024-01-02...2024-01-02"]);
    expect(clean.counts).toMatchObject({ stale: 1, materialized: 0 });
    const text = await p.run(["partitions", "clean"]);
    expect(text.stdout).toMatch(/2024-01-02\s+stale \(1\)/);
  });
});
