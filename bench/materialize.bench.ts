/**
 * Materialise 1,000 no-op assets (chain and fan) with every event durably stored in a
 * file-backed SQLite instance: once as a real run (createRun + executeRun on real storage, as
 * the run worker does) and once through the public `materialize()` test helper.
 * Target ≤ 0.5 s each. Reference: Dagster 1.1.9, 9.0 s on this machine type.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AssetGraph, buildSnapshot, defineDefinitions } from "@strata/core";
import { createRun, executeRun, materialize } from "@strata/engine";
import { openSqliteStorage, type Storage } from "@strata/storage";
import { makeAssets, type Shape } from "./graphs.ts";
import { gc, measure, row, startResult } from "./lib.ts";

const N = Number(process.env.BENCH_MATERIALIZE_N ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TARGET_MS = 500;
const DAGSTER = "9.0 s";

const result = startResult("materialize", `materialise ${N.toLocaleString("en-US")} no-op assets, events stored in file-backed SQLite`);

for (const shape of ["chain", "fan"] as Shape[]) {
  const assets = makeAssets(shape, N);
  const defs = defineDefinitions({ assets });
  const graph = AssetGraph.fromSnapshot(buildSnapshot(defs, { location: "bench", root: process.cwd() }));

  // executeRun on real storage: a fresh instance folder per repetition, opened outside the timing.
  let dir = "";
  let storage: Storage | undefined;
  let lastRunId = "";
  let events = 0;
  const fresh = async () => {
    if (storage) {
      if (lastRunId) events = (await storage.getEvents(lastRunId)).length;
      await storage.close();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = mkdtempSync(join(tmpdir(), "strata-bench-"));
    storage = await openSqliteStorage(join(dir, "strata.db"));
    gc();
  };
  await fresh();
  const execTimes = await measure(
    async () => {
      const { run } = await createRun(storage!, graph, {});
      const status = await executeRun({ defs, graph, run, storage: storage!, instanceDir: dir, heartbeatMs: 60_000 });
      if (status !== "SUCCESS") throw new Error(`run ended ${status}`);
      lastRunId = run.runId;
    },
    { runs: RUNS, between: fresh },
  );
  await storage!.close();
  rmSync(dir, { recursive: true, force: true });

  // The public helper, whole call: definitions → snapshot → temp instance + migrations → run →
  // read the events back → delete the instance.
  let helperEvents = 0;
  const helperTimes = await measure(
    async () => {
      const r = await materialize(assets);
      if (!r.success) throw new Error(`materialize() ended ${r.status}`);
      helperEvents = r.events.length;
    },
    { runs: RUNS, between: gc },
  );

  for (const [name, times, ev] of [
    [`executeRun ${shape}`, execTimes, events],
    [`materialize() ${shape}`, helperTimes, helperEvents],
  ] as const) {
    const r = row(name, times, TARGET_MS);
    r.extra = { events: ev, "events/s": (ev / r.medianMs) * 1000, "ms/asset": (r.medianMs / N).toFixed(3), "Dagster 1.1.9": DAGSTER };
    result.rows.push(r);
  }
}

result.notes.push(
  "executeRun: createRun + executeRun on a fresh file-backed SQLite instance (WAL, synchronous=NORMAL); every event is committed before the run returns. Opening the instance is not timed.",
  "materialize(): the whole public test-helper call (snapshot, temp instance with migrations, run, getEvents, cleanup).",
  `chain = a0 → a1 → … ; fan = one root with ${N - 1} children; default executor (maxConcurrent 8). Median of ${RUNS} after one warm-up.`,
);
result.finish();
