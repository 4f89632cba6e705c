import {
  AssetGraph,
  StrataError,
  serializeError,
  type DefinitionsSnapshot,
  type RunStatus,
  type SerializedError,
  type StrataEvent,
} from "@strata/core";
import { existsSync } from "node:fs";
import { basename } from "node:path";
import { startLocation, type LocationHandle } from "./location-client.ts";
import type { ProjectConfig } from "./project.ts";
import { watchTree, type TreeWatcher } from "./watch-tree.ts";

export type LocationStatus = "loading" | "loaded" | "error" | "stopped";

/** What the server, the daemon and the CLI see of a code location. Plain JSON. */
export interface LocationState {
  name: string;
  root: string;
  entry: string;
  status: LocationStatus;
  /** Bumped each time a new snapshot is published (0 before the first load). */
  version: number;
  /** The last snapshot that loaded; kept while a later edit is broken, so the UI keeps working. */
  snapshot?: DefinitionsSnapshot;
  /** Why the latest load failed (status "error"). */
  error?: SerializedError;
  /** When the current snapshot was loaded. */
  loadedAt?: number;
  loadMs?: number;
  /** When the latest load attempt ended (success or error). */
  updatedAt: number;
  /** Pid of the idle code-location process kept warm for the next run, if any. */
  pid?: number;
  watching: boolean;
  /** Runs executing in this location's processes now. */
  activeRuns: string[];
}

export interface LocationManagerOptions {
  instanceDir: string;
  env?: NodeJS.ProcessEnv;
  /** What user code prints while loading or running (already redacted by the child). */
  onOutput?: (text: string) => void;
  /** Reload when a source file under the project root changes (`strata dev`). */
  watch?: boolean;
  /** Quiet period after the last change before reloading. */
  debounceMs?: number;
  /** How long a run worker gets to cancel gracefully on {@link LocationManager.close} before it is killed. */
  stopGraceMs?: number;
}

/**
 * Owns the code-location processes of a project: loads its snapshot in a child process (user
 * code never runs in the caller), reloads it on request or, with `watch`, when a source file
 * changes; executes runs, each in its own code-location process (the one that loaded the
 * snapshot is reused for the next run while idle). A broken edit puts the location in "error"
 * and keeps the last good snapshot; fixing the file recovers it.
 *
 * @example
 * const locations = new LocationManager(findProject("."), { instanceDir, watch: true });
 * locations.subscribe((s) => console.log(s.status, s.version));
 * await locations.start();
 * const status = await locations.execute(runId);
 * await locations.close();
 */
