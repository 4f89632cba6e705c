/**
 * Measures storeEvents throughput: 5,000 events for 1,000 assets (planned, step start,
 * materialization, step success, log), stored in batches, on a file-backed SQLite database.
 * Run: node --import tsx/esm packages/storage/test/bench-store-events.ts [batchSize]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StrataEvent } from "@strata/core";
import { openSqliteStorage } from "../src/index.ts";

const ASSETS = 1000;
const batchSize = Number(process.argv[2] ?? 5000);
const dir = mkdtempSync(join(tmpdir(), "strata-bench-"));
const storage = await openSqliteStorage(join(dir, "strata.db"));

function eventsFor(runId: string): StrataEvent[] {
  const events: StrataEvent[] = [];
  const base = { runId, level: "info" as const, message: "", timestamp: Date.now() };
  for (let i = 0; i < ASSETS; i++) {
    const assetKey = `schema/asset_${i}`;
    events.push({ ...base, type: "ASSET_MATERIALIZATION_PLANNED", assetKey });
    events.push({ ...base, type: "STEP_START", stepKey: assetKey });
    events.push({ ...base, type: "LOG", stepKey: assetKey, message: "working", data: { fields: { i } } });
    events.push({
      ...base,
      type: "ASSET_MATERIALIZATION",
      stepKey: assetKey,
      assetKey,
      data: { metadata: { row_count: { type: "int", value: i } }, codeVersion: "v1" },
    });
    events.push({ ...base, type: "STEP_SUCCESS", stepKey: assetKey, data: { durationMs: 3 } });
  }
  return events;
}

async function once(runId: string): Promise<number> {
  const events = eventsFor(runId);
  const t0 = performance.now();
  for (let i = 0; i < events.length; i += batchSize) await storage.storeEvents(events.slice(i, i + batchSize));
  return performance.now() - t0;
}

await once("warmup");
const times: number[] = [];
for (let r = 0; r < 5; r++) times.push(await once(`run${r}`));
times.sort((a, b) => a - b);
const median = times[2] ?? 0;
console.log(
  `storeEvents: ${ASSETS * 5} events / ${ASSETS} assets, batch ${batchSize}: median ${median.toFixed(1)} ms ` +
    `(${Math.round((ASSETS * 5) / (median / 1000)).toLocaleString("en")} events/s); all: ${times.map((t) => t.toFixed(0)).join(", ")} ms`,
);
const recs = await storage.getAssetRecords(["schema/asset_0"]);
if (recs[0]?.lastMaterialization?.runId !== "run4") throw new Error("index not updated");
await storage.close();
rmSync(dir, { recursive: true, force: true });
