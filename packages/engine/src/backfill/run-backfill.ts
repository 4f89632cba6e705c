import { newRunId, planRun, type AssetGraph, type RunRecord, type RunStatus } from "@strata/core";
import type { BackfillChunkRecord, BackfillRecord, BackfillStatus, Storage } from "@strata/storage";
import { reconcileBackfill, type BackfillState } from "./reconcile.ts";

export interface RunLauncher {
  /** Executes a stored run to completion (e.g. on a {@link WorkerPool}). */
  run(runId: string): Promise<RunStatus>;
}

export interface RunBackfillOptions {
  storage: Storage;
  graph: AssetGraph;
  backfillId: string;
  launcher: RunLauncher;
  /** Aborting pauses the backfill: nothing new is launched; runs in flight finish. */
  signal?: AbortSignal;
  onProgress?: (state: BackfillState, backfill: BackfillRecord) => void;
  pollMs?: number;
  /**
   * Asked before each launch: when it resolves true (a daemon's run queue is live), chunk runs
   * are recorded QUEUED and the queue starts them within its limits (max concurrent runs, tag
   * limits), as Dagster's queued run coordinator does for backfill runs; the launcher is not
   * called. Otherwise they are launched here.
   */
  queued?: () => Promise<boolean>;
}

export type BackfillOutcome = BackfillStatus | "PAUSED";

/**
 * Drives a backfill until it ends: launches chunks whose upstream partitions exist, at most
 * `maxConcurrentRuns` at a time. Crash-safe: each launch creates the run and attaches it to
 * its chunk in one transaction (compare-and-set), so a partition is never launched twice;
 * after a restart (`resume`) launched runs are followed, never-started ones started, lost ones
 * relaunched.
 */
export async function runBackfill(opts: RunBackfillOptions): Promise<BackfillOutcome> {
  const { storage, backfillId } = opts;
  await storage.transitionBackfill(backfillId, "IN_PROGRESS", { fromStatuses: ["REQUESTED", "IN_PROGRESS", "FAILED"] });
  const inFlight = new Set<string>();
  const pollMs = opts.pollMs ?? 1000;
  /** When this driver last launched each run: one the launcher could not start is retried once per poll. */
  const launchedAt = new Map<string, number>();
  let wake: () => void = () => {};
  const launch = (runId: string) => {
    inFlight.add(runId);
    launchedAt.set(runId, Date.now());
    opts.launcher.run(runId).then(
      () => undefined,
      () => undefined, // the run's own status (or the run monitor) tells the outcome
    ).finally(() => {
      inFlight.delete(runId);
      wake();
    });
  };

  for (;;) {
    const backfill = (await storage.getBackfill(backfillId))!;
    const state = await reconcileBackfill(storage, backfillId);
    opts.onProgress?.(state, backfill);
    const done = await finishIfDone(storage, backfill, state);
    if (done) return done;
    if (backfill.status === "CANCELING") {
      await requestCancellation(storage, state);
    } else if (opts.signal?.aborted) {
      if (inFlight.size === 0) return "PAUSED";
    } else {
      const active = state.chunks.filter((c) => c.status === "LAUNCHED" && !isEnded(state.runs.get(c.runId!)?.status));
      for (const c of active) {
        // Created but never started (the launcher died between the two): start it now.
        const run = state.runs.get(c.runId!);
        const recent = Date.now() - (launchedAt.get(c.runId!) ?? 0) < pollMs;
        if (run?.status === "NOT_STARTED" && !inFlight.has(run.runId) && !recent) launch(run.runId);
      }
      let capacity = backfill.maxConcurrentRuns - active.length;
      const queued = capacity > 0 && state.ready.length > 0 && (await opts.queued?.()) === true;
      for (const c of state.ready) {
        if (capacity <= 0) break;
        const run = chunkRun(opts.graph, backfill, c, queued ? "QUEUED" : "NOT_STARTED");
        if (await storage.launchBackfillChunk(backfillId, c.chunkId, run, c.runId ?? null)) {
          if (!queued) launch(run.runId);
          capacity--;
        }
      }
    }
    await new Promise<void>((resolve) => {
      // One abort listener per wait, removed when the wait ends (they used to pile up, one per
      // loop, and Node warned about a leak after ten).
      const done = () => {
        clearTimeout(t);
        opts.signal?.removeEventListener("abort", done);
        resolve();
      };
      const t = setTimeout(done, pollMs);
      // Woken by a run's end, but never within the same turn of the event loop: a launcher that
      // settles at once must not turn this loop into a chain of microtasks that starves timers
      // and signals (Ctrl-C).
      wake = () => setImmediate(done);
      if (opts.signal && !opts.signal.aborted) opts.signal.addEventListener("abort", done, { once: true });
    });
  }
}

