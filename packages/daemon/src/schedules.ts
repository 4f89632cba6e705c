import { latestPartitionForTick, scheduleTickPlan, StrataError, type ScheduleSnapshot } from "@strata/core";
import type { PlannedRun } from "./build-run.ts";
import { graphOf, snapshotOf, type DaemonContext } from "./context.ts";
import { crashPoint } from "./crash.ts";
import { instigatorStatus, readState, writeState } from "./instigator-state.ts";
import { TAGS } from "./keys.ts";
import { completeTick, failedTick, unfinishedTicks } from "./tick-runner.ts";

/** Tick history kept per schedule or sensor. */
export const TICKS_KEPT = 1000;

export const scheduleInstigator = (name: string) => `schedule:${name}`;
export const scheduleTickId = (name: string, scheduledAt: number) => `schedule:${name}:${scheduledAt}`;

/**
 * One pass of the schedules loop. Per running schedule: finish ticks a crash left STARTED, then
 * plan the ticks due since the stored cursor (catch-up policy) and for each one write the tick —
 * its id and run key are the scheduled time, so it is planned once — before creating its run,
 * and only then advance the cursor. A crash anywhere loses nothing and duplicates nothing.
 */
export async function schedulesTick(ctx: DaemonContext, options: ScheduleLoopOptions = {}): Promise<void> {
  const errors: string[] = [];
  for (const s of snapshotOf(ctx).schedules ?? []) {
    try {
      await scheduleTick(ctx, s, options);
    } catch (err) {
      errors.push(`${s.name}: ${(err as Error).message}`);
    }
  }
  if (errors.length > 0) throw new StrataError("INTERNAL", `Schedules failed: ${errors.join("; ")}`);
}

/** How long a schedule's partition function may run per tick (default). */
export const SCHEDULE_FUNCTION_TIMEOUT_MS = 60_000;

export interface ScheduleLoopOptions {
  /** Timeout of a partition function (ms), default SCHEDULE_FUNCTION_TIMEOUT_MS. */
  timeoutMs?: number;
}

/**
 * The run(s) of one tick. `partitions: "latest"` is computed here; a partition function is user
 * code, evaluated in the code location — one run per key it returns. The tick id is the run key
 * of a single run (`<tickId>:<key>` when the function returns several keys). Throws a
 * StrataError (a FAILURE tick) when the partition cannot be computed.
 */
export async function plannedScheduleRuns(ctx: DaemonContext, s: ScheduleSnapshot, scheduledAt: number, options: ScheduleLoopOptions = {}): Promise<PlannedRun[]> {
  const tickId = scheduleTickId(s.name, scheduledAt);
  let keys: (string | undefined)[] = [undefined];
  if (s.partitions === "latest") keys = [latestPartitionForTick(s, graphOf(ctx), scheduledAt)];
  else if (s.partitions === "function") keys = await ctx.location.evaluateSchedule({ name: s.name, scheduledAt }, options.timeoutMs ?? SCHEDULE_FUNCTION_TIMEOUT_MS);
  return keys.map((partitionKey) => ({
    runKey: keys.length === 1 ? tickId : `${tickId}:${partitionKey}`,
    assetKeys: s.assetKeys,
    ...(partitionKey !== undefined ? { partitionKey } : {}),
    tags: { ...s.tags, [TAGS.schedule]: s.name, "strata/scheduled_at": new Date(scheduledAt).toISOString() },
    ...(s.runConfig ? { config: s.runConfig } : {}),
  }));
}

async function scheduleTick(ctx: DaemonContext, s: ScheduleSnapshot, options: ScheduleLoopOptions): Promise<void> {
  const { storage } = ctx;
  const instigator = scheduleInstigator(s.name);
  // Intent written before a crash is completed first, even if the schedule was stopped since.
  for (const t of await unfinishedTicks(storage, s.name)) await completeTick(storage, graphOf(ctx), t, instigator, "schedule");
  if ((await instigatorStatus(storage, s.name, s.defaultStatus)) !== "RUNNING") return;
  const now = ctx.now();
  const state = await readState(storage, s.name);
  const plan = scheduleTickPlan(s, state.lastTickTime, now);
  if (state.lastTickTime === undefined) {
    await writeState(storage, s.name, { ...state, lastTickTime: plan.cursor });
    return;
  }
  if (plan.launch.length === 0 && plan.skipped.count === 0) return;
  if (plan.skipped.count > 0) {
    const tickId = `schedule:${s.name}:skipped:${plan.skipped.first}`;
    const t = Date.now();
    await storage.createTick({
      tickId,
      instigatorName: s.name,
      instigatorType: "schedule",
      status: "SKIPPED",
      ...(plan.skipped.last !== undefined ? { scheduledAt: plan.skipped.last } : {}),
      runIds: [],
      runKeys: [],
      skipReason: `${plan.skipped.count} tick(s) from ${new Date(plan.skipped.first!).toISOString()} to ${new Date(plan.skipped.last!).toISOString()} missed while the daemon was down (catch-up: ${s.catchUp.kind})`,
      createdAt: t,
      updatedAt: t,
      endedAt: t,
    });
  }
  for (const tick of plan.launch) {
    const tickId = scheduleTickId(s.name, tick.scheduledAt);
    // Already planned (a crash came before the cursor was saved): its stored intent is the truth,
    // the partition function is not called again.
    if (await storage.getTick(tickId)) continue;
    let runs: PlannedRun[];
    try {
      runs = await plannedScheduleRuns(ctx, s, tick.scheduledAt, options);
    } catch (err) {
      if (!(err instanceof StrataError) || err.code === "STORAGE") throw err;
      await failedTick(storage, { tickId, instigatorName: s.name, instigatorType: "schedule", scheduledAt: tick.scheduledAt }, err);
      continue;
    }
    const t = Date.now();
    const record = {
      tickId,
      instigatorName: s.name,
      instigatorType: "schedule" as const,
      status: "STARTED" as const,
      scheduledAt: tick.scheduledAt,
      runIds: [],
      runKeys: runs.map((r) => r.runKey),
      data: { runs },
      createdAt: t,
      updatedAt: t,
    };
    if (!(await storage.createTick(record))) continue; // planned before (the cursor was not saved): never twice
    crashPoint("schedule:tick_created");
    await completeTick(storage, graphOf(ctx), record, instigator, "schedule");
    crashPoint("schedule:tick_done");
  }
  await writeState(storage, s.name, { ...state, lastTickTime: plan.cursor, lastTickAt: now });
  crashPoint("schedule:cursor_saved");
  if (Math.random() < 0.05) await storage.pruneTicks(s.name, TICKS_KEPT);
}
