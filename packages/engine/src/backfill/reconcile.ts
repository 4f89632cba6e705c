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
}

/**
 * Brings chunk statuses up to date with their runs' outcomes (SUCCESS/FAILED/CANCELED),
 * skips chunks whose upstream chunk did not succeed, and works out whether the backfill is
 * done. Chunks whose run was lost with its worker go back to PENDING (relaunched on resume).
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
  // Skip what can no longer run (in chunk order: upstream chunks have lower ids).
  const byId = new Map(chunks.map((c) => [c.chunkId, c] as const));
  for (const c of chunks) {
    if (c.status !== "PENDING") continue;
    if (c.dependsOn.some((d) => ["FAILED", "SKIPPED", "CANCELED"].includes(byId.get(d)!.status))) set(c, "SKIPPED");
  }
  if (updates.length > 0) await storage.updateBackfillChunks(backfillId, updates);
  const counts: Record<BackfillChunkStatus, number> = { PENDING: 0, LAUNCHED: 0, SUCCESS: 0, FAILED: 0, SKIPPED: 0, CANCELED: 0 };
  for (const c of chunks) counts[c.status]++;
  const active = counts.PENDING + counts.LAUNCHED;
  const finalStatus: BackfillStatus | undefined =
    active > 0 ? undefined : counts.FAILED + counts.SKIPPED > 0 ? "FAILED" : counts.CANCELED > 0 ? "CANCELED" : "COMPLETED";
  return { chunks, runs, counts, finalStatus };
}

async function lostWorker(storage: Storage, run: RunRecord): Promise<boolean> {
  const events = await storage.getEvents(run.runId, { types: ["RUN_FAILURE"] });
  return events.some((e) => e.data?.[LOST_WORKER] === true);
}
