import {
  AssetGraph,
  StrataError,
  serializeError,
  type DefinitionsSnapshot,
  type RunStatus,
  type SerializedError,
  type StrataEvent,
} from "@strata/core";
import { combineWorkspace, planAcrossLocations, type LocationLoadResult } from "./combine-locations.ts";
import type { LocationManager, LocationState } from "./location-manager.ts";

export interface WorkspaceLocationsOptions {
  /** Workspace (or project) folder: the instance lives in `<root>/.strata`. */
  root: string;
  /** Shown as the name of the whole (the workspace folder's name). */
  name: string;
}

interface Merged {
  key: string;
  version: number;
  snapshot: DefinitionsSnapshot | undefined;
  graph: AssetGraph | undefined;
  /** Errors of the workspace as a whole, attached to the location at fault (duplicate key, unknown dep, cycle). */
  errors: Map<string, SerializedError>;
}

/**
 * The code locations the server and the daemon work with: one {@link LocationManager} per
 * location (each loads, reloads and executes in its own processes), seen together. Gives the
 * merged graph with deps across locations, each location's state (a location that fails to
 * load, or clashes with another, shows its error while the others keep working), and routes
 * runs and user-code evaluations to the location that owns them. A single project is a
 * workspace of one location whose merged graph is its own.
 *
 * @example
 * const locations = new WorkspaceLocations([ingestion, analytics], { root, name: "platform" });
 * await locations.start();
 * locations.plan(["raw/orders", "mart/orders"]); // [{ location: "ingestion", … }, { location: "analytics", … }]
 */
export class WorkspaceLocations {
  readonly root: string;
  readonly name: string;
  readonly #managers: Map<string, LocationManager>;
  #merged: Merged | undefined;
  #version = 0;

  constructor(managers: readonly LocationManager[], options: WorkspaceLocationsOptions) {
    if (managers.length === 0) throw new StrataError("USAGE", "A workspace needs at least one code location");
    this.root = options.root;
    this.name = options.name;
    this.#managers = new Map(managers.map((m) => [m.name, m]));
  }

  /** A single project: one location, its own graph. */
  static single(manager: LocationManager): WorkspaceLocations {
    return new WorkspaceLocations([manager], { root: manager.project.root, name: manager.name });
  }

  /** True with several locations; false for one (a project, or a workspace's location on its own). */
  get isWorkspace(): boolean {
    return this.#managers.size > 1;
  }

