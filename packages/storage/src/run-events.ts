import type { EventType, RunStatus, StrataEvent } from "@strata/core";

const RUN_EVENT_TYPES: Partial<Record<RunStatus, EventType>> = {
  QUEUED: "RUN_ENQUEUED",
  STARTING: "RUN_STARTING",
  STARTED: "RUN_START",
  SUCCESS: "RUN_SUCCESS",
  FAILURE: "RUN_FAILURE",
  CANCELING: "RUN_CANCELING",
  CANCELED: "RUN_CANCELED",
};

const MESSAGES: Record<RunStatus, string> = {
  QUEUED: "Run queued",
  NOT_STARTED: "Run not started",
  STARTING: "Run starting",
  STARTED: "Run started",
  SUCCESS: "Run succeeded",
  FAILURE: "Run failed",
  CANCELING: "Run canceling",
  CANCELED: "Run canceled",
};

/** The RUN_* event type recorded when a run enters `status` (none for NOT_STARTED). */
export function runEventType(status: RunStatus): EventType | undefined {
  return RUN_EVENT_TYPES[status];
}

/**
 * The event `transitionRun` appends when the caller supplies none.
 *
 * @example
 * runStatusEvent("abc", "STARTED", Date.now()) // { type: "RUN_START", message: "Run started", ... }
 */
export function runStatusEvent(runId: string, status: RunStatus, timestamp: number): StrataEvent | undefined {
  const type = runEventType(status);
  if (!type) return undefined;
  return {
    runId,
    type,
    timestamp,
    level: status === "FAILURE" ? "error" : "info",
    message: MESSAGES[status],
    data: { status },
  };
}
