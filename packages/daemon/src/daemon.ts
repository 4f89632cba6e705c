import type { ProjectConfig } from "@strata/engine";
import type { Storage } from "@strata/storage";
import { AutomationLoop } from "./automation.ts";
import { BackfillDriver } from "./backfills.ts";
import type { DaemonContext } from "./context.ts";
import { FreshnessLoop } from "./freshness.ts";
import { ProcessRunLauncher, type RunLauncher } from "./launcher.ts";
import { ProcessLocation, type DaemonLocation } from "./location.ts";
import { runLoop, type LoopSpec } from "./loop.ts";
import type { QueueSettings } from "./queue-settings.ts";
import { queueTick } from "./run-queue.ts";
import { monitorTick, type RetrySettings } from "./run-monitor.ts";
import { schedulesTick } from "./schedules.ts";
import { SensorScheduler } from "./sensors.ts";

export type LoopName = "schedules" | "sensors" | "automation" | "freshness" | "queue" | "monitor" | "backfills";
export const ALL_LOOPS: readonly LoopName[] = ["schedules", "sensors", "automation", "freshness", "queue", "monitor", "backfills"];

/** Default interval of each loop (ms); `intervals` overrides them. */
export const DEFAULT_INTERVALS: Record<LoopName, number> = {
  schedules: 1_000,
  sensors: 250,
  automation: 30_000,
  freshness: 30_000,
  queue: 500,
  monitor: 5_000,
  backfills: 2_000,
};

export interface RunDaemonOptions {
  project: ProjectConfig;
  instanceDir: string;
  /** The instance's storage (the caller opens and closes it). */
  storage: Storage;
  /** Aborting stops every loop; runDaemon resolves once they have stopped. */
  signal: AbortSignal;
  /** Loops to run (default all). */
  loops?: readonly LoopName[];
  intervals?: Partial<Record<LoopName, number>>;
  /** Queue limits when the instance has none stored (`strata queue config`). */
  queue?: Partial<QueueSettings>;
  retries?: Partial<RetrySettings>;
  /** Overrides every sensor's timeout (ms). */
  sensorTimeoutMs?: number;
  /** Timeout of schedule partition functions (ms), default 60 s. */
  scheduleTimeoutMs?: number;
  /** Starts run workers (default: a detached code-location process per run). */
  launcher?: RunLauncher;
  /** The code location (default: a child process started from `project`). */
  location?: DaemonLocation;
  /** Reload the default code location when a project source file changes (`strata daemon` does). */
  watch?: boolean;
  log?: (message: string) => void;
  /** Called once every loop has started. */
  onReady?: (ctx: DaemonContext) => void;
}

/**
 * The Strata daemon: schedules, sensors, declarative automation, freshness, the run queue, the
 * run monitor and backfills, each an isolated loop on its own interval with a heartbeat in the
 * instance (`strata status`). Every tick writes its intent before its side effects, so the
 * process may be killed at any moment.
 *
 * @example
 * const ac = new AbortController();
 * process.once("SIGINT", () => ac.abort());
 * await runDaemon({ project, instanceDir, storage, signal: ac.signal });
 */
export async function runDaemon(options: RunDaemonOptions): Promise<void> {
  const log = options.log ?? ((m: string) => process.stderr.write(`[daemon] ${m}\n`));
  const { storage, signal } = options;
  const location = options.location ?? (await ProcessLocation.start(options.project, options.instanceDir, (t) => process.stderr.write(t)));
  if (options.watch && location instanceof ProcessLocation) location.watch(log);
  const ctx: DaemonContext = {
    storage,
    instanceDir: options.instanceDir,
    location,
    launcher: options.launcher ?? new ProcessRunLauncher(storage, options.project, options.instanceDir),
    now: () => Date.now(),
    log,
  };
  const launched = new Set<string>();
  const sensors = new SensorScheduler(ctx, options.sensorTimeoutMs !== undefined ? { timeoutMs: options.sensorTimeoutMs } : {});
  const automation = new AutomationLoop(ctx);
  const freshness = new FreshnessLoop(ctx);
  const backfills = new BackfillDriver(ctx, signal);
  const ticks: Record<LoopName, () => Promise<unknown>> = {
    schedules: () => schedulesTick(ctx, options.scheduleTimeoutMs !== undefined ? { timeoutMs: options.scheduleTimeoutMs } : {}),
    sensors: () => sensors.tick(),
    automation: () => automation.tick(),
    freshness: () => freshness.tick(),
    queue: () => queueTick(ctx, options.queue ?? {}, launched),
    monitor: () => monitorTick(ctx, launched, options.retries ?? {}),
    backfills: () => backfills.tick(),
  };
  const names = options.loops ?? ALL_LOOPS;
  const specs: LoopSpec[] = names.map((name) => ({
    name,
    intervalMs: options.intervals?.[name] ?? DEFAULT_INTERVALS[name],
    tick: async () => {
      await ticks[name]();
    },
  }));
  const running = specs.map((spec) => runLoop(storage, spec, signal, log));
  log(`running ${names.join(", ")} (pid ${process.pid})`);
  options.onReady?.(ctx);
  try {
    await Promise.all(running);
    await sensors.idle();
  } finally {
    if (!options.location) location.close();
  }
}
