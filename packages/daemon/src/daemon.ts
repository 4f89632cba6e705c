import type { LocationState, ProjectConfig, WorkspaceLocations } from "@strata/engine";
import { StrataError } from "@strata/core";
import type { Storage } from "@strata/storage";
import { AutomationLoop } from "./automation.ts";
import { BackfillDriver } from "./backfills.ts";
import type { DaemonContext } from "./context.ts";
import { FreshnessLoop } from "./freshness.ts";
import { ProcessRunLauncher, type RunLauncher } from "./launcher.ts";
import { ManagedLocation, ProcessLocation, type DaemonLocation } from "./location.ts";
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
  /**
   * The code locations, shared with their owner (`strata dev`: the server's; `strata daemon`:
   * its own, watched or not): sensors and schedule functions are evaluated in the location that
   * defines them, runs start in the location that owns them, and reloads reach the daemon.
   */
  locations?: WorkspaceLocations;
  /** A single project, loaded in a process of the daemon's own (when `locations` is not given). */
  project?: ProjectConfig;
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
  /** The code location (default: over `locations`, else a child process started from `project`). */
  location?: DaemonLocation;
  /** Reload the `project` location when a project source file changes (with `locations`, their owner decides). */
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
  const { locations, project } = options;
  if (!locations && !project) throw new StrataError("USAGE", "runDaemon needs `locations` or `project`");
  const location =
    options.location ??
    (locations ? new ManagedLocation(locations) : await ProcessLocation.start(project!, options.instanceDir, (t) => process.stderr.write(t)));
  if (options.watch && location instanceof ProcessLocation) location.watch(log);
  const unsubscribe = locations?.subscribe(logReloads(locations, log));
  const launcher =
    options.launcher ??
    new ProcessRunLauncher(
      storage,
      locations
        ? (run) => {
            const m = locations.ownerOfRun(run);
            return { project: m.project, ...(m.env ? { env: m.env } : {}) };
          }
        : project!,
      options.instanceDir,
    );
  const ctx: DaemonContext = {
    storage,
    instanceDir: options.instanceDir,
    location,
    launcher,
    now: () => Date.now(),
    log,
  };
  const launched = new Set<string>();
  const sensors = new SensorScheduler(ctx, options.sensorTimeoutMs !== undefined ? { timeoutMs: options.sensorTimeoutMs } : {});
  const automation = new AutomationLoop(ctx);
  const freshness = new FreshnessLoop(ctx);
  const names = options.loops ?? ALL_LOOPS;
  const backfills = new BackfillDriver(ctx, signal, names.includes("queue"));
  const ticks: Record<LoopName, () => Promise<unknown>> = {
    schedules: () => schedulesTick(ctx, options.scheduleTimeoutMs !== undefined ? { timeoutMs: options.scheduleTimeoutMs } : {}),
    sensors: () => sensors.tick(),
    automation: () => automation.tick(),
    freshness: () => freshness.tick(),
    queue: () => queueTick(ctx, options.queue ?? {}, launched),
    monitor: () => monitorTick(ctx, launched, options.retries ?? {}),
    backfills: () => backfills.tick(),
  };
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
    unsubscribe?.();
    if (!options.location) location.close();
  }
}

/** Logs what reaches the daemon when a shared location reloads (new definitions, or a broken edit). */
function logReloads(locations: WorkspaceLocations, log: (message: string) => void): (s: LocationState) => void {
  const seen = new Map<string, string>(locations.states().map((s) => [s.name, `${s.version}:${s.error?.message ?? ""}`]));
  return (s) => {
    const key = `${s.version}:${s.error?.message ?? ""}`;
    if (seen.get(s.name) === key || s.status === "loading" || s.status === "stopped") return;
    seen.set(s.name, key);
    if (s.status === "loaded") {
      log(`code location reloaded: ${s.snapshot?.schedules?.length ?? 0} schedule(s), ${s.snapshot?.sensors?.length ?? 0} sensor(s) (${s.name})`);
    } else if (s.error) {
      log(
        s.snapshot
          ? `code location reload failed, keeping the previous definitions: ${s.error.message} (${s.name})`
          : `code location ${s.name} failed to load: ${s.error.message}`,
      );
    }
  };
}
