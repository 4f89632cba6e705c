/**
 * Event log write throughput: `storeEvents` of realistic events into a file-backed SQLite
 * instance, in batches of 1, 100 and 1,000 (each batch is one transaction that also updates the
 * asset and check-status indexes). Reported as events/s; there is no target.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MetadataValue, newRunId, normalizeMetadata, type RunRecord, type StrataEvent } from "@strata/core";
import { openSqliteStorage, type Storage } from "@strata/storage";
import { gc, measure, row, startResult } from "./lib.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CASES = [
  { batch: 1, events: 2_000 },
  { batch: 100, events: 20_000 },
  { batch: 1000, events: 50_000 },
];
const ASSETS = 200;

const result = startResult("event-log", "event log write throughput (storeEvents, file-backed SQLite)");

/** The events a run of `ASSETS` assets writes, per asset: planned, start, log, materialisation, check, success. */
function realisticEvents(runId: string, count: number): StrataEvent[] {
  const out: StrataEvent[] = [];
  const metadata = normalizeMetadata({
    row_count: MetadataValue.int(1234),
    uri: MetadataValue.path("/data/warehouse/orders.parquet"),
    preview: MetadataValue.table([
      { id: 1, customer: "acme", amount: 12.5 },
      { id: 2, customer: "globex", amount: 7.25 },
      { id: 3, customer: "initech", amount: 99 },
    ]),
  });
  for (let i = 0; out.length < count; i++) {
    const assetKey = `warehouse/table_${i % ASSETS}`;
    const stepKey = assetKey.replaceAll("/", "__");
    const base = { runId, timestamp: Date.now(), stepKey };
    const all: StrataEvent[] = [
      { ...base, type: "ASSET_MATERIALIZATION_PLANNED", level: "debug", message: `${assetKey} planned`, assetKey },
      { ...base, type: "STEP_START", level: "debug", message: `Started ${stepKey}`, data: { assetKeys: [assetKey], checkKeys: [] } },
      { ...base, type: "LOG", level: "info", message: "loaded rows from the source", data: { fields: { rows: 1234, source: "s3://bucket/orders/" } } },
      { ...base, type: "ASSET_MATERIALIZATION", level: "info", message: `Materialized ${assetKey}`, assetKey, data: { metadata, codeVersion: "v3" } },
      {
        ...base,
        type: "ASSET_CHECK_EVALUATION",
        level: "info",
        message: `Check ${assetKey}:not_empty passed`,
        assetKey,
        checkKey: `${assetKey}:not_empty`,
        data: { metadata: {}, check: { name: "not_empty", passed: true, severity: "ERROR", blocking: true } },
      },
      { ...base, type: "STEP_SUCCESS", level: "info", message: `${stepKey} succeeded in 12 ms`, data: { durationMs: 12 } },
    ];
    out.push(...all.slice(0, count - out.length));
  }
  return out;
}

let dir = "";
let storage: Storage | undefined;
let runId = "";
const fresh = async () => {
  if (storage) await storage.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = mkdtempSync(join(tmpdir(), "strata-bench-events-"));
  storage = await openSqliteStorage(join(dir, "strata.db"));
  runId = newRunId();
  const now = Date.now();
  const run: RunRecord = { runId, status: "STARTED", selection: "*", assetKeys: [], checkKeys: [], tags: {}, location: "bench", createdAt: now, updatedAt: now, config: {} };
  await storage.createRun(run);
  gc();
};

for (const { batch, events: count } of CASES) {
  await fresh();
  const events = realisticEvents(runId, count);
  const bytes = events.reduce((n, e) => n + JSON.stringify(e).length, 0) / events.length;
  const times = await measure(
    async () => {
      for (let i = 0; i < events.length; i += batch) await storage!.storeEvents(events.slice(i, i + batch).map((e) => ({ ...e, runId })));
    },
    { runs: RUNS, between: fresh },
  );
  const r = row(`storeEvents, batches of ${batch}`, times);
  r.extra = {
    events: count,
    "events/s": (count / r.medianMs) * 1000,
    "µs/event": ((r.medianMs * 1000) / count).toFixed(1),
    "ms/batch": ((r.medianMs / count) * batch).toFixed(2),
    "bytes/event": Math.round(bytes),
  };
  result.rows.push(r);
}
await storage!.close();
rmSync(dir, { recursive: true, force: true });

result.notes.push(
  `Events cycle through one asset step's stream (planned, start, log, materialisation with row_count/uri/table-preview metadata, check evaluation, success) over ${ASSETS} asset keys.`,
  "Each storeEvents call is one BEGIN IMMEDIATE … COMMIT (WAL, synchronous=NORMAL) with multi-row inserts and the asset/check index upserts. Fresh database per repetition.",
  `Median of ${RUNS} after one warm-up.`,
);
result.finish();
