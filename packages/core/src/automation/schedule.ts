import { captureCodeRef, formatCodeRef, type CodeRef } from "../code-ref.ts";
import { StrataError } from "../errors.ts";
import type { AssetGraph } from "../graph.ts";
import { keySpace } from "../partitions/key-space.ts";
import { partitionsEqual } from "../partitions/snapshot.ts";
import type { PartitionContext } from "../partitions/types.ts";
import { nextTick, scanCronTicks, validateCronSchedule } from "./cron-ticks.ts";
import { toAssetTarget, type AssetTarget, type AssetTargetInput } from "./target.ts";

/** Whether a schedule or sensor runs when first deployed (users start/stop it later). */
export type InstigatorStatus = "RUNNING" | "STOPPED";

/** What happens to ticks missed while the daemon was down: only the latest (default), all, or the latest `max`. */
export type CatchUpPolicy = "latest" | "all" | { max: number };
export type CatchUpSnapshot = { kind: "latest" } | { kind: "all" } | { kind: "max"; max: number };

/** The tick a schedule's partition function receives. */
export interface ScheduleTickContext {
  /** The tick's scheduled time (not when it was evaluated). */
  scheduledAt: Date;
  scheduleName: string;
}

/** Computes the partition key(s) of a schedule tick (user code, evaluated in the code location). */
export type SchedulePartitionFn = (tick: ScheduleTickContext) => string | string[] | Promise<string | string[]>;

export interface ScheduleOptions {
  /** Unique among schedules and sensors (letters, digits, _ . -). */
  name: string;
  /** Five-field cron or a macro (@daily...). */
  cron: string;
  /** IANA time zone the cron is read in (default UTC). */
  timezone?: string;
  /** A selection string or a list of assets/keys. */
  target: AssetTargetInput;
  /**
   * Partition of each run: "latest" = the target's last complete partition as of the tick, or a
   * function of the tick returning one key or several (one run each); it runs in the code
   * location, never in the daemon, and a tick whose function throws is a FAILURE tick.
   */
  partitions?: "latest" | SchedulePartitionFn;
  /** JSON run config passed to every run. */
  runConfig?: Record<string, unknown>;
  tags?: Record<string, string>;
  defaultStatus?: InstigatorStatus;
  catchUp?: CatchUpPolicy;
  description?: string;
}

/** The value `schedule()` returns (frozen). */
export interface ScheduleDefinition {
  readonly kind: "schedule";
  readonly name: string;
  readonly cron: string;
  readonly timezone: string;
  readonly target: AssetTarget;
  readonly partitions: "latest" | SchedulePartitionFn | undefined;
  readonly runConfig: Readonly<Record<string, unknown>> | undefined;
  readonly tags: Readonly<Record<string, string>>;
  readonly defaultStatus: InstigatorStatus;
  readonly catchUp: CatchUpSnapshot;
  readonly description: string | undefined;
  readonly codeRef: CodeRef | undefined;
}

/** A schedule in the definitions snapshot. */
export interface ScheduleSnapshot {
  name: string;
  cron: string;
  timezone: string;
  target: AssetTarget;
  /** The target's keys, resolved when the definitions were loaded. */
  assetKeys: string[];
  /** "function": the code location computes each tick's key (`ScheduleDefinition.partitions`). */
  partitions?: "latest" | "function";
  runConfig?: Record<string, unknown>;
  tags: Record<string, string>;
  defaultStatus: InstigatorStatus;
  catchUp: CatchUpSnapshot;
  description?: string;
  codeRef?: CodeRef;
}

export const NAME = /^[A-Za-z0-9_.-]+$/;

/** Validates an instigator (schedule/sensor) name. */
export function checkInstigatorName(name: unknown, what: string, where?: string): string {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new StrataError("DEFS_INVALID", `${what} name ${JSON.stringify(name)} is invalid`, { where, hint: "Use letters, digits, _ . - (e.g. \"daily_refresh\")." });
  }
  return name;
}

export function checkStatus(v: unknown, what: string, where?: string): InstigatorStatus {
  if (v === undefined) return "STOPPED";
  if (v !== "RUNNING" && v !== "STOPPED") throw new StrataError("DEFS_INVALID", `${what} defaultStatus must be "RUNNING" or "STOPPED" (got ${JSON.stringify(v)})`, { where });
  return v;
}

export function checkTags(tags: unknown, what: string, where?: string): Record<string, string> {
  if (tags === undefined) return {};
  if (typeof tags !== "object" || tags === null || Array.isArray(tags) || Object.values(tags).some((v) => typeof v !== "string")) {
    throw new StrataError("DEFS_INVALID", `${what} tags must be an object of strings`, { where });
  }
  return { ...(tags as Record<string, string>) };
}

export function checkJson(v: unknown, what: string, where?: string): Record<string, unknown> | undefined {
  if (v === undefined) return undefined;
  let copy: unknown;
  try {
    copy = JSON.parse(JSON.stringify(v));
  } catch {
    copy = undefined;
  }
  if (typeof copy !== "object" || copy === null || Array.isArray(copy)) throw new StrataError("DEFS_INVALID", `${what} must be a JSON object`, { where });
  return copy as Record<string, unknown>;
}

