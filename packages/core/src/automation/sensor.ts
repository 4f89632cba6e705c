import { captureCodeRef, formatCodeRef, type CodeRef } from "../code-ref.ts";
import type { Logger } from "../context.ts";
import { StrataError } from "../errors.ts";
import type { RunRecord, RunsFilter } from "../run.ts";
import { checkInstigatorName, checkStatus, type InstigatorStatus } from "./schedule.ts";
import type { AutomationMaterializationFact } from "./storage-view.ts";
import { toAssetTarget, type AssetTarget, type AssetTargetInput } from "./target.ts";
import { validateSensorResult, type SensorResult, type SensorReturn } from "./sensor-result.ts";

/** A materialisation as sensors see it. */
export interface SensorMaterialization extends AutomationMaterializationFact {
  assetKey: string;
  runId: string;
  partition?: string;
}

/**
 * The read-only instance API a sensor gets (provided by the daemon; every call is a storage
 * query, so sensors should ask narrow questions).
 */
export interface SensorInstance {
  /** Newest first; `afterEventId` for tailing. */
  getMaterializations(assetKey: string, options?: { afterEventId?: number; partition?: string; limit?: number }): Promise<SensorMaterialization[]>;
  getRuns(filter?: RunsFilter): Promise<RunRecord[]>;
  getDynamicPartitions(name: string): Promise<string[]>;
}

/** What a sensor function receives. */
export interface SensorContext {
  sensorName: string;
  /** The cursor the previous tick stored (undefined on the first tick or after a reset). */
  cursor: string | undefined;
  /** When the previous tick ran. */
  lastTickAt: number | undefined;
  /** Evaluation time. */
  now: number;
  log: Logger;
  instance: SensorInstance;
}

export type SensorFn = (ctx: SensorContext) => SensorReturn | Promise<SensorReturn>;
export type AssetSensorFn = (ctx: SensorContext, materializations: SensorMaterialization[]) => SensorReturn | Promise<SensorReturn>;
export type RunStatusSensorFn = (ctx: SensorContext, run: RunRecord) => SensorReturn | Promise<SensorReturn>;

export type SensorType = "standard" | "asset" | "run_status";

export interface SensorOptions {
  /** Unique among schedules and sensors. */
  name: string;
  /** Seconds between evaluations (default 30). */
  intervalSeconds?: number;
  /** What run requests without their own selection/assetKeys materialise. */
  target?: AssetTargetInput;
  defaultStatus?: InstigatorStatus;
  /** The daemon abandons an evaluation after this long (default 300 s) and records a failed tick. */
  timeoutSeconds?: number;
  description?: string;
}

export interface SensorDefinition {
  readonly kind: "sensor";
  readonly type: SensorType;
  readonly name: string;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly target: AssetTarget | undefined;
  readonly defaultStatus: InstigatorStatus;
  readonly description: string | undefined;
  readonly codeRef: CodeRef | undefined;
  /** Asset sensors: the watched assets' selection. */
  readonly watched?: AssetTarget;
  /** Run-status sensors. */
  readonly runStatus?: "SUCCESS" | "FAILURE";
  readonly monitored?: AssetTarget;
  /** Evaluates the sensor (user code; the code location calls it, never the daemon). */
  readonly fn: SensorFn | AssetSensorFn | RunStatusSensorFn;
}

/** A sensor in the definitions snapshot. */
export interface SensorSnapshot {
  name: string;
  type: SensorType;
  intervalSeconds: number;
  timeoutSeconds: number;
  target?: AssetTarget;
  /** The target's keys, resolved at load. */
  targetAssetKeys?: string[];
  defaultStatus: InstigatorStatus;
  description?: string;
  codeRef?: CodeRef;
  /** Asset sensors: watched keys (resolved at load). */
  watchedAssetKeys?: string[];
  /** Run-status sensors: the status reacted to, and the monitored keys (absent: every run). */
  runStatus?: "SUCCESS" | "FAILURE";
  monitored?: AssetTarget;
  monitoredAssetKeys?: string[];
}

export const DEFAULT_SENSOR_INTERVAL_SECONDS = 30;
export const DEFAULT_SENSOR_TIMEOUT_SECONDS = 300;

