import { StrataError, type AssetGraph } from "@strata/core";
import { upstreamParts } from "@strata/engine";
import type { Storage, TickRecord } from "@strata/storage";
import { buildQueuedRun, splitByLocation, type PlannedRun } from "./build-run.ts";
import { crashPoint } from "./crash.ts";
import { TAGS } from "./keys.ts";

/** The intent a tick stores before any side effect (`TickRecord.data`). */
export interface TickIntent {
  runs: PlannedRun[];
  [extra: string]: unknown;
}

export const intentOf = (t: TickRecord): TickIntent => ({ runs: [], ...(t.data as Partial<TickIntent> | undefined) }) as TickIntent;

/**
 * Completes a tick whose intent is stored: creates (QUEUED) every planned run whose key the
 * instigator has not used yet — each run and its key in one transaction — then marks the tick
 * SUCCESS (or SKIPPED when it planned nothing). Safe to call again after a crash at any point:
 * runs already created are found by their key, never created twice.
 */
export async function completeTick(storage: Storage, graph: AssetGraph, tick: TickRecord, instigator: string, stage: string): Promise<TickRecord> {
  const intent = intentOf(tick);
  const errors: string[] = [];
  // In a workspace, a run spanning code locations is one run per location (deterministic run keys).
  const plannedRuns = intent.runs.flatMap((r) => {
    try {
      return splitByLocation(graph, r);
    } catch (err) {
      if (!(err instanceof StrataError)) throw err;
      errors.push(`${r.runKey}: ${err.message}`);
      return [];
    }
  });
  const used = new Map((await storage.getRunKeys(instigator, plannedRuns.map((r) => r.runKey))).map((k) => [k.runKey, k.runId] as const));
  const runIds: string[] = [];
  // The parts created so far of the run being split across locations.
  let parts: { runId: string; keys: string[] }[] = [];
  for (const planned of plannedRuns) {
    const existing = used.get(planned.runKey);
    const part = planned.tags?.[TAGS.workspacePart];
    if (part === undefined || part.startsWith("1/")) parts = [];
    const keys = planned.assetKeys ?? [];
    // A part waits in the queue for the earlier parts it depends on (independent ones don't).
    const after = (upstreamParts(graph, [...parts, { keys }]).at(-1) ?? []).map((i) => parts[i]!.runId).join(",");
    if (existing !== undefined) {
      runIds.push(existing);
      parts.push({ runId: existing, keys });
      continue;
    }
    try {
      const run = await buildQueuedRun(storage, graph, after ? { ...planned, tags: { ...planned.tags, [TAGS.afterRun]: after } } : planned);
      parts.push({ runId: run.runId, keys });
      if (await storage.createRunWithKey(run, instigator, planned.runKey)) runIds.push(run.runId);
      else runIds.push(...(await storage.getRunKeys(instigator, [planned.runKey])).map((k) => k.runId));
    } catch (err) {
      if (!(err instanceof StrataError) || err.code === "STORAGE") throw err;
      errors.push(`${planned.runKey}: ${err.message}`);
    }
  }
  crashPoint(`${stage}:runs_created`);
  const now = Date.now();
  const status = errors.length > 0 ? "FAILURE" : intent.runs.length === 0 ? "SKIPPED" : "SUCCESS";
  const patch = {
    status,
    runIds,
    endedAt: now,
    ...(errors.length > 0 ? { error: `Could not create ${errors.length} run(s): ${errors.join("; ")}` } : {}),
  } as const;
  await storage.updateTick(tick.tickId, patch);
  return { ...tick, ...patch, updatedAt: now };
}

/** Ticks of `instigatorName` left STARTED by a crash, oldest first. */
export async function unfinishedTicks(storage: Storage, instigatorName: string): Promise<TickRecord[]> {
  return (await storage.listTicks({ instigatorName, statuses: ["STARTED"] })).reverse();
}

/** Records a tick that failed before planning anything (the message says what went wrong). */
export async function failedTick(storage: Storage, t: Omit<TickRecord, "status" | "runIds" | "runKeys" | "createdAt" | "updatedAt" | "error">, err: unknown): Promise<void> {
  const now = Date.now();
  const e = err as StrataError;
  const message = `${e?.message ?? String(err)}${e?.hint ? ` (${e.hint})` : ""}${e?.where ? ` at ${e.where}` : ""}`;
  await storage.createTick({ ...t, status: "FAILURE", runIds: [], runKeys: [], error: message, createdAt: now, updatedAt: now, endedAt: now });
}