function catchUpOf(v: unknown, where?: string): CatchUpSnapshot {
  if (v === undefined || v === "latest") return { kind: "latest" };
  if (v === "all") return { kind: "all" };
  const max = (v as { max?: unknown } | null)?.max;
  if (typeof v === "object" && v !== null && typeof max === "number" && Number.isInteger(max) && max >= 1) return { kind: "max", max };
  throw new StrataError("DEFS_INVALID", `Invalid catchUp ${JSON.stringify(v)}`, { where, hint: 'Use "latest" (default), "all" or { max: n } with n ≥ 1.' });
}

function deepFreeze<T>(v: T): T {
  if (typeof v === "object" && v !== null && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/**
 * A cron schedule that launches a run of `target` on every tick. Each tick is identified by its
 * scheduled time, so it launches at most once; ticks missed during downtime follow `catchUp`.
 *
 * @example
 * export const nightly = schedule({ name: "nightly", cron: "0 2 * * *", timezone: "Europe/Berlin", target: "group:marts", defaultStatus: "RUNNING" });
 * schedule({ name: "daily_sales", cron: "0 1 * * *", target: [dailySales], partitions: "latest", catchUp: { max: 3 } });
 */
export function schedule(options: ScheduleOptions): ScheduleDefinition {
  const codeRef = captureCodeRef();
  const where = formatCodeRef(codeRef);
  const name = checkInstigatorName(options?.name, "Schedule", where);
  const what = `Schedule "${name}"`;
  const timezone = options.timezone ?? "UTC";
  const cron = validateCronSchedule(options.cron, timezone, what, where);
  const p = options.partitions;
  if (p !== undefined && p !== "latest" && typeof p !== "function") {
    throw new StrataError("DEFS_INVALID", `${what} partitions must be "latest" or a function of the tick`, { where });
  }
  const def: ScheduleDefinition = {
    kind: "schedule",
    name,
    cron,
    timezone,
    target: toAssetTarget(options.target, what, where),
    partitions: p,
    runConfig: checkJson(options.runConfig, `${what} runConfig`, where),
    tags: checkTags(options.tags, what, where),
    defaultStatus: checkStatus(options.defaultStatus, what, where),
    catchUp: catchUpOf(options.catchUp, where),
    description: options.description,
    codeRef,
  };
  return deepFreeze(def);
}

export function isScheduleDefinition(v: unknown): v is ScheduleDefinition {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "schedule";
}

/** The snapshot form, with the target resolved against the graph (`assetKeys`). */
export function scheduleSnapshot(def: ScheduleDefinition, assetKeys: string[]): ScheduleSnapshot {
  return {
    name: def.name,
    cron: def.cron,
    timezone: def.timezone,
    target: { ...def.target, ...(def.target.keys ? { keys: [...def.target.keys] } : {}) },
    assetKeys,
    ...(def.partitions === undefined ? {} : { partitions: def.partitions === "latest" ? ("latest" as const) : ("function" as const) }),
    ...(def.runConfig === undefined ? {} : { runConfig: JSON.parse(JSON.stringify(def.runConfig)) as Record<string, unknown> }),
    tags: { ...def.tags },
    defaultStatus: def.defaultStatus,
    catchUp: { ...def.catchUp },
    ...(def.description === undefined ? {} : { description: def.description }),
    ...(def.codeRef ? { codeRef: def.codeRef } : {}),
  };
}

/** One tick to launch: identified (and deduplicated) by its scheduled time. */
export interface ScheduleTick {
  scheduledAt: number;
  /** `<schedule>@<ISO time>`: store it with the tick and use it as the run key. */
  tickId: string;
}

export interface ScheduleTickPlan {
  /** Ticks to launch now, oldest first. */
  launch: ScheduleTick[];
  /** Ticks passed over by the catch-up policy. */
  skipped: { count: number; first?: number; last?: number };
  /** Store as the schedule's last tick time once the launches are recorded. */
  cursor: number;
  /** Next tick after `now`, for sleeping. */
  nextTickAt: number;
}

/** "all" launches at most this many ticks per plan; the cursor stops at the last one, so the rest follow. */
export const MAX_TICKS_PER_PLAN = 1_000;

/**
 * Which ticks of a schedule to launch at `now`, given the last tick already handled (or the time
 * the schedule was started, when it has no tick yet): the ticks in `(lastTickTime, now]` filtered
 * by the catch-up policy. `lastTickTime` undefined means "just started": nothing is launched and
 * the cursor is `now`.
 *
 * @example
 * const plan = scheduleTickPlan(snap, state.lastTickTime, Date.now());
 * for (const t of plan.launch) createTickAndRun(t.tickId, t.scheduledAt);
 * state.lastTickTime = plan.cursor;
 */
export function scheduleTickPlan(
  s: { name: string; cron: string; timezone: string; catchUp?: CatchUpSnapshot },
  lastTickTime: number | undefined,
  now: number,
): ScheduleTickPlan {
  const nextTickAt = nextTick(s.cron, s.timezone, now);
  if (lastTickTime === undefined || lastTickTime >= now) return { launch: [], skipped: { count: 0 }, cursor: lastTickTime ?? now, nextTickAt };
  const policy = s.catchUp ?? { kind: "latest" };
  const keep = policy.kind === "latest" ? 1 : policy.kind === "max" ? policy.max : MAX_TICKS_PER_PLAN;
  const tick = (t: number): ScheduleTick => ({ scheduledAt: t, tickId: `${s.name}@${new Date(t).toISOString()}` });
  if (policy.kind === "all") {
    const scan = scanCronTicks(s.cron, s.timezone, lastTickTime, now, 0, MAX_TICKS_PER_PLAN);
    const launch = scan.firstTicks.map(tick);
    const cursor = launch.length > 0 ? launch[launch.length - 1]!.scheduledAt : lastTickTime;
    // More than one plan's worth: the cursor stops at the last launched tick and nextTickAt = now.
    return { launch, skipped: { count: 0 }, cursor, nextTickAt: scan.total > MAX_TICKS_PER_PLAN ? now : nextTickAt };
  }
  const scan = scanCronTicks(s.cron, s.timezone, lastTickTime, now, keep, 0);
  const skippedCount = scan.total - scan.lastTicks.length;
  return {
    launch: scan.lastTicks.map(tick),
    skipped: skippedCount > 0 ? { count: skippedCount, first: scan.first!, last: scan.lastSkipped! } : { count: 0 },
    cursor: scan.lastTicks.length > 0 ? scan.lastTicks[scan.lastTicks.length - 1]! : lastTickTime,
    nextTickAt,
  };
}

/**
 * The partition key of a `partitions: "latest"` schedule's run for a tick: the last partition of
 * the target as of the tick (for daily partitions, the day that just ended). Throws when the
 * target has no common partitions definition or no partition yet.
 *
 * @example
 * latestPartitionForTick(snap, graph, Date.parse("2024-03-10T01:00Z")); // "2024-03-09"
 */
export function latestPartitionForTick(s: ScheduleSnapshot, graph: AssetGraph, scheduledAt: number, ctx: Omit<PartitionContext, "now"> = {}): string {
  const def = commonPartitions(s, graph);
  const space = keySpace(def, { ...ctx, now: scheduledAt });
  if (space.count === 0) {
    throw new StrataError("PARTITION_INVALID", `Schedule "${s.name}": the target has no partition yet at ${new Date(scheduledAt).toISOString()}`);
  }
  return space.keyAt(space.count - 1);
}

/** The partitions definition every target asset shares (required by `partitions: "latest"`). */
export function commonPartitions(s: { name: string; assetKeys: string[] }, graph: AssetGraph, where?: string) {
  const defs = s.assetKeys.map((k) => graph.partitionsOf(k));
  const first = defs[0];
  if (first === undefined || defs.some((d) => !partitionsEqual(d, first))) {
    throw new StrataError("DEFS_INVALID", `Schedule "${s.name}" uses partitions: "latest", but its target assets do not share one partitions definition`, {
      where,
      hint: "Target assets with the same partitions, or give partitions as a function of the tick.",
    });
  }
  return first;
}

/** Most partition keys one tick of a schedule may request. */
export const MAX_SCHEDULE_PARTITIONS = 1000;

/**
 * Calls a schedule's partition function for the tick at `scheduledAt` (in the code location)
 * and validates what it returns: one key or a non-empty list of distinct keys. Throws a
 * USER_CODE StrataError (with the schedule's source location) when it throws or returns garbage.
 *
 * @example
 * await runSchedulePartitionFunction(def, Date.parse("2024-03-10T01:00Z")); // ["2024-03-09"]
 */
export async function runSchedulePartitionFunction(def: ScheduleDefinition, scheduledAt: number): Promise<string[]> {
  const where = formatCodeRef(def.codeRef);
  const fn = def.partitions;
  if (typeof fn !== "function") throw new StrataError("USAGE", `Schedule "${def.name}" does not compute its partitions with a function`, { where });
  let raw: unknown;
  try {
    raw = await fn({ scheduledAt: new Date(scheduledAt), scheduleName: def.name });
  } catch (err) {
    throw new StrataError("USER_CODE", `Schedule "${def.name}" partition function threw: ${err instanceof Error ? err.message : String(err)}`, { where, cause: err });
  }
  const keys = typeof raw === "string" ? [raw] : raw;
  const bad = (why: string) =>
    new StrataError("USER_CODE", `Schedule "${def.name}" partition function returned an invalid result: ${why}`, {
      where,
      hint: "Return a partition key (string) or a non-empty array of keys.",
    });
  if (!Array.isArray(keys)) throw bad(`the value is ${raw === null ? "null" : typeof raw}`);
  if (keys.length === 0) throw bad("an empty array");
  if (keys.length > MAX_SCHEDULE_PARTITIONS) throw bad(`${keys.length} keys (at most ${MAX_SCHEDULE_PARTITIONS})`);
  for (const k of keys) if (typeof k !== "string" || k === "") throw bad(`${JSON.stringify(k) ?? String(k)} is not a partition key`);
  return [...new Set(keys as string[])];
}
