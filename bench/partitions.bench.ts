/**
 * Partitions and backfills at scale (issue 3, "Performance"):
 * - partition status of one asset with 50,000 partitions: `readPartitionStatus` (the packed status
 *   summary of the asset and its partitioned parent + `summarizePartitionStatus`, exactly what
 *   `strata partitions` and the server's partition route run), file-backed SQLite whose index was
 *   filled by storing realistic run events in batches;
 * - planning a backfill of 10 daily assets × 3 years (~11,000 asset-partitions) with
 *   dependencies (`planBackfill`), then creating and persisting its runs: `storage.createBackfill`
 *   (the chunks) and a run record per chunk through `storage.launchBackfillChunk`, as the backfill
 *   runner does;
 * - time-window key generation, 10 years hourly (~87,600 keys, a new definition each time);
 * - how status, key generation and planning scale from 1k to 100k partitions.
 * Each row reports wall time and CPU time (process.cpuUsage) because the machine may be shared.
 *
 * Run: `node --expose-gc --import tsx bench/partitions.bench.ts` (or `npm run bench -- partitions`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import {
  AssetGraph,
  MetadataValue,
  asset,
  buildSnapshot,
  dailyPartitions,
  defineDefinitions,
  getPartitionKeys,
  hourlyPartitions,
  newRunId,
  normalizeMetadata,
  planBackfill,
  summarizePartitionStatus,
  timeWindowMapping,
  type AssetsDefinition,
  type BackfillChunkPlan,
  type RunRecord,
  type StrataEvent,
} from "@strata/core";
import { openSqliteStorage, type BackfillRecord } from "@strata/storage";
import { fmtInt, fmtMs, gc, median, startResult, textTable } from "./lib.ts";
import { chunkRecords, chunkRun, readPartitionStatus } from "@strata/engine";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
/** "now" for every partition computation, so results do not depend on the day the bench runs. */
const NOW = Date.UTC(2026, 0, 1);
const ctx = { now: NOW };
const HOUR = 3_600_000;
const T0 = Date.UTC(2010, 0, 1);

const result = startResult("partitions", "partitions and backfills at scale (file-backed SQLite)");
const extraTables: string[] = [];

/** Wall and CPU time of each of `runs` calls after one warm-up. */
async function timed(fn: () => unknown, runs = RUNS, between?: () => unknown): Promise<{ wall: number[]; cpu: number[] }> {
  await fn();
  await between?.();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    gc();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    await between?.();
  }
  return { wall, cpu };
}

function addRow(name: string, t: { wall: number[]; cpu: number[] }, targetMs?: number, extra: Record<string, string | number> = {}): void {
  result.rows.push({
    name,
    ...(targetMs !== undefined ? { targetMs } : {}),
    medianMs: median(t.wall),
    minMs: Math.min(...t.wall),
    maxMs: Math.max(...t.wall),
    runs: t.wall.length,
    extra: { "CPU median": fmtMs(median(t.cpu)), ...extra },
  });
}

// ---------------------------------------------------------------------------------------------
// 1. Partition status: hourly assets with 1k / 10k / 50k / 100k partitions, each reading an
//    upstream hourly asset (identity mapping) so staleness is computed too.
// ---------------------------------------------------------------------------------------------

const hourly = (n: number) => hourlyPartitions({ start: new Date(T0), end: new Date(T0 + n * HOUR), timezone: "UTC" });
const SIZES = [1_000, 10_000, 50_000, 100_000];
const upstreamAsset = asset({ key: "lake/events", partitions: hourly(100_000) }, () => undefined);
const statusAssets = SIZES.map((n) => asset({ key: `lake/sessions_${n}`, partitions: hourly(n), ins: { events: upstreamAsset } }, () => undefined));
const statusGraph = graphOf([upstreamAsset, ...statusAssets]);

const dir = mkdtempSync(join(tmpdir(), "strata-bench-partitions-"));
const storage = await openSqliteStorage(join(dir, "strata.db"));

