import { AssetGraph, DEFAULT_EXECUTOR, StrataError, type DefinitionsSnapshot, type SensorResult } from "@strata/core";
import {
  startLocation,
  watchTree,
  type LocationHandle,
  type LocationManager,
  type ProjectConfig,
  type TreeWatcher,
  type WorkspaceLocations,
} from "@strata/engine";

/**
 * The daemon's code location(s): the definitions snapshot (the daemon never
 * imports user code) and sensor evaluation. A sensor that times out gets the process killed and
 * a fresh one started for the next evaluation.
 */
export interface DaemonLocation {
  readonly snapshot: DefinitionsSnapshot;
  readonly graph: AssetGraph;
  evaluateSensor(request: { name: string; cursor?: string; lastTickAt?: number; now: number }, timeoutMs: number): Promise<SensorResult>;
  /** A schedule's partition function for one tick (user code): its partition key(s). */
  evaluateSchedule(request: { name: string; scheduledAt: number }, timeoutMs: number): Promise<string[]>;
  close(): void;
}

/**
 * The daemon's own long-lived code-location process for one project (used by tests and
 * benchmarks that drive the loops directly; `strata daemon` and `strata dev` use
 * {@link ManagedLocation}).
 */
export class ProcessLocation implements DaemonLocation {
  #handle: LocationHandle | undefined;
  #starting: Promise<LocationHandle> | undefined;
  readonly #isolated = new Map<string, LocationHandle>();
  snapshot: DefinitionsSnapshot;
  graph: AssetGraph;
  /** Evaluations in flight per process: a process replaced by a reload is closed once idle. */
  readonly #busy = new Map<LocationHandle, number>();
  readonly #retired = new Set<LocationHandle>();
  #watcher: TreeWatcher | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #reloading: Promise<void> | undefined;
  #dirty = false;
  #closed = false;

  private constructor(
    private readonly project: ProjectConfig,
    private readonly instanceDir: string,
    handle: LocationHandle,
    private readonly onOutput: (t: string) => void,
  ) {
    this.#handle = handle;
    this.snapshot = handle.snapshot;
    this.graph = AssetGraph.fromSnapshot(handle.snapshot);
  }

  static async start(project: ProjectConfig, instanceDir: string, onOutput: (t: string) => void): Promise<ProcessLocation> {
    const handle = await startLocation(project, { instanceDir, onOutput, detached: true });
    return new ProcessLocation(project, instanceDir, handle, onOutput);
  }

