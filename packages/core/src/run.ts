/**
 * Runs and their statuses, matching Dagster's lifecycle:
 * QUEUED → STARTING → STARTED → SUCCESS | FAILURE, and CANCELING → CANCELED.
 */
export type RunStatus =
  | "QUEUED"
  | "NOT_STARTED"
  | "STARTING"
  | "STARTED"
  | "SUCCESS"
  | "FAILURE"
  | "CANCELING"
  | "CANCELED";

export const FINISHED_STATUSES: ReadonlySet<RunStatus> = new Set(["SUCCESS", "FAILURE", "CANCELED"]);
export const IN_PROGRESS_STATUSES: ReadonlySet<RunStatus> = new Set(["STARTING", "STARTED", "CANCELING"]);

export function isFinished(status: RunStatus): boolean {
  return FINISHED_STATUSES.has(status);
}

export interface RunRecord {
  runId: string;
  status: RunStatus;
  /** The selection string the run was launched with (for display). */
  selection: string;
  /** Asset keys the run materialises. */
  assetKeys: string[];
  /** Check keys the run evaluates. */
  checkKeys: string[];
  tags: Record<string, string>;
  /** Code location that owns the run. */
  location: string;
  /** Set for re-executions. */
  parentRunId?: string;
  rootRunId?: string;
  partitionKey?: string;
  /** Pid/host of the worker executing it, for liveness checks. */
  workerPid?: number;
  workerHost?: string;
  createdAt: number;
  startedAt?: number;
  endedAt?: number;
  updatedAt: number;
  heartbeatAt?: number;
  /** Opaque JSON config for the run (plan options, run config). */
  config: Record<string, unknown>;
}

export interface RunsFilter {
  statuses?: RunStatus[];
  tags?: Record<string, string>;
  runIds?: string[];
  assetKey?: string;
  createdBefore?: number;
  createdAfter?: number;
  limit?: number;
  /** Keyset pagination: runs created before this run. */
  cursor?: string;
}

/** A short unique run id: sortable by time (ms base36) + random. */
export function newRunId(now = Date.now(), random: () => number = Math.random): string {
  const t = now.toString(36).padStart(9, "0");
  let r = "";
  for (let i = 0; i < 8; i++) r += Math.floor(random() * 36).toString(36);
  return `${t}${r}`;
}
