/**
 * Daemon benchmarks (issue 4, "Performance"):
 * - one automation tick over 10,000 assets (1,000 daily-partitioned over 2 years, a mix of eager
 *   and onCron) through the storage-backed view on file SQLite holding realistic contents
 *   (every unpartitioned asset materialised, ~100 recent partitions of each partitioned one):
 *   cold (first tick: loads the indexes) and warm (next tick after 50 new materialisations);
 * - 100 sensors at a 1 s interval for ~20 s through a real code-location process: lateness of
 *   each evaluation vs. its due time (p50/p95/p99/max), evaluations/s, daemon RSS;
 * - queue throughput: 1,000 queued runs dequeued under max_concurrent_runs = 10 with a launcher
 *   that completes runs at once (the queue's own cost: CAS, tags, limits).
 *
 * Run: `node --expose-gc --import tsx bench/daemon.bench.ts` (or `npm run bench -- daemon`).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AssetGraph, AutomationCondition as C, dailyPartitions, evaluateAutomation, getPartitionKeys, newRunId, type AssetNodeSnapshot, type RunRecord, type StrataEvent } from "@strata/core";
import { openSqliteStorage, type Storage } from "@strata/storage";
import { ProcessLocation, SensorScheduler, StorageAutomationView, queueTick, runLoop, type DaemonContext } from "@strata/daemon";
import { fmtMs, gc, row, startResult } from "./lib.ts";

const result = startResult("daemon", "Daemon: automation tick, sensors, run queue");
const NOW = Date.now();

function rng(seed: number): () => number {
  let s = seed;
  return () => ((s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32);
}

function bigGraph(): AssetGraph {
  const N = 10_000;
  const PARTITIONED = 1_000;
  const ROOTS = 500;
  const days = dailyPartitions({ start: new Date(NOW - 730 * 86_400_000).toISOString().slice(0, 10) });
  const rand = rng(42);
  const eager = C.eager().snapshot;
  const crons = [C.onCron("0 6 * * *", "UTC"), C.onCron("0 */4 * * *", "UTC"), C.onCron("30 2 * * *", "America/New_York")].map((c) => c.snapshot);
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
        const j = pool[Math.max(0, pool.length - 1 - Math.floor(rand() * (rand() < 0.8 ? 50 : pool.length)))]!;
        if (!deps.includes(`a${j}`)) deps.push(`a${j}`);
      }
    }
    const automation = i < ROOTS && rand() < 0.7 ? undefined : rand() < 0.7 ? eager : crons[Math.floor(rand() * crons.length)]!;
    assets.push({
      key: `a${i}`, node: `a${i}`, deps: deps.map((key) => ({ key })), group: "g", kinds: [], tags: {}, owners: [], metadata: {}, resources: [],
      io: "io_manager", canSubset: false, checks: [],
      ...(isPart ? { partitions: days } : {}),
      ...(automation ? { automation } : {}),
    } as AssetNodeSnapshot);
    pool.push(i);
  }
  return AssetGraph.fromSnapshot({ version: 1, location: "bench", assets, checks: [] } as never);
}

async function fill(storage: Storage, graph: AssetGraph): Promise<number> {
  let batch: StrataEvent[] = [];
  let n = 0;
  const flush = async () => {
    await storage.storeEvents(batch);
    n += batch.length;
    batch = [];
  };
  const runId = newRunId();
  for (const a of graph.assets()) {
    if (a.partitions) {
      const keys = getPartitionKeys(graph.partitionsOf(a.key)!, { now: NOW }).slice(-100);
      for (const p of keys) batch.push({ runId, type: "ASSET_MATERIALIZATION", timestamp: NOW - 3_600_000, level: "info", message: "m", assetKey: a.key, stepKey: a.key, partition: p });
    } else {
      batch.push({ runId, type: "ASSET_MATERIALIZATION", timestamp: NOW - 3_600_000, level: "info", message: "m", assetKey: a.key, stepKey: a.key });
    }
    if (batch.length >= 5000) await flush();
  }
  await flush();
  return n;
}

async function automationBench(dir: string): Promise<void> {
  const graph = bigGraph();
  const storage = await openSqliteStorage(join(dir, "auto.db"));
  const t0 = performance.now();
  const events = await fill(storage, graph);
  result.notes.push(`automation: ${events.toLocaleString("en-US")} materialisation events stored in ${fmtMs(performance.now() - t0)} (setup)`);
  const view = new StorageAutomationView(storage, graph);
  gc();
  let t = performance.now();
  await view.refresh();
  const refreshCold = performance.now() - t;
  const r1 = evaluateAutomation(graph, undefined, view, undefined, NOW);
  const cold = performance.now() - t;
  const warm: number[] = [];
  const warmRefresh: number[] = [];
  let prev = r1.nextState;
  for (let i = 0; i < 3; i++) {
    const runId = newRunId();
    await storage.storeEvents(Array.from({ length: 50 }, (_, j) => ({ runId, type: "ASSET_MATERIALIZATION" as const, timestamp: Date.now(), level: "info" as const, message: "m", assetKey: `a${(i * 50 + j) * 7 + 1}`, stepKey: "x" })));
    gc();
    t = performance.now();
    await view.refresh();
    warmRefresh.push(performance.now() - t);
    const r = evaluateAutomation(graph, undefined, view, prev, NOW + (i + 1) * 30_000);
    warm.push(performance.now() - t);
    prev = r.nextState;
  }
  result.rows.push(row("automation tick, 10k assets, cold (index load + evaluate)", [cold], 1000, { "index load": fmtMs(refreshCold), requests: r1.requests.length }));
  result.rows.push(row("automation tick, 10k assets, warm (50 new events)", warm, 1000, { "index refresh": fmtMs(warmRefresh.sort((a, b) => a - b)[1]!), "evaluate (core)": fmtMs(warm[1]! - warmRefresh[1]!) }));
  await storage.close();
}