  async #get(): Promise<LocationHandle> {
    if (this.#handle) return this.#handle;
    this.#starting ??= startLocation(this.project, { instanceDir: this.instanceDir, onOutput: this.onOutput, detached: true }).finally(() => {
      this.#starting = undefined;
    });
    const h = await this.#starting;
    this.#handle = h;
    return h;
  }

  /**
   * Reloads the definitions when a source file under the project root changes (debounced), so
   * new or edited schedules and sensors are picked up without restarting the daemon. A broken
   * edit keeps the last good definitions (and is logged).
   */
  watch(log: (message: string) => void, debounceMs = 300): void {
    if (this.#watcher || this.#closed) return;
    this.#watcher = watchTree(this.project.root, {
      ignorePaths: [this.instanceDir],
      onChange: () => {
        clearTimeout(this.#debounce);
        this.#debounce = setTimeout(() => void this.reload(log), debounceMs);
      },
    });
  }

  /** Loads the project in a new process and swaps it in (calls during a reload coalesce into one more). */
  async reload(log: (message: string) => void): Promise<void> {
    this.#dirty = true;
    this.#reloading ??= (async () => {
      while (this.#dirty && !this.#closed) {
        this.#dirty = false;
        let next: LocationHandle;
        try {
          next = await startLocation(this.project, { instanceDir: this.instanceDir, onOutput: this.onOutput, detached: true });
        } catch (err) {
          log(`code location reload failed, keeping the previous definitions: ${(err as Error).message}`);
          continue;
        }
        if (this.#closed) {
          next.kill();
          return;
        }
        const old = [this.#handle, ...this.#isolated.values()].filter((h): h is LocationHandle => h !== undefined);
        this.#isolated.clear();
        this.#handle = next;
        this.snapshot = next.snapshot;
        this.graph = AssetGraph.fromSnapshot(next.snapshot);
        for (const h of old) this.#retire(h);
        log(`code location reloaded: ${next.snapshot.schedules?.length ?? 0} schedule(s), ${next.snapshot.sensors?.length ?? 0} sensor(s)`);
      }
    })().finally(() => (this.#reloading = undefined));
    await this.#reloading;
  }

  #retire(h: LocationHandle): void {
    if ((this.#busy.get(h) ?? 0) > 0) this.#retired.add(h);
    else h.close();
  }

  async #using<T>(h: LocationHandle, fn: () => Promise<T>): Promise<T> {
    this.#busy.set(h, (this.#busy.get(h) ?? 0) + 1);
    try {
      return await fn();
    } finally {
      const n = (this.#busy.get(h) ?? 1) - 1;
      if (n > 0) this.#busy.set(h, n);
      else {
        this.#busy.delete(h);
        if (this.#retired.delete(h)) h.close();
      }
    }
  }

  async evaluateSensor(request: { name: string; cursor?: string; lastTickAt?: number; now: number }, timeoutMs: number): Promise<SensorResult> {
    // A sensor that once timed out is evaluated in its own process from then on: killing it
    // when it hangs again must not take the other sensors' evaluations down with it.
    const isolated = this.#isolated.get(request.name);
    const h = isolated ?? (await this.#get());
    try {
      return await this.#using(h, () => h.evaluateSensor(request, timeoutMs));
    } catch (err) {
      const msg = (err as Error).message;
      if (/did not finish within/.test(msg)) {
        h.kill();
        if (isolated) {
          if (this.#isolated.get(request.name) === h) this.#isolated.delete(request.name);
        } else if (this.#handle === h) this.#handle = undefined;
        this.#isolated.set(request.name, await startLocation(this.project, { instanceDir: this.instanceDir, onOutput: this.onOutput, detached: true }));
      } else if (/exited while evaluating/.test(msg)) {
        if (isolated) this.#isolated.delete(request.name);
        else if (this.#handle === h) this.#handle = undefined;
        // Killed because another sensor hung in the shared process: not this sensor's failure.
        if (!isolated) throw new CollateralError(msg);
      }
      throw err;
    }
  }

  async evaluateSchedule(request: { name: string; scheduledAt: number }, timeoutMs: number): Promise<string[]> {
    const h = await this.#get();
    try {
      return await this.#using(h, () => h.evaluateSchedule(request, timeoutMs));
    } catch (err) {
      const msg = (err as Error).message;
      if (/did not finish within|exited while evaluating/.test(msg)) {
        // A function stuck in a loop blocks the process: kill it, the next call starts a new one.
        if (/did not finish within/.test(msg)) h.kill();
        if (this.#handle === h) this.#handle = undefined;
        if (/exited while evaluating/.test(msg)) throw new CollateralError(msg);
      }
      throw err;
    }
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#debounce);
    this.#watcher?.close();
    for (const h of this.#retired) h.kill();
    this.#retired.clear();
    for (const h of this.#isolated.values()) h.kill();
    this.#isolated.clear();
    this.#handle?.kill();
    this.#handle = undefined;
  }
}

const EMPTY: DefinitionsSnapshot = { version: 1, location: "none", root: "", assets: [], checks: [], resources: [], executor: DEFAULT_EXECUTOR, pools: {}, schedules: [], sensors: [] };

/**
 * The daemon's view of code locations it shares with their owner (the server in `strata dev`):
 * the merged definitions of every location (reloads reach the daemon at once) and user code
 * evaluated in the location that defines the sensor or schedule, in that location's idle
 * process, so the daemon costs no process of its own. A sensor that times out gets that process
 * killed (it never runs a run while lent) and is evaluated from then on in its own isolated
 * process, replaced when its location reloads.
 */
export class ManagedLocation implements DaemonLocation {
  readonly #isolated = new Map<string, { handle: LocationHandle; version: number }>();
  #closed = false;

  constructor(private readonly locations: WorkspaceLocations) {}

  get snapshot(): DefinitionsSnapshot {
    return this.locations.snapshot() ?? EMPTY;
  }

  get graph(): AssetGraph {
    return this.locations.graph() ?? AssetGraph.fromSnapshot(EMPTY);
  }

  /** The location defining a schedule or sensor (throws when none loaded does). */
  #owner(kind: "sensors" | "schedules", name: string): LocationManager {
    const m = this.locations.managers.find((x) => x.state.snapshot?.[kind]?.some((i) => i.name === name));
    // A location whose latest edit is broken keeps evaluating with its last good process.
    if (!m) throw new StrataError("USER_CODE", `No loaded code location defines the ${kind === "sensors" ? "sensor" : "schedule"} "${name}"`);
    return m;
  }

  async evaluateSensor(request: { name: string; cursor?: string; lastTickAt?: number; now: number }, timeoutMs: number): Promise<SensorResult> {
    const m = this.#owner("sensors", request.name);
    const version = m.state.version;
    const iso = this.#isolated.get(request.name);
    if (iso && iso.version !== version) {
      // Its location reloaded: the isolated process runs old code.
      iso.handle.kill();
      this.#isolated.delete(request.name);
    }
    const isolated = this.#isolated.get(request.name)?.handle;
    const h = isolated ?? (await m.acquireEvaluator());
    try {
      return await h.evaluateSensor(request, timeoutMs);
    } catch (err) {
      const msg = (err as Error).message;
      if (/did not finish within/.test(msg)) {
        if (isolated) {
          h.kill();
          this.#isolated.delete(request.name);
        } else m.killEvaluator(h);
        if (!this.#closed) this.#isolated.set(request.name, { handle: await m.startIsolated(), version });
      } else if (/exited while evaluating/.test(msg)) {
        if (isolated) this.#isolated.delete(request.name);
        // Killed because another sensor hung in the shared process (or the location reloaded): retry.
        else throw new CollateralError(msg);
      }
      throw err;
    } finally {
      if (!isolated) m.releaseEvaluator(h);
    }
  }

  async evaluateSchedule(request: { name: string; scheduledAt: number }, timeoutMs: number): Promise<string[]> {
    const m = this.#owner("schedules", request.name);
    const h = await m.acquireEvaluator();
    try {
      return await h.evaluateSchedule(request, timeoutMs);
    } catch (err) {
      const msg = (err as Error).message;
      if (/did not finish within/.test(msg)) m.killEvaluator(h);
      else if (/exited while evaluating/.test(msg)) throw new CollateralError(msg);
      throw err;
    } finally {
      m.releaseEvaluator(h);
    }
  }

  /** Kills the isolated processes (the shared ones belong to the locations' owner). */
  close(): void {
    this.#closed = true;
    for (const i of this.#isolated.values()) i.handle.kill();
    this.#isolated.clear();
  }
}

/** The shared code-location process was killed under an evaluation (another sensor hung): retry, don't record a failure. */
export class CollateralError extends Error {}
