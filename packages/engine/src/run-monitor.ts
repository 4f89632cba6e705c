import type { RunRecord } from "@strata/core";
import type { Storage } from "@strata/storage";

/** A worker heartbeats this often; a run silent for {@link STALE_AFTER_MS} is considered dead. */
export const HEARTBEAT_MS = 2_000;
export const STALE_AFTER_MS = 60_000;

export interface ReapOptions {
  host: string;
  now?: number;
  isAlive?: (pid: number) => boolean;
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
    const last = run.heartbeatAt ?? run.startedAt ?? run.createdAt;
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
