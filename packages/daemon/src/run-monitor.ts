import { hostname } from "node:os";
import { isFinished, type RunRecord } from "@strata/core";
import { DAEMON_LAUNCH_TAG, reapDeadRuns, reexecutionRequest } from "@strata/engine";
import { z } from "zod";
import type { PlannedRun } from "./build-run.ts";
import { buildQueuedRun } from "./build-run.ts";
import { graphOf, type DaemonContext } from "./context.ts";
import { KV, TAGS } from "./keys.ts";

/** A worker gets this long to report STARTED after its launch before it counts as lost. */
export const WORKER_START_GRACE_MS = 120_000;

/** Definitions-level / instance retry defaults (key-value `daemon/retry_settings`). */
export interface RetrySettings {
  /** Retries for runs without a `strata/max_retries` tag (default 0: no retries). */
  maxRetries: number;
  /** "FROM_FAILURE" (default) or "ALL_STEPS"; a run's `strata/retry_strategy` tag wins. */
  strategy: "FROM_FAILURE" | "ALL_STEPS";
}

const retrySchema = z.object({ maxRetries: z.number().int().min(0).optional(), strategy: z.enum(["FROM_FAILURE", "ALL_STEPS"]).optional() });

export async function readRetrySettings(ctx: DaemonContext, fallback: Partial<RetrySettings> = {}): Promise<RetrySettings> {
  const raw = await ctx.storage.getValue(KV.retrySettings);
  const s = raw === undefined ? {} : retrySchema.parse(JSON.parse(raw));
  return { maxRetries: s.maxRetries ?? fallback.maxRetries ?? 0, strategy: s.strategy ?? fallback.strategy ?? "FROM_FAILURE" };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * One pass of the run monitor: (1) runs dequeued by the daemon whose worker never reported in —
 * the daemon crashed between dequeue and launch, or the worker died while loading — are
 * relaunched once, then failed; (2) runs whose worker died are failed (heartbeats/pids);
 * (3) failed runs with retries left get a retry run (QUEUED, run key `retry:<runId>`, so a
 * crash never retries twice).
 */
export async function monitorTick(ctx: DaemonContext, launchedHere: ReadonlySet<string>, retryFallback: Partial<RetrySettings> = {}): Promise<void> {
  const { storage } = ctx;
  const host = hostname();
  const now = Date.now();
  const starting = await storage.listRuns({ statuses: ["STARTING"] });
  for (const run of starting) {
    if (run.workerPid !== undefined || run.tags[DAEMON_LAUNCH_TAG] !== "daemon") continue;
    const pid = Number(run.tags[TAGS.launchPid]);
    const sameHost = run.tags[TAGS.launchHost] === host;
    if (Number.isFinite(pid) && pid > 0 && sameHost && pidAlive(pid) && now - run.updatedAt < WORKER_START_GRACE_MS) continue;
    if (launchedHere.has(run.runId) && Number.isNaN(pid)) continue; // being launched by this process right now
    if (run.tags[TAGS.relaunched] === undefined) {
      await storage.addRunTags(run.runId, { [TAGS.relaunched]: String(now) });
      ctx.log(`relaunching run ${run.runId} (dequeued, but no worker reported in)`);
      await ctx.launcher.launch(run);
    }
  }
  await reapDeadRuns(storage, { host, includeDaemonStarting: false });
  // Relaunched once and still without a worker after the grace period: give up on it.
  for (const run of starting) {
    const relaunchedAt = Number(run.tags[TAGS.relaunched]);
    if (run.workerPid !== undefined || !Number.isFinite(relaunchedAt) || now - relaunchedAt < WORKER_START_GRACE_MS) continue;
    const pid = Number(run.tags[TAGS.launchPid]);
    if (Number.isFinite(pid) && run.tags[TAGS.launchHost] === host && pidAlive(pid)) continue;
    await storage.transitionRun(run.runId, "FAILURE", {
      fromStatuses: ["STARTING"],
      fields: { endedAt: now },
      event: { runId: run.runId, type: "RUN_FAILURE", timestamp: now, level: "error", message: "Run marked FAILURE: its worker never started (launched twice)", data: { lostWorker: true } },
    });
  }
  await retryFailedRuns(ctx, await readRetrySettings(ctx, retryFallback));
}

async function retryFailedRuns(ctx: DaemonContext, settings: RetrySettings): Promise<void> {
  const { storage } = ctx;
  const failed = await storage.listRuns({ statuses: ["FAILURE"], limit: 200 });
  const candidates = failed.filter((r) => {
    const max = Number(r.tags[TAGS.maxRetries] ?? settings.maxRetries);
    const attempt = Number(r.tags[TAGS.retryNumber] ?? 0);
    return Number.isFinite(max) && attempt < max;
  });
  if (candidates.length === 0) return;
  const done = new Set((await storage.getRunKeys("retry", candidates.map((r) => `retry:${r.runId}`))).map((k) => k.runKey));
  const graph = graphOf(ctx);
  for (const parent of candidates) {
    const runKey = `retry:${parent.runId}`;
    if (done.has(runKey) || !isFinished(parent.status)) continue;
    const strategy = parent.tags[TAGS.retryStrategy] === "ALL_STEPS" ? "ALL_STEPS" : settings.strategy;
    const attempt = Number(parent.tags[TAGS.retryNumber] ?? 0) + 1;
    let planned: PlannedRun;
    try {
      const req =
        strategy === "FROM_FAILURE"
          ? await reexecutionRequest(storage, graph, parent)
          : { assetKeys: parent.assetKeys.filter((k) => graph.has(k)), ...(parent.partitionKey !== undefined ? { partitionKey: parent.partitionKey } : {}) };
      planned = {
        runKey,
        ...(req.assetKeys ? { assetKeys: req.assetKeys } : {}),
        ...(req.partitionKey !== undefined ? { partitionKey: req.partitionKey } : {}),
        ...("partitionRange" in req && req.partitionRange ? { partitionRange: req.partitionRange } : {}),
        tags: { ...strip(parent.tags), [TAGS.retryNumber]: String(attempt), "strata/parent_run_id": parent.runId, ...(parent.tags[TAGS.maxRetries] ? {} : { [TAGS.maxRetries]: String(settings.maxRetries) }) },
      };
      const run: RunRecord = { ...(await buildQueuedRun(storage, graph, planned)), parentRunId: parent.runId, rootRunId: parent.rootRunId ?? parent.runId };
      if (await storage.createRunWithKey(run, "retry", runKey)) ctx.log(`retry ${attempt} of run ${parent.runId}: run ${run.runId} queued (${strategy})`);
    } catch (err) {
      ctx.log(`could not retry run ${parent.runId}: ${(err as Error).message}`);
    }
  }
}

/** Tags that describe one attempt, not the run's intent. */
function strip(tags: Record<string, string>): Record<string, string> {
  const out = { ...tags };
  for (const k of [DAEMON_LAUNCH_TAG, TAGS.launchPid, TAGS.launchHost, TAGS.relaunched, TAGS.runKey]) delete out[k];
  return out;
}
