/**
 * Daemon benchmarks (issue 4, "Performance"):
 * - one automation tick over 10,000 assets (1,000 daily-partitioned over 2 years, a mix of eager
 *   and onCron) through the storage-backed view on file SQLite holding realistic contents
 *   (every unpartitioned asset materialised, ~100 recent partitions of each partitioned one):
 *   cold (first tick: loads the indexes) and warm (next tick after 50 new materialisations);
 * - 100 sensors at a 1 s interval for ~20 s through a real code-location process: lateness of
 *   each evaluation vs. its due time (p50/p95/p99/max), evaluations/s;
 * - idle RSS of `strata daemon` on that 100-sensor project: the daemon process (every loop),
 *   target ≤ 150 MB at its peak; its code-location process and the sum reported beside it;
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
import { AutomationLoop, ProcessLocation, SensorScheduler, StorageAutomationView, queueTick, runLoop, type DaemonContext } from "@strata/daemon";
import { makeProject } from "../test/helpers/run-cli.ts";
import { fmtMs, gc, processTreeRss, row, startResult, type ProcessRss } from "./lib.ts";

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
  // CPU time too: on a loaded machine wall time mostly measures waiting for a core.
  const cpuMs = (since: NodeJS.CpuUsage) => {
    const u = process.cpuUsage(since);
    return (u.user + u.system) / 1000;
  };
  let cpu = process.cpuUsage();
  let t = performance.now();
  await view.refresh();
  const refreshCold = performance.now() - t;
  const r1 = evaluateAutomation(graph, undefined, view, undefined, NOW);
  const cold = performance.now() - t;
  const coldCpu = cpuMs(cpu);
  const warmCpu: number[] = [];
  const warm: number[] = [];
  const warmRefresh: number[] = [];
  let prev = r1.nextState;
  for (let i = 0; i < 3; i++) {
    const runId = newRunId();
    await storage.storeEvents(Array.from({ length: 50 }, (_, j) => ({ runId, type: "ASSET_MATERIALIZATION" as const, timestamp: Date.now(), level: "info" as const, message: "m", assetKey: `a${(i * 50 + j) * 7 + 1}`, stepKey: "x" })));
    gc();
    cpu = process.cpuUsage();
    t = performance.now();
    await view.refresh();
    warmRefresh.push(performance.now() - t);
    const r = evaluateAutomation(graph, undefined, view, prev, NOW + (i + 1) * 30_000);
    warm.push(performance.now() - t);
    warmCpu.push(cpuMs(cpu));
    prev = r.nextState;
  }
  result.rows.push(row("automation tick, 10k assets, cold (index load + evaluate)", [cold], 1000, { "index load": fmtMs(refreshCold), requests: r1.requests.length, "CPU time": fmtMs(coldCpu) }));
  result.rows.push(
    row("automation tick, 10k assets, warm (50 new events)", warm, 1000, {
      "index refresh": fmtMs(warmRefresh.sort((a, b) => a - b)[1]!),
      "evaluate (core)": fmtMs(warm[1]! - warmRefresh[1]!),
      "CPU time": fmtMs(warmCpu.sort((a, b) => a - b)[1]!),
    }),
  );
  // The daemon's whole first tick (its own view, no stored state): evaluate, then store every
  // asset's condition tree (all new on a first tick) and the state.
  const loopCtx = { storage, instanceDir: dir, location: { graph }, launcher: { launch: async () => undefined }, now: () => NOW, log: () => undefined } as unknown as DaemonContext;
  const loop = new AutomationLoop(loopCtx);
  gc();
  cpu = process.cpuUsage();
  t = performance.now();
  const first = await loop.tick();
  result.rows.push(
    row("automation: whole first daemon tick (+ store 10k condition trees)", [performance.now() - t], undefined, {
      "index load + evaluate": fmtMs(loop.lastDurationMs),
      requests: first?.requests.length ?? 0,
      "CPU time": fmtMs(cpuMs(cpu)),
    }),
  );
  await storage.close();
}

/** The 100-sensor project: a sensor every second each, always skipping. */
const SENSOR_PROJECT = {
  "package.json": JSON.stringify({ name: "sensor-bench", private: true, type: "module" }),
  "strata.config.ts": `import { asset, defineDefinitions, sensor } from "strata";
const a = asset({ key: "a" }, () => 1);
export default defineDefinitions({ assets: [a], sensors: Array.from({ length: 100 }, (_, i) => sensor({ name: "s" + i, intervalSeconds: 1, target: [a], defaultStatus: "RUNNING" }, (ctx) => ({ skipReason: "nothing new", cursor: String(ctx.now) }))) });
`,
};