async function sensorBench(dir: string): Promise<void> {
  const project = join(dir, "sensors");
  const { mkdirSync } = await import("node:fs");
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "sensor-bench", private: true, type: "module" }));
  writeFileSync(
    join(project, "strata.config.ts"),
    `import { asset, defineDefinitions, sensor } from "strata";
const a = asset({ key: "a" }, () => 1);
export default defineDefinitions({ assets: [a], sensors: Array.from({ length: 100 }, (_, i) => sensor({ name: "s" + i, intervalSeconds: 1, target: [a], defaultStatus: "RUNNING" }, (ctx) => ({ skipReason: "nothing new", cursor: String(ctx.now) }))) });
`,
  );
  const instanceDir = join(project, ".strata");
  mkdirSync(instanceDir, { recursive: true });
  const storage = await openSqliteStorage(join(instanceDir, "strata.db"));
  const location = await ProcessLocation.start({ root: project, entry: join(project, "strata.config.ts"), location: "sensor-bench" }, instanceDir, () => undefined);
  const ctx: DaemonContext = { storage, instanceDir, location, launcher: { launch: async () => undefined }, now: () => Date.now(), log: () => undefined };
  const scheduler = new SensorScheduler(ctx);
  const ac = new AbortController();
  const DURATION = 20_000;
  const rss: number[] = [];
  const sampler = setInterval(() => rss.push(process.memoryUsage().rss), 1000);
  const loop = runLoop(storage, { name: "sensors", intervalMs: 250, tick: () => scheduler.tick() }, ac.signal, () => undefined);
  await new Promise((r) => setTimeout(r, DURATION));
  ac.abort();
  await loop;
  await scheduler.idle();
  clearInterval(sampler);
  const ticks = (await storage.listTicks({ instigatorType: "sensor" })).length;
  const lat = [...scheduler.lateness].sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] ?? 0;
  result.rows.push(
    row("100 sensors @ 1 s for 20 s: evaluation lateness p50", [pct(50)], undefined, {
      p95: fmtMs(pct(95)),
      p99: fmtMs(pct(99)),
      max: fmtMs(lat.at(-1) ?? 0),
      evaluations: lat.length,
      "ticks stored": ticks,
      "evals/s": (ticks / (DURATION / 1000)).toFixed(0),
    }),
  );
  const maxRss = Math.max(...rss) / 2 ** 20;
  result.rows.push(row("daemon RSS with 100 sensors (MB, max)", [maxRss], 150, { "location process": "separate (user code)" }));
  location.close();
  await storage.close();
}

async function queueBench(dir: string): Promise<void> {
  const storage = await openSqliteStorage(join(dir, "queue.db"));
  const now = Date.now();
  for (let i = 0; i < 1000; i++) {
    const run: RunRecord = { runId: `q${i}`, status: "QUEUED", selection: "a", assetKeys: ["a"], checkKeys: [], tags: { pool: "db" }, location: "bench", createdAt: now + i, updatedAt: now + i, config: {} };
    await storage.createRun(run);
  }
  const ctx = {
    storage,
    launcher: {
      // Completes the run at once: measures the queue, not workers.
      launch: async (run: RunRecord) => {
        await storage.transitionRun(run.runId, "STARTED", { fromStatuses: ["STARTING"] });
        await storage.transitionRun(run.runId, "SUCCESS", { fromStatuses: ["STARTED"] });
      },
    },
    now: () => Date.now(),
    log: () => undefined,
  } as unknown as DaemonContext;
  const t = performance.now();
  let passes = 0;
  while ((await storage.listRuns({ statuses: ["QUEUED"], limit: 1 })).length > 0) {
    await queueTick(ctx, { maxConcurrentRuns: 10, tagConcurrencyLimits: [{ key: "pool", value: "db", limit: 10 }] });
    passes++;
  }
  const ms = performance.now() - t;
  result.rows.push(row("queue: 1,000 runs dequeued (limit 10 at once)", [ms], undefined, { "runs/s": (1000 / (ms / 1000)).toFixed(0), passes }));
  await storage.close();
}

const dir = mkdtempSync(join(tmpdir(), "strata-daemon-bench-"));
try {
  // Sensors first: the RSS figure must not include the automation benchmark's heap.
  await sensorBench(dir);
  await queueBench(dir);
  await automationBench(dir);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
result.finish();
