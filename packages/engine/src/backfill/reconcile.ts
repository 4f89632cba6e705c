import type { RunRecord } from "@strata/core";
import type { BackfillChunkRecord, BackfillChunkStatus, BackfillStatus, Storage } from "@strata/storage";

/** Marker the run monitor puts on runs it failed because their worker died. */
export const LOST_WORKER = "lostWorker";

export interface BackfillState {
  chunks: BackfillChunkRecord[];
  runs: Map<string, RunRecord>;
  counts: Record<BackfillChunkStatus, number>;
  /** Status the backfill should end with, once nothing is pending or launched. */
  finalStatus: BackfillStatus | undefined;
  /** PENDING chunks that may launch now: every partition they read from other chunks exists. */
  ready: BackfillChunkRecord[];
}

/**
 * Brings chunk statuses up to date with their runs' outcomes (SUCCESS/FAILED/CANCELED), works
 * out which pending chunks can launch and which to skip, and whether the backfill is done.
 * A chunk is skipped only when a partition it reads (its `needs`, through the partition
 * mappings) will not be produced: its chunk was skipped, or ended FAILED/CANCELED without
 * materialising it. A failed run that did produce what the chunk reads (another day of a range,
 * another asset of the run) does not hold it back. Chunks whose run was lost with its worker go
 * back to PENDING (relaunched on resume).
 */
export async function reconcileBackfill(storage: Storage, backfillId: string): Promise<BackfillState> {
  const chunks = await storage.getBackfillChunks(backfillId);
  const launched = chunks.filter((c) => c.status === "LAUNCHED" && c.runId);
  const runs = new Map<string, RunRecord>();
  for (let i = 0; i < launched.length; i += 500) {
    const ids = launched.slice(i, i + 500).map((c) => c.runId!);
    for (const r of await storage.listRuns({ runIds: ids, limit: ids.length })) runs.set(r.runId, r);
  }
  const updates: { chunkId: number; status: BackfillChunkStatus }[] = [];
  const set = (c: BackfillChunkRecord, status: BackfillChunkStatus) => {
    if (c.status === status) return;
    c.status = status;
    updates.push({ chunkId: c.chunkId, status });
  };
  for (const c of launched) {
    const run = runs.get(c.runId!);
    if (!run) continue;
    if (run.status === "SUCCESS") set(c, "SUCCESS");
    else if (run.status === "CANCELED") set(c, "CANCELED");
    else if (run.status === "FAILURE") set(c, (await lostWorker(storage, run)) ? "PENDING" : "FAILED");
  }
  // Skip what can no longer run (in chunk order: upstream chunks usually have lower ids, and a
  // skip that reaches a chunk out of order is picked up by the next reconcile).
  const byId = new Map(chunks.map((c) => [c.chunkId, c] as const));
  const produced = producedBy(storage);
  const ready: BackfillChunkRecord[] = [];
  for (const c of chunks) {
    if (c.status !== "PENDING") continue;
    const verdict = await dependencyVerdict(c, byId, produced);
    if (verdict === "skip") set(c, "SKIPPED");
    else if (verdict === "ready") ready.push(c);
  }
  if (updates.length > 0) await storage.updateBackfillChunks(backfillId, updates);
  const counts: Record<BackfillChunkStatus, number> = { PENDING: 0, LAUNCHED: 0, SUCCESS: 0, FAILED: 0, SKIPPED: 0, CANCELED: 0 };
  for (const c of chunks) counts[c.status]++;
  const active = counts.PENDING + counts.LAUNCHED;
  const finalStatus: BackfillStatus | undefined =
    active > 0 ? undefined : counts.FAILED + counts.SKIPPED > 0 ? "FAILED" : counts.CANCELED > 0 ? "CANCELED" : "COMPLETED";
  return { chunks, runs, counts, finalStatus, ready };
}

type Verdict = "ready" | "wait" | "skip";

/** Whether a pending chunk can launch, must wait, or will never have what it reads. */
async function dependencyVerdict(
  c: BackfillChunkRecord,
  byId: ReadonlyMap<number, BackfillChunkRecord>,
  produced: (dep: BackfillChunkRecord, assetKey: string, partitionKeys: string[]) => Promise<boolean>,
): Promise<Verdict> {
  let verdict: Verdict = "ready";
  for (const id of c.dependsOn) {
    const dep = byId.get(id)!;
    if (dep.status === "SUCCESS") continue;
    if (dep.status === "PENDING" || dep.status === "LAUNCHED") {
      verdict = "wait";
      continue;
    }
    // SKIPPED never ran; FAILED/CANCELED may have produced what this chunk reads.
    if (dep.status === "SKIPPED" || c.needs === undefined) return "skip";
    for (const n of c.needs) {
      if (n.chunkId === id && !(await produced(dep, n.assetKey, n.partitionKeys))) return "skip";
    }
  }
  return verdict;
}

/**
 * Whether the run of an ended chunk materialised the given partitions of an asset (an
 * unpartitioned asset when none are given), from the partition and asset indexes.
 */
function producedBy(storage: Storage) {
  const memo = new Map<string, Promise<boolean>>();
  return (dep: BackfillChunkRecord, assetKey: string, partitionKeys: string[]): Promise<boolean> => {
    const runId = dep.runId;
    if (runId === undefined) return Promise.resolve(false);
    const key = JSON.stringify([runId, assetKey, partitionKeys]);
    let p = memo.get(key);
    if (p === undefined) {
      p = (async () => {
        if (partitionKeys.length === 0) {
          const [record] = await storage.getAssetRecords([assetKey]);
          return record?.lastMaterialization?.runId === runId;
        }
        const rows = await storage.getAssetPartitions(assetKey, { partitions: partitionKeys });
        return rows.length === new Set(partitionKeys).size && rows.every((r) => r.lastMaterializationRunId === runId);
      })();
      memo.set(key, p);
    }
    return p;
  };
}

async function lostWorker(storage: Storage, run: RunRecord): Promise<boolean> {
  const events = await storage.getEvents(run.runId, { types: ["RUN_FAILURE"] });
  return events.some((e) => e.data?.[LOST_WORKER] === true);
}
