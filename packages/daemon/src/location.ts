import { AssetGraph, type DefinitionsSnapshot, type SensorResult } from "@strata/core";
import { startLocation, type LocationHandle, type ProjectConfig } from "@strata/engine";

/**
 * The daemon's long-lived code-location process: the definitions snapshot (the daemon never
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

export class ProcessLocation implements DaemonLocation {
  #handle: LocationHandle | undefined;
  #starting: Promise<LocationHandle> | undefined;
  readonly #isolated = new Map<string, LocationHandle>();
  snapshot: DefinitionsSnapshot;
  graph: AssetGraph;

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

  async evaluateSensor(request: { name: string; cursor?: string; lastTickAt?: number; now: number }, timeoutMs: number): Promise<SensorResult> {
    // A sensor that once timed out is evaluated in its own process from then on: killing it
    // when it hangs again must not take the other sensors' evaluations down with it.
    const isolated = this.#isolated.get(request.name);
    const h = isolated ?? (await this.#get());
    try {
      return await h.evaluateSensor(request, timeoutMs);
    } catch (err) {
      const msg = (err as Error).message;
      if (/did not finish within/.test(msg)) {
        h.kill();
        if (isolated) this.#isolated.delete(request.name);
        else if (this.#handle === h) this.#handle = undefined;
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
      return await h.evaluateSchedule(request, timeoutMs);
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
    for (const h of this.#isolated.values()) h.kill();
    this.#isolated.clear();
    this.#handle?.kill();
    this.#handle = undefined;
  }
}

/** The shared code-location process was killed under an evaluation (another sensor hung): retry, don't record a failure. */
export class CollateralError extends Error {}