export class LocationManager {
  readonly project: ProjectConfig;
  readonly #options: LocationManagerOptions;
  #state: LocationState;
  #graph: { version: number; graph: AssetGraph } | undefined;
  #warm: { handle: LocationHandle; version: number } | undefined;
  /** Sensor/schedule evaluations in flight per process: such a process is never handed a run. */
  readonly #evaluating = new Map<LocationHandle, number>();
  /** Processes replaced while evaluating: closed when their last evaluation ends. */
  readonly #retiring = new Set<LocationHandle>();
  #warmStarting: Promise<LocationHandle> | undefined;
  readonly #running = new Map<string, LocationHandle>();
  /** Workers sent a cancel: their abort signal stays aborted, so they never run another run. */
  readonly #canceled = new WeakSet<LocationHandle>();
  readonly #listeners = new Set<(s: LocationState) => void>();
  #loading: Promise<void> | undefined;
  #dirty = false;
  #watcher: TreeWatcher | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(project: ProjectConfig, options: LocationManagerOptions) {
    this.project = project;
    this.#options = options;
    this.#state = {
      name: project.location,
      root: project.root,
      entry: project.entry,
      status: "loading",
      version: 0,
      updatedAt: Date.now(),
      watching: false,
      activeRuns: [],
    };
  }

  get name(): string {
    return this.project.location;
  }

  /** The environment its processes get (a workspace location's own `.env` merged in), or undefined for this process's. */
  get env(): NodeJS.ProcessEnv | undefined {
    return this.#options.env;
  }

  get instanceDir(): string {
    return this.#options.instanceDir;
  }

  /** Current state (a fresh copy; `snapshot` is shared and must not be mutated). */
  get state(): LocationState {
    return {
      ...this.#state,
      activeRuns: [...this.#running.keys()],
      ...(this.#warm ? { pid: this.#warm.handle.pid } : {}),
    };
  }

  /** The graph of the current snapshot (built once per version), or undefined before the first load. */
  graph(): AssetGraph | undefined {
    const s = this.#state;
    if (!s.snapshot) return undefined;
    if (this.#graph?.version !== s.version)
      this.#graph = { version: s.version, graph: AssetGraph.fromSnapshot(s.snapshot) };
    return this.#graph.graph;
  }

  /** Calls `fn` on every state change (load started, loaded, error, runs). Returns the unsubscribe. */
  subscribe(fn: (s: LocationState) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Loads the project (and starts watching with `watch`). Resolves with the state; a load error does not reject. */
  async start(): Promise<LocationState> {
    if (this.#options.watch && !this.#watcher) {
      const instance = this.#options.instanceDir;
      this.#watcher = watchTree(this.project.root, {
        ignorePaths: [instance],
        onChange: () => this.#scheduleReload(),
      });
      this.#state = { ...this.#state, watching: true };
    }
    return this.reload();
  }

  /**
   * Loads the project again in a new process and publishes the new snapshot (or the error).
   * Calls during a load coalesce into one more load after it.
   */
  async reload(): Promise<LocationState> {
    if (this.#closed) return this.state;
    this.#dirty = true;
    this.#loading ??= this.#loadLoop().finally(() => (this.#loading = undefined));
    await this.#loading;
    return this.state;
  }

  async #loadLoop(): Promise<void> {
    while (this.#dirty && !this.#closed) {
      this.#dirty = false;
      await this.#loadOnce();
    }
  }

  async #loadOnce(): Promise<void> {
    this.#set({ status: "loading" });
    const started = Date.now();
    try {
      if (!existsSync(this.project.entry)) {
        throw new StrataError("DEFS_NO_ENTRY", `Code location "${this.name}": no Strata project in ${this.project.root} (${basename(this.project.entry)} is missing)`, {
          hint: "A location folder needs strata.config.ts, a package.json \"strata\" entry, or a defs/ folder with a package.json.",
        });
      }
      const handle = await startLocation(this.project, this.#childOptions());
      if (this.#closed) {
        handle.kill();
        return;
      }
      this.#retireWarm();
      const version = this.#state.version + 1;
      this.#warm = { handle, version };
      this.#set({
        status: "loaded",
        version,
        snapshot: handle.snapshot,
        loadedAt: Date.now(),
        loadMs: handle.loadMs,
        updatedAt: Date.now(),
        error: undefined,
      });
    } catch (err) {
      if (this.#closed) return;
      this.#set({ status: "error", error: serializeError(err), updatedAt: Math.max(Date.now(), started) });
    }
  }

  #scheduleReload(): void {
    if (this.#closed) return;
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => void this.reload(), this.#options.debounceMs ?? 150);
  }

  /**
   * Executes a stored run (STARTING or NOT_STARTED) in a code-location process of the current
   * snapshot; resolves with its final status. Rejects with `LOCATION_UNAVAILABLE`-style
   * StrataErrors when the location has not loaded, or when the worker dies.
   */
  async execute(runId: string, onEvent?: (e: StrataEvent) => void): Promise<RunStatus> {
    if (this.#closed) throw new StrataError("USAGE", `The code location "${this.name}" is stopped`);
    if (this.#state.status === "error" || !this.#state.snapshot) {
      throw new StrataError(
        "DEFS_IMPORT_FAILED",
        `The code location "${this.name}" did not load; runs cannot start`,
        {
          hint: this.#state.error ? `Fix: ${this.#state.error.message}` : "Wait for the location to load.",
        },
      );
    }
    const version = this.#state.version;
    let worker: LocationHandle | undefined;
    if (this.#warm && this.#warm.version === version && !this.#evaluating.has(this.#warm.handle)) {
      worker = this.#warm.handle;
      this.#warm = undefined;
    } else {
      worker = await startLocation(this.project, this.#childOptions());
    }
    if (this.#closed) {
      worker.kill();
      throw new StrataError("USAGE", `The code location "${this.name}" is stopped`);
    }
    this.#running.set(runId, worker);
    this.#emit();
    let healthy = true;
    try {
      return await worker.execute(runId, onEvent);
    } catch (err) {
      healthy = false;
      worker.kill();
      throw err;
    } finally {
      this.#running.delete(runId);
      if (healthy) {
        // Keep it warm for the next run if it still runs the current code (and was not canceled).
        const reusable =
          !this.#closed &&
          !this.#warm &&
          !this.#canceled.has(worker) &&
          version === this.#state.version &&
          this.#statusNow() !== "error";
        if (reusable) this.#warm = { handle: worker, version };
        else worker.close();
      }
      this.#emit();
    }
  }

  /**
   * Lends the idle process of the current snapshot (started when a run took it) for evaluating
   * user code outside runs — sensors, schedule partition functions — so a daemon next to the
   * server needs no process of its own. While lent it is never handed a run; give it back with
   * {@link releaseEvaluator}. Rejects like {@link execute} when the location has not loaded.
   */
  async acquireEvaluator(): Promise<LocationHandle> {
    for (;;) {
      if (this.#closed) throw new StrataError("USAGE", `The code location "${this.name}" is stopped`);
      if (!this.#state.snapshot) {
        throw new StrataError("DEFS_IMPORT_FAILED", `The code location "${this.name}" has not loaded`, {
          hint: this.#state.error ? `Fix: ${this.#state.error.message}` : "Wait for the location to load.",
        });
      }
      const version = this.#state.version;
      if (this.#warm && this.#warm.version === version) {
        const h = this.#warm.handle;
        this.#evaluating.set(h, (this.#evaluating.get(h) ?? 0) + 1);
        return h;
      }
      this.#warmStarting ??= startLocation(this.project, this.#childOptions()).finally(() => (this.#warmStarting = undefined));
      const started = await this.#warmStarting;
      if (this.#closed || version !== this.#state.version) started.close();
      else if (!this.#warm) {
        this.#warm = { handle: started, version };
        this.#emit();
      } else if (this.#warm.handle !== started) started.close();
    }
  }

  /** Gives back a process lent by {@link acquireEvaluator}. */
  releaseEvaluator(handle: LocationHandle): void {
    const n = (this.#evaluating.get(handle) ?? 1) - 1;
    if (n > 0) return void this.#evaluating.set(handle, n);
    this.#evaluating.delete(handle);
    if (this.#retiring.delete(handle)) handle.close();
  }

  /**
   * Kills a lent process whose user code hung (the caller's timeout): it stops being the idle
   * process, so the next run or evaluation starts a fresh one. Runs are never in it.
   */
  killEvaluator(handle: LocationHandle): void {
    handle.kill();
    this.#retiring.delete(handle);
    if (this.#warm?.handle === handle) {
      this.#warm = undefined;
      this.#emit();
    }
  }

  /**
   * A new process of the current snapshot that the caller owns (and closes): a sensor that
   * once hung is evaluated alone in one, so killing it again spares the others.
   */
  startIsolated(): Promise<LocationHandle> {
    return startLocation(this.project, this.#childOptions());
  }

  /** Asks the worker executing `runId` to cancel it gracefully. False when no worker here runs it. */
  cancel(runId: string): boolean {
    const w = this.#running.get(runId);
    if (!w) return false;
    this.#canceled.add(w);
    w.cancel();
    return true;
  }

  /**
   * Stops watching and every process: idle ones at once; running workers are asked to cancel
   * their run and killed after `stopGraceMs` (default 3 s).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#debounce);
    this.#watcher?.close();
    // A load in flight finishes first (its process is then killed): nothing outlives close().
    await this.#loading?.catch(() => undefined);
    this.#retireWarm(true);
    for (const h of this.#retiring) h.kill();
    this.#retiring.clear();
    const running = [...this.#running.values()];
    for (const w of running) {
      this.#canceled.add(w);
      w.cancel();
    }
    if (running.length > 0) {
      const grace = this.#options.stopGraceMs ?? 3000;
      const deadline = Date.now() + grace;
      while (this.#running.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      for (const w of this.#running.values()) w.kill();
    }
    this.#set({ status: "stopped", watching: false });
    this.#listeners.clear();
  }

  /** Read through a method: TypeScript would keep a narrowing of `#state.status` across awaits. */
  #statusNow(): LocationStatus {
    return this.#state.status;
  }

  #retireWarm(kill = false): void {
    if (!this.#warm) return;
    const h = this.#warm.handle;
    this.#warm = undefined;
    if (kill) {
      h.kill();
      this.#retiring.delete(h);
    } else if (this.#evaluating.has(h)) this.#retiring.add(h);
    else h.close();
  }

  #childOptions() {
    return {
      instanceDir: this.#options.instanceDir,
      // Its own process group: Ctrl-C in a terminal reaches only the parent, which stops the
      // children itself (cancel, then kill) instead of each reacting on its own.
      detached: true,
      ...(this.#options.env ? { env: this.#options.env } : {}),
      ...(this.#options.onOutput ? { onOutput: this.#options.onOutput } : {}),
    };
  }

  #set(patch: Partial<LocationState>): void {
    const next = { ...this.#state, ...patch };
    for (const k of Object.keys(patch) as (keyof LocationState)[]) if (patch[k] === undefined) delete next[k];
    this.#state = next;
    this.#emit();
  }

  #emit(): void {
    const s = this.state;
    for (const fn of this.#listeners) {
      try {
        fn(s);
      } catch {
        // A listener's failure must not stop the others (or the manager).
      }
    }
  }
}