async function sensorBench(dir: string): Promise<void> {
  const project = join(dir, "sensors");
  const { mkdirSync } = await import("node:fs");
  mkdirSync(project, { recursive: true });
  for (const [name, text] of Object.entries(SENSOR_PROJECT)) writeFileSync(join(project, name), text);
  const instanceDir = join(project, ".strata");
  mkdirSync(instanceDir, { recursive: true });
  const storage = await openSqliteStorage(join(instanceDir, "strata.db"));
  const location = await ProcessLocation.start({ root: project, entry: join(project, "strata.config.ts"), location: "sensor-bench" }, instanceDir, () => undefined);
  const ctx: DaemonContext = { storage, instanceDir, location, launcher: { launch: async () => undefined }, now: () => Date.now(), log: () => undefined };
  const scheduler = new SensorScheduler(ctx);
  const ac = new AbortController();
  const DURATION = 20_000;
  const loop = runLoop(storage, { name: "sensors", intervalMs: 250, tick: () => scheduler.tick() }, ac.signal, () => undefined);
  await new Promise((r) => setTimeout(r, DURATION));
  ac.abort();
  await loop;
  await scheduler.idle();
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
  location.close();
  await storage.close();
}

/**
 * `strata daemon` on the 100-sensor project: after 15 s of sensors ticking (nothing runs), VmRSS
 * of each of its processes, sampled 10 times 2 s apart. The target (≤ 150 MB) is the daemon
 * process, the one running every loop, measured at its peak over the samples; the
 * code-location process (where the sensors' user code runs, as Dagster's code servers) and
 * the sum of all processes are reported beside it (median).
 */
async function daemonRssBench(): Promise<void> {
  const project = makeProject(SENSOR_PROJECT, { name: "bench-daemon-rss" });
  const daemon = project.start(["daemon"]);
  try {
    await daemon.waitFor(/strata daemon: watching/, 120_000);
    await new Promise((r) => setTimeout(r, 15_000));
    const samples: ProcessRss[][] = [];
    for (let i = 0; i < 10; i++) {
      samples.push(processTreeRss(daemon.child.pid!));
      await new Promise((r) => setTimeout(r, 2000));
    }
    const sum = (ps: ProcessRss[]) => ps.reduce((n, p) => n + p.rssMb, 0);
    const isLocation = (p: ProcessRss) => p.command.includes("location-process");
    const own = samples.map((ps) => ps[0]!.rssMb);
    const location = samples.map((ps) => sum(ps.filter(isLocation)));
    const all = samples.map(sum);
    const mid = samples[all.indexOf([...all].sort((a, b) => a - b)[Math.floor(all.length / 2)]!)]!;
    const mode = mid.some((p) => isLocation(p) && p.command.includes("/dist/")) ? "dist" : "src (tsx)";
    result.rows.push({
      ...row("strata daemon idle RSS, daemon process, peak (100 sensors)", [Math.max(...own)], 150),
      unit: "MB",
      extra: { median: `${[...own].sort((a, b) => a - b)[own.length >> 1]!.toFixed(0)} MB`, samples: own.length, mode },
    });
    result.rows.push({ ...row("  its code-location process (the sensors' user code)", location), unit: "MB" });
    result.rows.push({ ...row("  all processes together", all), unit: "MB", extra: { processes: mid.length } });
    for (const p of mid) result.notes.push(`daemon RSS: pid ${p.pid} ${p.rssMb.toFixed(0)} MB  ${p.command.slice(0, 160)}`);
  } finally {
    daemon.child.kill("SIGINT");
    await daemon.done;
    project.cleanup();
  }
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
  await daemonRssBench();
  await queueBench(dir);
  await automationBench(dir);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
result.finish();
