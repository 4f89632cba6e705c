import { filterUsedRunKeys, type SensorSnapshot } from "@strata/core";
import type { PlannedRun } from "./build-run.ts";
import { graphOf, snapshotOf, type DaemonContext } from "./context.ts";
import { crashPoint } from "./crash.ts";
import { CollateralError } from "./location.ts";
import { instigatorStatus, readState, writeState } from "./instigator-state.ts";
import { TAGS } from "./keys.ts";
import { TICKS_KEPT } from "./schedules.ts";
import { completeTick, failedTick, unfinishedTicks } from "./tick-runner.ts";

export const sensorInstigator = (name: string) => `sensor:${name}`;

export interface SensorLoopOptions {
  /** Overrides every sensor's own timeoutSeconds (ms). */
  timeoutMs?: number;
}

/**
 * Drives every running sensor on its own interval. Each evaluation runs in the code location
 * (user code); the daemon then writes the tick (cursor, planned runs with their keys) BEFORE
 * creating the runs, and saves the cursor last. A run key the sensor already used never
 * launches again, even after a cursor reset; a request without a key gets `<tickId>:<i>`, so a
 * resumed tick never duplicates it either.
 */
export class SensorScheduler {
  private readonly nextDue = new Map<string, number>();
  private readonly inFlight = new Set<string>();
  /** Lateness (ms) of each evaluation start vs. its due time (benchmarks read it). */
  readonly lateness: number[] = [];

  constructor(
    private readonly ctx: DaemonContext,
    private readonly options: SensorLoopOptions = {},
  ) {}

  /** Starts the evaluations that are due (without waiting for them). */
  async tick(): Promise<void> {
    const now = Date.now();
    for (const s of snapshotOf(this.ctx).sensors ?? []) {
      if (this.inFlight.has(s.name)) continue;
      let due = this.nextDue.get(s.name);
      if (due === undefined) {
        const st = await readState(this.ctx.storage, s.name);
        due = st.lastTickAt === undefined ? now : st.lastTickAt + s.intervalSeconds * 1000;
        this.nextDue.set(s.name, due);
      }
      if (due > now) continue;
      this.lateness.push(Math.max(0, now - due));
      if (this.lateness.length > 100_000) this.lateness.splice(0, 50_000);
      this.inFlight.add(s.name);
      // The next evaluation is due one interval after this one was due (no drift), never in the past.
      this.nextDue.set(s.name, Math.max(due + s.intervalSeconds * 1000, now));
      void evaluateSensorTick(this.ctx, s, this.options)
        .catch((err: unknown) => this.ctx.log(`sensor ${s.name}: ${(err as Error).message}`))
        .finally(() => this.inFlight.delete(s.name));
    }
  }

  /** Resolves when no evaluation is running. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await new Promise((r) => setTimeout(r, 20));
  }
}

function plannedRuns(s: SensorSnapshot, tickId: string, requests: ReturnType<typeof filterUsedRunKeys>["launch"]): PlannedRun[] {
  return requests.map((r, i) => ({
    runKey: r.runKey ?? `${tickId}:${i}`,
    ...(r.selection !== undefined ? { selection: r.selection } : { assetKeys: r.assetKeys ?? s.targetAssetKeys ?? [] }),
    ...(r.partitionKey !== undefined ? { partitionKey: r.partitionKey } : {}),
    tags: { ...(r.tags ?? {}), [TAGS.sensor]: s.name },
    ...(r.runConfig ? { config: r.runConfig } : {}),
  }));
}

/** One evaluation of one sensor, start to finish (also `strata sensors preview` without writes). */
export async function evaluateSensorTick(ctx: DaemonContext, s: SensorSnapshot, options: SensorLoopOptions = {}): Promise<void> {
  const { storage } = ctx;
  const instigator = sensorInstigator(s.name);
  for (const t of await unfinishedTicks(storage, s.name)) await completeTick(storage, graphOf(ctx), t, instigator, "sensor");
  if ((await instigatorStatus(storage, s.name, s.defaultStatus)) !== "RUNNING") return;
  const state = await readState(storage, s.name);
  // The newest tick is the truth for the cursor (a crash may have stopped before saving it).
  const [latest] = await storage.listTicks({ instigatorName: s.name, limit: 1 });
  if (latest?.cursor !== undefined && latest.createdAt > (state.lastTickAt ?? 0)) state.cursor = latest.cursor;
  const now = ctx.now();
  const tickId = `sensor:${s.name}:${now}:${Math.random().toString(36).slice(2, 8)}`;
  const base = { tickId, instigatorName: s.name, instigatorType: "sensor" as const };
  let result;
  try {
    result = await ctx.location.evaluateSensor(
      { name: s.name, now, ...(state.cursor !== undefined ? { cursor: state.cursor } : {}), ...(state.lastTickAt !== undefined ? { lastTickAt: state.lastTickAt } : {}) },
      options.timeoutMs ?? s.timeoutSeconds * 1000,
    );
  } catch (err) {
    if (err instanceof CollateralError) return; // evaluated again next interval
    await failedTick(storage, base, err);
    await writeState(storage, s.name, { ...state, lastTickAt: now });
    return;
  }
  for (const d of result.dynamicPartitions ?? []) {
    if (d.add?.length) await storage.addDynamicPartitions(d.name, d.add);
    if (d.remove?.length) await storage.deleteDynamicPartitions(d.name, d.remove);
  }
  const keyed = result.runRequests.flatMap((r) => (r.runKey ? [r.runKey] : []));
  const used = new Set((await storage.getRunKeys(instigator, keyed)).map((k) => k.runKey));
  const { launch, skipped } = filterUsedRunKeys(result.runRequests, used);
  const runs = plannedRuns(s, tickId, launch);
  const skipReason =
    result.skipReason ?? (runs.length === 0 && skipped.length > 0 ? `run key(s) already used: ${skipped.slice(0, 5).join(", ")}${skipped.length > 5 ? ", ..." : ""}` : undefined);
  const t = Date.now();
  const record = {
    ...base,
    status: "STARTED" as const,
    runIds: [],
    runKeys: runs.map((r) => r.runKey),
    ...(result.cursor !== undefined ? { cursor: result.cursor } : state.cursor !== undefined ? { cursor: state.cursor } : {}),
    ...(skipReason !== undefined ? { skipReason } : {}),
    data: { runs },
    createdAt: t,
    updatedAt: t,
  };
  await storage.createTick(record);
  crashPoint("sensor:tick_created");
  await completeTick(storage, graphOf(ctx), record, instigator, "sensor");
  await writeState(storage, s.name, { ...state, ...(record.cursor !== undefined ? { cursor: record.cursor } : {}), lastTickAt: now });
  crashPoint("sensor:cursor_saved");
  if (Math.random() < 0.02) await storage.pruneTicks(s.name, TICKS_KEPT);
}