  get names(): string[] {
    return [...this.#managers.keys()];
  }

  get managers(): LocationManager[] {
    return [...this.#managers.values()];
  }

  get(name: string): LocationManager | undefined {
    return this.#managers.get(name);
  }

  /** Every location's state, with the workspace-level error of a location that clashes with another. */
  states(): LocationState[] {
    return this.managers.map((m) => this.#withErrors(m.state));
  }

  stateOf(name: string): LocationState | undefined {
    const m = this.#managers.get(name);
    return m ? this.#withErrors(m.state) : undefined;
  }

  /**
   * The whole as one state: the merged snapshot, a version bumped whenever any location's
   * published definitions change, "loading" while one loads, "error" (with the first error,
   * naming its location) while one is broken. A single project's state is its location's.
   */
  get state(): LocationState {
    const one = this.#single();
    if (one) return one.state;
    const states = this.states();
    const merged = this.#merge();
    const failed = states.find((s) => s.status === "error");
    const status = states.every((s) => s.status === "stopped")
      ? "stopped"
      : states.some((s) => s.status === "loading")
        ? "loading"
        : failed
          ? "error"
          : "loaded";
    const loaded = states.filter((s) => s.loadedAt !== undefined);
    return {
      name: this.name,
      root: this.root,
      entry: this.root,
      status,
      version: merged.version,
      ...(merged.snapshot ? { snapshot: merged.snapshot } : {}),
      ...(failed?.error ? { error: { ...failed.error, message: `Code location "${failed.name}": ${failed.error.message}` } } : {}),
      ...(loaded.length ? { loadedAt: Math.max(...loaded.map((s) => s.loadedAt!)), loadMs: Math.max(...loaded.map((s) => s.loadMs ?? 0)) } : {}),
      updatedAt: Math.max(...states.map((s) => s.updatedAt)),
      watching: states.some((s) => s.watching),
      activeRuns: states.flatMap((s) => s.activeRuns),
    };
  }

  /** All locations' definitions together (assets carry their `location`). */
  snapshot(): DefinitionsSnapshot | undefined {
    return this.#merge().snapshot;
  }

  /** The merged graph (built once per version), or undefined before any location loaded. */
  graph(): AssetGraph | undefined {
    return this.#merge().graph;
  }

  /** Bumped whenever the merged definitions change. */
  get version(): number {
    return this.#merge().version;
  }

  /** The location that defines `assetKey` in the merged graph. */
  locationOf(assetKey: string): string | undefined {
    const one = this.#single();
    if (one) return one.state.snapshot?.assets.some((a) => a.key === assetKey) ? one.name : undefined;
    return this.graph()?.find(assetKey)?.location;
  }

  /**
   * The location a run, sensor or schedule must use, ready to run code: throws
   * `DEFS_IMPORT_FAILED` (naming it and its error) while it is broken or clashes with another.
   */
  runnable(name: string): LocationManager {
    const m = this.#managers.get(name) ?? this.#single();
    if (!m) {
      throw new StrataError("USAGE", `No code location "${name}" in ${this.name}`, {
        hint: `Locations: ${this.names.join(", ")}. Reload after changing workspace.yaml by restarting.`,
      });
    }
    const s = this.#withErrors(m.state);
    if (s.status === "error" || !s.snapshot) {
      throw new StrataError(
        "DEFS_IMPORT_FAILED",
        s.status === "error"
          ? `The code location "${m.name}" failed to load, so its runs cannot start: ${s.error?.message ?? "unknown error"}`
          : `The code location "${m.name}" is still loading`,
        { hint: s.error?.hint ?? (s.status === "error" ? "Fix the error and reload the location." : "Retry in a moment.") },
      );
    }
    return m;
  }

  /** The graph a location's own runs are created from (its snapshot, deps on other locations external). */
  graphOf(name: string): AssetGraph {
    return this.runnable(name).graph()!;
  }

  /** Splits selected keys into one part per location, in dependency order (see `planAcrossLocations`). */
  plan(keys: Iterable<string>): { location: string; keys: string[] }[] {
    const one = this.#single();
    if (one) return [{ location: one.name, keys: [...keys] }];
    const snapshot = this.snapshot();
    if (!snapshot) return [];
    return planAcrossLocations(snapshot, keys);
  }

  /** Calls `fn` with a location's state whenever it (or its workspace-level error) changes. */
  subscribe(fn: (s: LocationState) => void): () => void {
    const last = new Map<string, string>();
    const changed = (s: LocationState) => {
      const k = `${s.status}:${s.version}:${s.error?.message ?? ""}:${s.activeRuns.join(",")}:${s.pid ?? ""}`;
      if (last.get(s.name) === k) return false;
      last.set(s.name, k);
      return true;
    };
    const offs = this.managers.map((m) =>
      m.subscribe(() => {
        // One location's change may clear or cause another's clash: report every location that changed.
        for (const s of this.states()) if (changed(s)) fn(s);
      }),
    );
    return () => offs.forEach((off) => off());
  }

  /** Loads every location in parallel (a failure does not stop the others). */
  async start(): Promise<LocationState[]> {
    await Promise.all(this.managers.map((m) => m.start()));
    return this.states();
  }

  /** Reloads one location alone, or every location without a name. */
  async reload(name?: string): Promise<LocationState> {
    if (name === undefined) {
      await Promise.all(this.managers.map((m) => m.reload()));
      return this.state;
    }
    const m = this.#managers.get(name);
    if (!m) throw new StrataError("USAGE", `No code location "${name}"`, { hint: `Locations: ${this.names.join(", ")}.` });
    await m.reload();
    return this.stateOf(name)!;
  }

  /**
   * Executes a stored run in the location that owns it: `run.location`, or, for a run recorded
   * against the merged graph (a backfill chunk), the one location defining all its assets.
   */
  execute(run: { runId: string; location?: string; assetKeys: string[] }, onEvent?: (e: StrataEvent) => void): Promise<RunStatus> {
    try {
      return this.ownerOfRun(run).execute(run.runId, onEvent);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /** The location a stored run executes in (see {@link execute}); throws when none can. */
  ownerOfRun(run: { runId: string; location?: string; assetKeys: string[] }): LocationManager {
    const one = this.#single();
    if (one) return one;
    if (run.location !== undefined && this.#managers.has(run.location)) return this.#managers.get(run.location)!;
    const owners = new Set(run.assetKeys.map((k) => this.locationOf(k) ?? "?"));
    const [owner] = owners;
    if (owners.size === 1 && owner !== "?") return this.#managers.get(owner!)!;
    throw new StrataError(
      "PLAN_INVALID",
      owners.size > 1
        ? `Run ${run.runId} has assets of several code locations (${[...owners].join(", ")}); a run executes in one location`
        : `Run ${run.runId} belongs to code location "${run.location ?? "?"}", which this workspace does not have`,
      { hint: owners.size > 1 ? "Launch one location's assets per run (launches from the UI are split this way)." : `Locations: ${this.names.join(", ")}.` },
    );
  }

  /** Asks whichever location executes `runId` to cancel it. */
  cancel(runId: string): boolean {
    return this.managers.some((m) => m.cancel(runId));
  }

  async close(): Promise<void> {
    await Promise.all(this.managers.map((m) => m.close()));
  }

  /** The one location, when there is one: its graph is the graph (deps on other locations stay external). */
  #single(): LocationManager | undefined {
    if (this.#managers.size !== 1) return undefined;
    const [m] = this.#managers.values();
    return m;
  }

  #withErrors(s: LocationState): LocationState {
    const e = this.#single() ? undefined : this.#merge().errors.get(s.name);
    return e && s.status !== "error" && s.status !== "stopped" ? { ...s, status: "error", error: e } : s;
  }

  #merge(): Merged {
    const one = this.#single();
    const key = this.managers.map((m) => `${m.name}:${m.state.version}:${m.state.snapshot ? 1 : 0}`).join("|");
    if (this.#merged?.key === key) return this.#merged;
    if (one) {
      const snapshot = one.state.snapshot;
      this.#merged = { key, version: one.state.version, snapshot, graph: one.graph(), errors: new Map() };
      return this.#merged;
    }
    const { snapshot, errors } = combineTolerant(this.root, this.managers);
    this.#merged = {
      key,
      version: ++this.#version,
      snapshot,
      graph: snapshot ? AssetGraph.fromSnapshot(snapshot) : undefined,
      errors,
    };
    return this.#merged;
  }
}

/**
 * Combines the locations' current snapshots. Unlike the CLI, which stops on a cycle across
 * locations, a long-running process keeps serving: the most recently loaded location in the
 * cycle is left out with the error, the rest stay.
 */
function combineTolerant(root: string, managers: LocationManager[]): { snapshot: DefinitionsSnapshot | undefined; errors: Map<string, SerializedError> } {
  const errors = new Map<string, SerializedError>();
  const excluded = new Set<string>();
  // Locations still loading (or never loaded) count as failed: deps on them are not reported missing.
  const pending = (m: LocationManager) => !m.state.snapshot || excluded.has(m.name);
  const byRecency = [...managers].sort((a, b) => (b.state.loadedAt ?? 0) - (a.state.loadedAt ?? 0));
  for (;;) {
    const results: LocationLoadResult[] = managers.map((m) => ({
      name: m.name,
      root: m.project.root,
      ...(pending(m) ? { error: new Error(m.state.status) } : { snapshot: m.state.snapshot! }),
    }));
    try {
      const combined = combineWorkspace(root, results);
      for (const l of combined.locations) {
        const input = results.find((r) => r.name === l.name)!;
        if (l.error && !input.error) errors.set(l.name, withoutStack(serializeError(l.error)));
      }
      const anyLoaded = managers.some((m) => m.state.snapshot);
      return { snapshot: anyLoaded ? combined.snapshot : undefined, errors };
    } catch (err) {
      const culprit = byRecency.find((m) => !excluded.has(m.name) && m.state.snapshot);
      if (!culprit) return { snapshot: undefined, errors };
      excluded.add(culprit.name);
      errors.set(culprit.name, withoutStack(serializeError(err)));
    }
  }
}

function withoutStack(e: SerializedError): SerializedError {
  delete e.stack;
  return e;
}