/** Ends the backfill when nothing is pending or running; returns its final status. */
export async function finishIfDone(storage: Storage, backfill: BackfillRecord, state: BackfillState): Promise<BackfillStatus | undefined> {
  if (["COMPLETED", "CANCELED"].includes(backfill.status)) return backfill.status;
  const running = state.chunks.some((c) => c.status === "LAUNCHED");
  if (backfill.status === "CANCELING" && !running) {
    const pending = state.chunks.filter((c) => c.status === "PENDING").map((c) => ({ chunkId: c.chunkId, status: "CANCELED" as const }));
    if (pending.length) await storage.updateBackfillChunks(backfill.backfillId, pending);
    await storage.transitionBackfill(backfill.backfillId, "CANCELED", { fromStatuses: ["CANCELING"], endedAt: Date.now() });
    return "CANCELED";
  }
  if (state.finalStatus && backfill.status !== "CANCELING") {
    if (backfill.status !== state.finalStatus) {
      await storage.transitionBackfill(backfill.backfillId, state.finalStatus, { fromStatuses: ["IN_PROGRESS", "REQUESTED", "FAILED"], endedAt: Date.now() });
    }
    return state.finalStatus;
  }
  return undefined;
}

/**
 * Cancels a backfill: nothing new launches; queued runs end at once, running ones are asked to
 * stop. The backfill ends CANCELED when its last run has ended.
 */
export async function cancelBackfill(storage: Storage, backfillId: string): Promise<BackfillStatus> {
  await storage.transitionBackfill(backfillId, "CANCELING", { fromStatuses: ["REQUESTED", "IN_PROGRESS", "FAILED"] });
  const state = await reconcileBackfill(storage, backfillId);
  await requestCancellation(storage, state);
  const after = await reconcileBackfill(storage, backfillId);
  const backfill = (await storage.getBackfill(backfillId))!;
  return (await finishIfDone(storage, backfill, after)) ?? backfill.status;
}

async function requestCancellation(storage: Storage, state: BackfillState): Promise<void> {
  const now = Date.now();
  for (const c of state.chunks) {
    if (c.status !== "LAUNCHED") continue;
    const run = state.runs.get(c.runId!);
    if (!run || isEnded(run.status)) continue;
    if (run.status === "NOT_STARTED" || run.status === "QUEUED") {
      await storage.transitionRun(run.runId, "CANCELED", {
        fromStatuses: [run.status],
        fields: { endedAt: now },
        event: { runId: run.runId, type: "RUN_CANCELED", timestamp: now, level: "warn", message: "Backfill canceled before the run started" },
      });
    } else if (run.status !== "CANCELING") {
      await storage.transitionRun(run.runId, "CANCELING", {
        fromStatuses: ["STARTING", "STARTED"],
        event: { runId: run.runId, type: "RUN_CANCELING", timestamp: now, level: "warn", message: "Backfill canceled" },
      });
    }
  }
}

function isEnded(status: RunStatus | undefined): boolean {
  return status === "SUCCESS" || status === "FAILURE" || status === "CANCELED";
}

/** The run record the backfill runner creates for a chunk (tags make its runs findable). */
export function chunkRun(graph: AssetGraph, backfill: BackfillRecord, c: BackfillChunkRecord, status: "NOT_STARTED" | "QUEUED" = "NOT_STARTED"): RunRecord {
  const now = Date.now();
  const plan = planRun(graph, c.assetKeys.filter((k) => graph.has(k)));
  const single = c.partitionKeys.length === 1 ? c.partitionKeys[0] : undefined;
  const range = c.partitionRange ?? (c.partitionKeys.length > 1 ? { start: c.partitionKeys[0]!, end: c.partitionKeys.at(-1)! } : undefined);
  return {
    runId: newRunId(now),
    status,
    selection: `backfill ${backfill.backfillId}`,
    assetKeys: plan.assetKeys,
    checkKeys: plan.checkKeys,
    tags: {
      ...backfill.tags,
      "strata/backfill": backfill.backfillId,
      ...(single !== undefined ? { "strata/partition": single } : {}),
      ...(range ? { "strata/partition_range_start": range.start, "strata/partition_range_end": range.end } : {}),
    },
    // In a workspace each chunk's assets belong to one location (the planner splits them).
    location: (plan.assetKeys.length > 0 ? graph.get(plan.assetKeys[0]!).location : undefined) ?? backfill.location,
    ...(single !== undefined ? { partitionKey: single } : {}),
    createdAt: now,
    updatedAt: now,
    config: range ? { partitionRange: range } : {},
  };
}