const metadata = normalizeMetadata({
  row_count: MetadataValue.int(1234),
  uri: MetadataValue.path("/data/lake/sessions/part.parquet"),
});

/**
 * Stores what range runs of `perRun` partitions write for `assetKey` (a run, then planned per
 * partition, step start, a log, a materialisation per partition, step success, run success), in
 * batches of ≤ 1,000 events. `fail` partitions get a STEP_FAILURE instead (their run fails);
 * `leaveInProgress` partitions are planned in a run that has not ended.
 */
async function populate(assetKey: string, keys: readonly string[], opts: { at: number; fail?: (i: number) => boolean; skip?: (i: number) => boolean; inProgress?: (i: number) => boolean }): Promise<number> {
  const perRun = 500;
  let stored = 0;
  for (let start = 0; start < keys.length; start += perRun) {
    const idx = [...Array(Math.min(perRun, keys.length - start)).keys()].map((j) => start + j).filter((i) => !opts.skip?.(i));
    const runId = newRunId();
    const now = Date.now();
    const run: RunRecord = { runId, status: "STARTED", selection: assetKey, assetKeys: [assetKey], checkKeys: [], tags: {}, location: "bench", createdAt: now, updatedAt: now, config: {} };
    await storage.createRun(run);
    const stepKey = assetKey.replaceAll("/", "__");
    const ok = idx.filter((i) => !opts.fail?.(i) && !opts.inProgress?.(i)).map((i) => keys[i]!);
    const failed = idx.filter((i) => opts.fail?.(i)).map((i) => keys[i]!);
    const pending = idx.filter((i) => opts.inProgress?.(i)).map((i) => keys[i]!);
    const at = opts.at + start;
    const base = { runId, timestamp: at };
    const events: StrataEvent[] = [];
    for (const p of [...ok, ...failed, ...pending]) events.push({ ...base, type: "ASSET_MATERIALIZATION_PLANNED", level: "debug", message: `${assetKey} [${p}] planned`, assetKey, partition: p });
    events.push({ ...base, stepKey, type: "STEP_START", level: "debug", message: `Started ${stepKey}`, data: { assetKeys: [assetKey], checkKeys: [] } });
    events.push({ ...base, stepKey, type: "LOG", level: "info", message: "loaded rows", data: { fields: { rows: 1234 } } });
    for (const p of ok) events.push({ ...base, stepKey, type: "ASSET_MATERIALIZATION", level: "info", message: `Materialized ${assetKey} [${p}]`, assetKey, partition: p, data: { metadata, codeVersion: "v1" } });
    if (failed.length > 0) {
      events.push({ ...base, stepKey, type: "STEP_FAILURE", level: "error", message: `${stepKey} failed`, data: { assetKeys: [assetKey], partitions: failed, error: { name: "Error", code: "USER_CODE", message: "boom" } } });
    } else {
      events.push({ ...base, stepKey, type: "STEP_SUCCESS", level: "info", message: `${stepKey} succeeded`, data: { durationMs: 12 } });
    }
    if (pending.length === 0) events.push({ ...base, type: failed.length > 0 ? "RUN_FAILURE" : "RUN_SUCCESS", level: "info", message: "run ended" });
    for (let i = 0; i < events.length; i += 1000) await storage.storeEvents(events.slice(i, i + 1000));
    stored += events.length;
  }
  return stored;
}

const popStart = performance.now();
let eventsStored = 0;
// Upstream: all 100,000 hours materialised at t=1e12; a few later (t=2e12) to make some downstream partitions stale.
const upKeys = getPartitionKeys(statusGraph.partitionsOf("lake/events")!, ctx);
eventsStored += await populate("lake/events", upKeys, { at: 1_000_000_000_000 });
const refreshed = upKeys.filter((_k, i) => i % 997 === 3);
eventsStored += await populate("lake/events", refreshed, { at: 3_000_000_000_000 });
for (const n of SIZES) {
  const keys = getPartitionKeys(statusGraph.partitionsOf(`lake/sessions_${n}`)!, ctx);
  // ~90% materialised, 1/50 failed, a gap every 1,000, the last 20 in progress.
  eventsStored += await populate(`lake/sessions_${n}`, keys, {
    at: 2_000_000_000_000,
    fail: (i) => i % 50 === 7,
    skip: (i) => i % 1000 >= 900 && i % 1000 < 950,
    inProgress: (i) => i >= n - 20,
  });
}
const popMs = performance.now() - popStart;
result.notes.push(
  `status index filled by storeEvents of ${fmtInt(eventsStored)} events (range runs of 500 partitions, batches of ≤ 1,000) in ${fmtMs(popMs)} (${fmtInt(eventsStored / (popMs / 1000))} events/s)`,
);