function positive(v: unknown, dflt: number, what: string, where?: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) throw new StrataError("DEFS_INVALID", `${what} must be a positive number of seconds (got ${JSON.stringify(v)})`, { where });
  return v;
}

function make(type: SensorType, options: SensorOptions, fn: unknown, extra: Partial<SensorDefinition>, codeRef: CodeRef | undefined): SensorDefinition {
  const where = formatCodeRef(codeRef);
  const name = checkInstigatorName(options?.name, "Sensor", where);
  const what = `Sensor "${name}"`;
  if (typeof fn !== "function") throw new StrataError("DEFS_INVALID", `${what} needs a function`, { where, hint: "sensor({ name, ... }, async (ctx) => ({ runRequests: [...] }))" });
  const def: SensorDefinition = {
    kind: "sensor",
    type,
    name,
    intervalSeconds: positive(options.intervalSeconds, DEFAULT_SENSOR_INTERVAL_SECONDS, `${what} intervalSeconds`, where),
    timeoutSeconds: positive(options.timeoutSeconds, DEFAULT_SENSOR_TIMEOUT_SECONDS, `${what} timeoutSeconds`, where),
    target: options.target === undefined ? undefined : toAssetTarget(options.target, `${what} target`, where),
    defaultStatus: checkStatus(options.defaultStatus, what, where),
    description: options.description,
    codeRef,
    ...extra,
    fn: fn as SensorFn,
  };
  return Object.freeze(def);
}

/**
 * A function evaluated every `intervalSeconds` with a persisted string cursor. It returns run
 * requests (a `runKey` already used by this sensor never launches again, even after a cursor
 * reset), a skip reason, a new cursor and dynamic-partition changes.
 *
 * @example
 * sensor({ name: "new_files", intervalSeconds: 60, target: [rawFiles] }, async (ctx) => {
 *   const files = await listFiles(ctx.cursor);
 *   if (files.length === 0) return { skipReason: "no new files" };
 *   return {
 *     runRequests: files.map((f) => ({ runKey: f.name, partitionKey: f.name })),
 *     dynamicPartitions: [{ name: "files", add: files.map((f) => f.name) }],
 *     cursor: files.at(-1)!.name,
 *   };
 * });
 */
export function sensor(options: SensorOptions, fn: SensorFn): SensorDefinition {
  return make("standard", options, fn, {}, captureCodeRef());
}

/**
 * Fires on new materialisations of the watched assets. The daemon keeps the cursor (the last
 * event id seen per asset) and calls `fn` only when there are new materialisations.
 *
 * @example
 * assetSensor({ name: "orders_updated", assets: [orders], target: "mart/*" }, (ctx, mats) => ({
 *   runRequests: [{ runKey: String(mats.at(-1)!.eventId) }],
 * }));
 */
export function assetSensor(options: SensorOptions & { assets: AssetTargetInput }, fn: AssetSensorFn): SensorDefinition {
  const codeRef = captureCodeRef();
  const watched = toAssetTarget(options?.assets, `Asset sensor "${String(options?.name)}" assets`, formatCodeRef(codeRef));
  return make("asset", options, fn, { watched }, codeRef);
}

/**
 * Reacts to runs reaching SUCCESS or FAILURE (e.g. alerts), optionally only runs that touch
 * `monitored` assets. The daemon keeps the cursor (the last run-status event id).
 *
 * @example
 * runStatusSensor({ name: "alert_on_failure", status: "FAILURE", defaultStatus: "RUNNING" }, async (ctx, run) => {
 *   await notify(`run ${run.runId} failed`);
 * });
 */
export function runStatusSensor(options: SensorOptions & { status: "SUCCESS" | "FAILURE"; monitored?: AssetTargetInput }, fn: RunStatusSensorFn): SensorDefinition {
  const codeRef = captureCodeRef();
  const where = formatCodeRef(codeRef);
  const status = options?.status;
  if (status !== "SUCCESS" && status !== "FAILURE") {
    throw new StrataError("DEFS_INVALID", `Run-status sensor "${String(options?.name)}" status must be "SUCCESS" or "FAILURE" (got ${JSON.stringify(status)})`, { where });
  }
  const monitored = options.monitored === undefined ? undefined : toAssetTarget(options.monitored, `Run-status sensor "${options.name}" monitored`, where);
  return make("run_status", options, fn, { runStatus: status, ...(monitored ? { monitored } : {}) }, codeRef);
}

