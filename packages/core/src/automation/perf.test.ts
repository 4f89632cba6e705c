import { describe, expect, it } from "vitest";
import { AssetGraph } from "../graph.ts";
import { dailyPartitions, getPartitionKeys } from "../partitions/index.ts";
import type { AssetNodeSnapshot } from "../snapshot.ts";
import { AutomationCondition as C } from "./condition.ts";
import { evaluateAutomation } from "./evaluate.ts";
import type { EvaluationState } from "./evaluation-state.ts";
import { MemoryAutomationView } from "./storage-view.ts";

const N = 10_000;
const PARTITIONED = 1_000;
const ROOTS = 500;
const NOW = Date.parse("2025-06-15T10:30Z");
const days = dailyPartitions({ start: "2023-06-15" }); // two years of daily partitions

/** Deterministic pseudo-random numbers (the graph is the same on every run). */
function rng(seed: number): () => number {
  let s = seed;
  return () => ((s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32);
}

function bigProject(): { graph: AssetGraph; view: MemoryAutomationView; keys: string[] } {
  const rand = rng(42);
  const eager = C.eager().snapshot;
  const crons = [C.onCron("0 6 * * *", "UTC"), C.onCron("0 */4 * * *", "UTC"), C.onCron("30 2 * * *", "America/New_York"), C.onCron("0 9 * * 1-5", "Europe/Berlin")].map((c) => c.snapshot);
  const assets: AssetNodeSnapshot[] = [];
  const partitioned: number[] = [];
  const plain: number[] = [];
  for (let i = 0; i < N; i++) {
    const isPart = i % (N / PARTITIONED) === 0;
    const pool = isPart ? partitioned : plain;
    const deps: string[] = [];
    if (i >= ROOTS && pool.length > 0) {
      const n = 1 + Math.floor(rand() * 3);
      for (let d = 0; d < n; d++) {
        // Mostly recent assets (layers), sometimes one far upstream.
        const j = pool[Math.max(0, pool.length - 1 - Math.floor(rand() * (rand() < 0.8 ? 50 : pool.length)))]!;
        if (!deps.includes(`a${j}`)) deps.push(`a${j}`);
      }
      if (!isPart && rand() < 0.1 && partitioned.length > 0) deps.push(`a${partitioned[Math.floor(rand() * partitioned.length)]!}`);
    }
    const automation = i < ROOTS && rand() < 0.7 ? undefined : rand() < 0.7 ? eager : crons[Math.floor(rand() * crons.length)]!;
    assets.push({
      key: `a${i}`,
      node: `a${i}`,
      deps: deps.map((key) => ({ key })),
      group: "g",
      kinds: [],
      tags: {},
      owners: [],
      metadata: {},
      resources: [],
      io: "io_manager",
      canSubset: false,
      checks: [],
      ...(isPart ? { partitions: days } : {}),
      ...(automation ? { automation } : {}),
    });
    pool.push(i);
  }
  const graph = AssetGraph.fromSnapshot({
    version: 1,
    location: "perf",
    root: "/",
    assets,
    checks: [],
    resources: [],
    executor: { maxConcurrent: 8, tagConcurrencyLimits: [] },
    pools: {},
  });
  const view = new MemoryAutomationView();
  const keys = getPartitionKeys(days, { now: NOW });
  const dayBefore = NOW - 86_400_000;
  for (const a of assets) {
    if (a.partitions) {
      // Everything but a few gaps; the latest day not yet everywhere.
      for (let k = 0; k < keys.length; k++) if (rand() > 0.01 && (k < keys.length - 1 || rand() < 0.5)) view.materialize(a.key, { partition: keys[k]!, timestamp: dayBefore });
    } else if (rand() > 0.02) view.materialize(a.key, { timestamp: dayBefore });
    if (rand() < 0.01) view.startRun(a.key, a.partitions ? keys.at(-1) : undefined);
  }
  return { graph, view, keys };
}

describe("automation performance", () => {
  it("evaluates 10,000 assets (1,000 daily-partitioned over 2 years) in well under a second per tick", () => {
    const { graph, view, keys } = bigProject();
    expect(keys.length).toBeGreaterThan(720);
    const time = (label: string, state: EvaluationState | undefined, now: number) => {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const r = evaluateAutomation(graph, undefined, view, state, now);
      const cpu = process.cpuUsage(c0);
      const ms = performance.now() - t0;
      // CPU time of this process (user + system): the wall time also counts other processes on a busy machine.
      const cpuMs = (cpu.user + cpu.system) / 1000;
      const runs = r.requests.length;
      const assetsRequested = r.requests.reduce((n, x) => n + x.assetKeys.length, 0);
      console.log(`${label}: ${r.evaluations.length} conditions, ${runs} runs / ${assetsRequested} asset requests in ${ms.toFixed(0)} ms wall / ${cpuMs.toFixed(0)} ms CPU; state ${(JSON.stringify(r.nextState).length / 1024).toFixed(0)} KiB`);
      return { r, ms, cpuMs };
    };
    const first = time("tick 1 (initial)", undefined, NOW);
    const s1 = JSON.parse(JSON.stringify(first.r.nextState)) as EvaluationState;
    // 5% of the roots and the latest partition of 100 partitioned roots update; a cron ticks.
    const rand = rng(7);
    for (let i = 0; i < ROOTS; i++) {
      if (graph.partitionsOf(`a${i}`)) view.materialize(`a${i}`, { partition: keys.at(-1)!, timestamp: NOW });
      else if (rand() < 0.05) view.materialize(`a${i}`, { timestamp: NOW });
    }
    const second = time("tick 2 (roots updated, cron ticked)", s1, NOW + 4 * 3_600_000);
    expect(second.r.requests.length).toBeGreaterThan(0);
    const third = time("tick 3 (steady)", JSON.parse(JSON.stringify(second.r.nextState)) as EvaluationState, NOW + 4 * 3_600_000 + 60_000);
    // Generous bounds for a busy shared 2-core machine; the target is ≤ 1 s (see the printed times).
    expect(Math.max(first.cpuMs, second.cpuMs, third.cpuMs)).toBeLessThan(3_000);
    expect(Math.max(first.ms, second.ms, third.ms)).toBeLessThan(10_000);
  });
});
