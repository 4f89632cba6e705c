import type { RunRecord } from "@strata/core";
import type { Storage } from "@strata/storage";

/** A worker heartbeats this often; a run silent for {@link STALE_AFTER_MS} is considered dead. */
export const HEARTBEAT_MS = 2_000;
export const STALE_AFTER_MS = 60_000;

/**
 * Tag the daemon's run queue puts on a run it dequeues (QUEUED → STARTING). Until its worker
 * reports in (STARTED, with a pid) such a run is in the daemon's custody: the daemon relaunches
 * it after a restart, so other processes must not fail it as lost in the meantime.
 */
export const DAEMON_LAUNCH_TAG = "strata/launched_by";

export interface ReapOptions {
  host: string;
  now?: number;
  isAlive?: (pid: number) => boolean;
  /**
   * Also reap STARTING runs dequeued by the daemon that have no worker yet (only the daemon's
   * own monitor decides about those; default false).
   */
  includeDaemonStarting?: boolean;
}

/**
 * Marks FAILURE every in-progress run whose worker is gone: on this host, its pid no longer
 * exists; anywhere, its heartbeat is older than {@link STALE_AFTER_MS}. Returns the reaped runs.
 */
export async function reapDeadRuns(storage: Storage, options: ReapOptions): Promise<RunRecord[]> {
  const now = options.now ?? Date.now();
  const alive = options.isAlive ?? pidAlive;
  const runs = await storage.listRuns({ statuses: ["STARTING", "STARTED", "CANCELING"] });
  const reaped: RunRecord[] = [];
  for (const run of runs) {
    const noWorker = run.status === "STARTING" && run.workerPid === undefined;
    if (noWorker && run.tags[DAEMON_LAUNCH_TAG] === "daemon" && !options.includeDaemonStarting) continue;
    // A run that waited in the queue became STARTING when it was dequeued (updatedAt), not when created.
    const last = run.heartbeatAt ?? run.startedAt ?? (noWorker ? Math.max(run.updatedAt, run.createdAt) : run.createdAt);
    const sameHost = run.workerHost === options.host && run.workerPid !== undefined;
    const dead = sameHost ? !alive(run.workerPid!) : now - last > STALE_AFTER_MS;
    if (!dead) continue;
    const why = sameHost
      ? `its worker process (pid ${run.workerPid}) is no longer running`
      : `its worker has not sent a heartbeat for ${Math.round((now - last) / 1000)} s`;
    const status = run.status === "CANCELING" ? "CANCELED" : "FAILURE";
    const ok = await storage.transitionRun(run.runId, status, {
      fromStatuses: [run.status],
      fields: { endedAt: now },
      event: {
        runId: run.runId,
        type: status === "CANCELED" ? "RUN_CANCELED" : "RUN_FAILURE",
        timestamp: now,
        level: "error",
        message: `Run marked ${status} because ${why}.`,
        // Marks the run as lost (not failed by its own code): backfills relaunch such runs.
        data: { reason: why, lostWorker: true },
      },
    });
    if (ok) {
      await storage.freeRunPoolSlots(run.runId);
      reaped.push(run);
    }
  }
  return reaped;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
