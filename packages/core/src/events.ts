import type { SerializedError } from "./errors.ts";
import type { LogLevel } from "./context.ts";
import type { MetadataMap } from "./metadata.ts";
import type { CheckSeverity } from "./materialize-result.ts";
import type { RunStatus } from "./run.ts";

/**
 * Events are the truth: every run is a row plus an append-only stream of these. Storage
 * keeps derived indexes (latest materialisation, check status) in the same transaction.
 */
export type EventType =
  | "RUN_ENQUEUED"
  | "RUN_STARTING"
  | "RUN_START"
  | "RUN_SUCCESS"
  | "RUN_FAILURE"
  | "RUN_CANCELING"
  | "RUN_CANCELED"
  | "STEP_START"
  | "STEP_SUCCESS"
  | "STEP_FAILURE"
  | "STEP_SKIPPED"
  | "STEP_UP_FOR_RETRY"
  | "STEP_OUTPUT"
  | "ASSET_MATERIALIZATION_PLANNED"
  | "ASSET_MATERIALIZATION"
  | "ASSET_CHECK_EVALUATION"
  | "ASSET_WIPED"
  /** The daemon's freshness loop saw an asset's freshness state change (data: { from, to, reason }). */
  | "ASSET_FRESHNESS_CHANGED"
  | "LOG"
  | "ENGINE_EVENT";

export interface EventData {
  /** ASSET_MATERIALIZATION / ASSET_CHECK_EVALUATION metadata. */
  metadata?: MetadataMap;
  /** STEP_FAILURE / RUN_FAILURE / STEP_UP_FOR_RETRY. */
  error?: SerializedError;
  /** ASSET_CHECK_EVALUATION. */
  check?: { name: string; passed: boolean; severity: CheckSeverity; blocking: boolean; description?: string };
  /** LOG: structured fields. */
  fields?: Record<string, unknown>;
  /** STEP_SKIPPED: why. */
  reason?: string;
  /** STEP_UP_FOR_RETRY. */
  retry?: { attempt: number; delayMs: number };
  /** STEP_SUCCESS: duration. */
  durationMs?: number;
  /** ASSET_MATERIALIZATION: code version and data version of what was produced. */
  codeVersion?: string;
  dataVersion?: string;
  /** RUN_* transitions. */
  status?: RunStatus;
  [extra: string]: unknown;
}

/** An event as produced (before storage assigns its id). */
export interface StrataEvent {
  runId: string;
  type: EventType;
  /** Milliseconds since the epoch. */
  timestamp: number;
  level: LogLevel;
  message: string;
  stepKey?: string;
  assetKey?: string;
  /** `<asset>:<check>` for check evaluations. */
  checkKey?: string;
  partition?: string;
  data?: EventData;
}

/** An event as stored, with its position in the log. */
export interface EventRecord extends StrataEvent {
  id: number;
}

export function isAssetEvent(e: StrataEvent): boolean {
  return e.type === "ASSET_MATERIALIZATION" || e.type === "ASSET_CHECK_EVALUATION" || e.type === "ASSET_MATERIALIZATION_PLANNED";
}