/**
 * What `strata partitions <asset>` and GET /api/assets/:key/partitions do after loading the graph
 * (`readPartitionStatus`): read the asset's packed status summary and, for staleness, its
 * partitioned parents' partitions materialised after its oldest one; summarise.
 */
async function partitionStatus(graph: AssetGraph, assetKey: string) {
  return readPartitionStatus(storage, graph, assetKey, ctx);
}

/** The asset's own facts only (no staleness): the cost of the summary read + summarise alone. */
async function partitionStatusNoUpstream(graph: AssetGraph, assetKey: string) {
  return summarizePartitionStatus(graph, assetKey, await storage.getPartitionFacts(assetKey), new Map(), ctx);
}

/** The index rows themselves (getAssetPartitions), as the status path read them before the summary pages. */
async function indexRowsOnly(assetKey: string) {
  return (await storage.getAssetPartitions(assetKey)).length;
}

const s50 = await partitionStatus(statusGraph, "lake/sessions_50000");
if (s50.total !== 50_000) throw new Error(`expected 50,000 partitions, got ${s50.total}`);
const t50 = await timed(() => partitionStatus(statusGraph, "lake/sessions_50000"));
addRow("status: 1 asset × 50,000 partitions (+ its 100,000-partition upstream, staleness)", t50, 50, {
  ranges: s50.ranges.length,
  counts: Object.entries(s50.counts).map(([k, v]) => `${k.slice(0, 4)} ${v}`).join(" "),
});
addRow("status: same, asset's own facts only (no upstream read)", await timed(() => partitionStatusNoUpstream(statusGraph, "lake/sessions_50000")), undefined, {});
addRow("for comparison: getAssetPartitions of the same asset (50,000 full index rows)", await timed(() => indexRowsOnly("lake/sessions_50000")), undefined, {});
// Cold: a new graph from the snapshot, as a fresh `strata partitions` process builds (key caches empty).
const snapshotJson = JSON.stringify(statusGraph.snapshot);
addRow(
  "status: same, cold (new graph from snapshot JSON each time, as the CLI)",
  await timed(() => partitionStatus(AssetGraph.fromSnapshot(JSON.parse(snapshotJson)), "lake/sessions_50000")),
  undefined,
  {},
);

// ---------------------------------------------------------------------------------------------
// 2. Backfill of 10 daily assets × 3 years, with dependencies.
// ---------------------------------------------------------------------------------------------

/**
 * Ten daily assets: a chain with a fan-in, one reading yesterday's partition of its upstream.
 * `distinct`: each asset gets its own definition (a different start date, as tables added over
 * time have), so no two assets share a run: one run per asset-partition.
 */