export function isSensorDefinition(v: unknown): v is SensorDefinition {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "sensor";
}

/** The snapshot form; keys resolved against the graph at load. */
export function sensorSnapshot(def: SensorDefinition, resolved: { target?: string[]; watched?: string[]; monitored?: string[] }): SensorSnapshot {
  const copy = (t: AssetTarget) => ({ selection: t.selection, ...(t.keys ? { keys: [...t.keys] } : {}) });
  return {
    name: def.name,
    type: def.type,
    intervalSeconds: def.intervalSeconds,
    timeoutSeconds: def.timeoutSeconds,
    ...(def.target ? { target: copy(def.target), targetAssetKeys: resolved.target ?? [] } : {}),
    defaultStatus: def.defaultStatus,
    ...(def.description === undefined ? {} : { description: def.description }),
    ...(def.codeRef ? { codeRef: def.codeRef } : {}),
    ...(def.watched ? { watchedAssetKeys: resolved.watched ?? [] } : {}),
    ...(def.runStatus ? { runStatus: def.runStatus } : {}),
    ...(def.monitored ? { monitored: copy(def.monitored), monitoredAssetKeys: resolved.monitored ?? [] } : {}),
  };
}

/**
 * Runs a sensor's function once and validates what it returned (the code location calls this).
 * Asset and run-status sensors get their event argument; a thrown error or garbage becomes a
 * StrataError USER_CODE naming the sensor.
 *
 * @example
 * const result = await runSensorFunction(def, ctx); // { runRequests: [...], cursor: "..." }
 */
export async function runSensorFunction(def: SensorDefinition, ctx: SensorContext, arg?: SensorMaterialization[] | RunRecord): Promise<SensorResult> {
  let raw: unknown;
  try {
    raw = def.type === "standard" ? await (def.fn as SensorFn)(ctx) : await (def.fn as (c: SensorContext, a: unknown) => unknown)(ctx, arg);
  } catch (err) {
    throw new StrataError("USER_CODE", `Sensor "${def.name}" threw: ${err instanceof Error ? err.message : String(err)}`, {
      where: formatCodeRef(def.codeRef),
      cause: err,
    });
  }
  return validateSensorResult(raw, { name: def.name, hasTarget: def.target !== undefined, managesCursor: def.type !== "standard", where: formatCodeRef(def.codeRef) });
}

/** Whether a run-status sensor reacts to `run`: the status matches and the run touches a monitored asset (if any). */
export function runStatusSensorMatches(s: Pick<SensorSnapshot, "runStatus" | "monitoredAssetKeys">, run: Pick<RunRecord, "status" | "assetKeys">): boolean {
  if (s.runStatus === undefined || run.status !== s.runStatus) return false;
  if (s.monitoredAssetKeys === undefined) return true;
  const m = new Set(s.monitoredAssetKeys);
  return run.assetKeys.some((k) => m.has(k));
}

/** Reads an asset sensor cursor: asset key → last event id seen. */
export function parseAssetSensorCursor(cursor: string | undefined): Record<string, number> {
  if (cursor === undefined || cursor === "") return {};
  try {
    const v = JSON.parse(cursor) as unknown;
    if (typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "number")) return v as Record<string, number>;
  } catch {
    // fall through
  }
  throw new StrataError("USER_CODE", `Invalid asset sensor cursor ${JSON.stringify(cursor.slice(0, 80))}`, { hint: "Reset the sensor's cursor." });
}

/**
 * The asset sensor cursor after handling `materializations` (the highest event id per asset).
 *
 * @example
 * advanceAssetSensorCursor(undefined, [{ assetKey: "a", eventId: 7, ... }]); // '{"a":7}'
 */
export function advanceAssetSensorCursor(cursor: string | undefined, materializations: readonly Pick<SensorMaterialization, "assetKey" | "eventId">[]): string {
  const c = parseAssetSensorCursor(cursor);
  for (const m of materializations) if (m.eventId > (c[m.assetKey] ?? -1)) c[m.assetKey] = m.eventId;
  const sorted = Object.fromEntries(Object.entries(c).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return JSON.stringify(sorted);
}