function tenDailyAssets(distinct: boolean): AssetGraph {
  const def = (i: number) => dailyPartitions({ start: distinct ? `1990-01-${String(i + 1).padStart(2, "0")}` : "1990-01-01", timezone: "UTC" });
  const a: AssetsDefinition[] = [];
  a.push(asset({ key: "raw/orders", partitions: def(0) }, () => undefined));
  a.push(asset({ key: "raw/customers", partitions: def(1) }, () => undefined));
  a.push(asset({ key: "stg/orders", partitions: def(2), ins: { o: a[0]! } }, () => undefined));
  a.push(asset({ key: "stg/customers", partitions: def(3), ins: { c: a[1]! } }, () => undefined));
  a.push(asset({ key: "int/orders_enriched", partitions: def(4), ins: { o: a[2]!, c: a[3]! } }, () => undefined));
  a.push(
    asset(
      { key: "int/order_deltas", partitions: def(5), ins: { today: a[4]!, yesterday: { asset: a[4]!, partitionMapping: timeWindowMapping({ startOffset: -1, endOffset: -1 }) } } },
      () => undefined,
    ),
  );
  a.push(asset({ key: "mart/revenue", partitions: def(6), ins: { d: a[5]! } }, () => undefined));
  a.push(asset({ key: "mart/customers", partitions: def(7), ins: { e: a[4]! } }, () => undefined));
  a.push(asset({ key: "mart/kpis", partitions: def(8), ins: { r: a[6]!, c: a[7]! } }, () => undefined));
  a.push(asset({ key: "report/daily", partitions: def(9), ins: { k: a[8]! } }, () => undefined));
  return graphOf(a);
}

const RANGE = { kind: "range" as const, start: "2022-01-01", end: "2024-12-30" }; // 1,095 days
const shapes = [
  { name: "shared definition: one run per day for all 10 assets", graph: tenDailyAssets(false) },
  { name: "a definition per asset: one run per asset-partition", graph: tenDailyAssets(true) },
];

const planTable: string[][] = [];
for (const shape of shapes) {
  const req = { assetKeys: [...shape.graph.keys()], partitions: RANGE };
  let plan: BackfillChunkPlan[] = [];
  const tPlan = await timed(() => (plan = planBackfill(shape.graph, req, ctx)));
  const assetPartitions = plan.reduce((n, c) => n + c.assetKeys.length * c.partitionKeys.length, 0);
  const deps = plan.reduce((n, c) => n + c.dependsOn.length, 0);
  addRow(`plan backfill, 10 daily assets × 3 years — ${shape.name}`, tPlan, 1000, { "asset-partitions": assetPartitions, runs: plan.length, "dependency edges": deps });

  // Create and persist: the backfill row + every chunk (one transaction), then a run record per
  // chunk through launchBackfillChunk (compare-and-set + insert run, one transaction each), as the
  // runner does when it launches them. Each repetition uses a new backfill in the same instance.
  const createMs: number[] = [];
  const launchMs: number[] = [];
  const cpuCreate: number[] = [];
  const cpuLaunch: number[] = [];
  for (let r = 0; r < Math.max(2, Math.min(RUNS, 3)); r++) {
    gc();
    const backfillId = `bf-${newRunId()}`;
    let c0 = process.cpuUsage();
    let t0 = performance.now();
    const now = Date.now();
    const backfill: BackfillRecord = {
      backfillId,
      status: "REQUESTED",
      selection: "*",
      assetKeys: [...shape.graph.keys()],
      partitionSelection: { range: `${RANGE.start}...${RANGE.end}` },
      tags: {},
      maxConcurrentRuns: 4,
      location: "bench",
      createdAt: now,
      updatedAt: now,
    };
    const chunks = chunkRecords(backfillId, plan, now);
    await storage.createBackfill(backfill, chunks);
    createMs.push(performance.now() - t0);
    let c = process.cpuUsage(c0);
    cpuCreate.push((c.user + c.system) / 1000);

    c0 = process.cpuUsage();
    t0 = performance.now();
    for (const chunk of chunks) {
      if (!(await storage.launchBackfillChunk(backfillId, chunk.chunkId, chunkRun(shape.graph, backfill, chunk), null))) throw new Error("launch refused");
    }
    launchMs.push(performance.now() - t0);
    c = process.cpuUsage(c0);
    cpuLaunch.push((c.user + c.system) / 1000);
  }
  const total = createMs.map((m, i) => m + launchMs[i]!);
  const cpuTotal = cpuCreate.map((m, i) => m + cpuLaunch[i]!);
  addRow(`create + persist its runs (chunks + ${fmtInt(plan.length)} run records) — ${shape.name}`, { wall: total, cpu: cpuTotal }, 10_000, {
    "asset-partitions": assetPartitions,
    runs: plan.length,
  });
  planTable.push([
    shape.name,
    fmtInt(plan.length),
    `${fmtMs(median(createMs))} (CPU ${fmtMs(median(cpuCreate))})`,
    `${fmtMs(median(launchMs))} (CPU ${fmtMs(median(cpuLaunch))})`,
    `${((median(launchMs) * 1000) / plan.length).toFixed(0)} µs`,
  ]);
}
extraTables.push(
  "create + persist, split: storage.createBackfill (backfill row + all chunks, one transaction) vs launchBackfillChunk per chunk (one transaction each: compare-and-set chunk + insert run with tags)\n" +
    textTable(["shape", "runs", "createBackfill", "launch all chunks", "per launch"], planTable),
);


// ---------------------------------------------------------------------------------------------
// 3. Key generation: 10 years hourly, a new definition each time (nothing cached).
// ---------------------------------------------------------------------------------------------

for (const timezone of ["UTC", "America/New_York"]) {
  let n = 0;
  const t = await timed(() => (n = getPartitionKeys(hourlyPartitions({ start: "2015-01-01-00:00", end: "2025-01-01-00:00", timezone }), ctx).length));
  addRow(`key generation: 10 years hourly, ${timezone} (new definition)`, t, 100, { keys: n });
}

// ---------------------------------------------------------------------------------------------
// 4. Scaling, 1k → 100k partitions.
// ---------------------------------------------------------------------------------------------

const scaleRows: string[][] = [];
for (const n of SIZES) {
  const tStatus = await timed(() => partitionStatus(statusGraph, `lake/sessions_${n}`));
  let keys = 0;
  const tKeys = await timed(() => (keys = getPartitionKeys(hourly(n), ctx).length));
  // Planning: the 10-asset daily DAG (shared definition) over n/10 days → n asset-partitions.
  const g = tenDailyAssets(false);
  const days = n / 10;
  const start = new Date(Date.UTC(1991, 0, 1));
  const end = new Date(start.getTime() + (days - 1) * 24 * HOUR);
  const iso = (d: Date) => d.toISOString().slice(0, 10);
  let runs = 0;
  let ap = 0;
  const tPlan = await timed(() => {
    const plan = planBackfill(g, { assetKeys: [...g.keys()], partitions: { kind: "range", start: iso(start), end: iso(end) } }, ctx);
    runs = plan.length;
    ap = plan.reduce((s, c) => s + c.assetKeys.length * c.partitionKeys.length, 0);
  }, Math.min(RUNS, 3));
  if (keys !== n || ap !== n) throw new Error(`scaling ${n}: ${keys} keys, ${ap} asset-partitions`);
  const cell = (t: { wall: number[]; cpu: number[] }) => `${fmtMs(median(t.wall))} / ${fmtMs(median(t.cpu))}`;
  scaleRows.push([fmtInt(n), cell(tStatus), cell(tKeys), `${cell(tPlan)} (${fmtInt(runs)} runs)`]);
}
extraTables.push(
  "scaling (median wall / CPU): status = readPartitionStatus: summary read of the asset + its upstream + summarize (hourly); keys = getPartitionKeys of a new hourly definition; plan = planBackfill of the 10-asset daily DAG over n/10 days (n asset-partitions)\n" +
    textTable(["partitions", "status read+summarize", "key generation", "backfill planning"], scaleRows),
);

await storage.close();
rmSync(dir, { recursive: true, force: true });
result.notes.push("times are wall clock; the CPU median column is process CPU time (user+sys), steadier when the machine is shared");
result.finish();
for (const t of extraTables) process.stdout.write(`\n${t}\n`);
process.stdout.write(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(" ")}\n`);

function graphOf(assets: AssetsDefinition[]): AssetGraph {
  const defs = defineDefinitions({ assets });
  return AssetGraph.fromSnapshot(buildSnapshot(defs, { location: "bench", root: process.cwd() }));
}

