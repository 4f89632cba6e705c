import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseEnv } from "node:util";
import pc from "picocolors";
import { StrataError, type DefinitionsSnapshot } from "@strata/core";
import { basename } from "node:path";
import {
  findProject,
  instanceDirFor,
  LocationManager,
  openInstance,
  projectAt,
  startLocation,
  WorkspaceLocations,
  type Instance,
  type LocationHandle,
  type LocationManagerOptions,
  type ProjectConfig,
} from "@strata/engine";
import { printError } from "./output.ts";
import { combineWorkspace, workspaceAt, type CombinedWorkspace, type LocationLoadResult, type Workspace } from "@strata/components";

/**
 * Resolves the project for a command: `--project` or the current folder (walking up). Loads `.env`.
 * A project that is a code location of an enclosing workspace uses the workspace's instance
 * (and its DuckDB warehouse) and may depend on other locations' assets.
 */
export function resolveProject(dir: string | undefined): ProjectConfig {
  const project = findProject(dir ?? process.cwd());
  loadEnvFile(project.root);
  const ws = enclosingWorkspace(project.root);
  if (!ws) return project;
  process.env.STRATA_HOME ??= instanceDirFor(ws.workspace.root);
  loadEnvFile(ws.workspace.root);
  return { ...project, location: ws.name, workspace: true };
}

function enclosingWorkspace(root: string): { workspace: Workspace; name: string } | undefined {
  let d = dirname(root);
  for (;;) {
    let ws: Workspace | undefined;
    try {
      ws = workspaceAt(d);
    } catch {
      ws = undefined; // a broken workspace.yaml is reported by workspace commands, not here
    }
    const loc = ws?.locations.find((l) => l.root === root);
    if (ws && loc) return { workspace: ws, name: loc.name };
    const parent = dirname(d);
    if (parent === d) return undefined;
    d = parent;
  }
}

export async function openProjectInstance(project: ProjectConfig): Promise<Instance> {
  return openInstance(instanceDirFor(project.root));
}

/**
 * The instance of `--project` or the current folder, for commands that only read or change
 * the instance (runs, logs, queue, status, wipe, backfill list/show/cancel): a workspace root's
 * instance is shared by all its locations, so these work there as in any location's folder.
 */
export async function openTargetInstance(dir: string | undefined): Promise<Instance> {
  return openInstance(instanceDirFor(targetRoot(resolveTarget(dir))));
}

/** Starts the code-location process for the project (user code never runs in the CLI process). */
export async function loadLocation(project: ProjectConfig, onOutput?: (t: string) => void): Promise<LocationHandle> {
  return startLocation(project, { instanceDir: instanceDirFor(project.root), ...(onOutput ? { onOutput } : {}) });
}

/** What a command works on: one project (code location) or a workspace of several. */
export type Target = { kind: "project"; project: ProjectConfig } | { kind: "workspace"; workspace: Workspace };

/**
 * `--project` or the current folder, walking up: the first folder holding a workspace
 * (workspace.yaml, or `strata.workspace` in package.json) or a project wins. Loads the
 * folder's `.env` (values already in the environment win).
 */
export function resolveTarget(dir: string | undefined): Target {
  let d = resolve(dir ?? process.cwd());
  for (;;) {
    const ws = workspaceAt(d);
    if (ws) {
      loadEnvFile(ws.root);
      return { kind: "workspace", workspace: ws };
    }
    if (projectAt(d)) return { kind: "project", project: resolveProject(d) };
    const parent = dirname(d);
    if (parent === d) break;
    d = parent;
  }
  return { kind: "project", project: resolveProject(dir) };
}

function loadEnvFile(root: string): void {
  const envFile = join(root, ".env");
  if (existsSync(envFile)) process.loadEnvFile(envFile);
}

/** The instance folder of a target: `<project or workspace root>/.strata` (or STRATA_HOME). */
export const targetRoot = (t: Target): string => (t.kind === "project" ? t.project.root : t.workspace.root);

/**
 * The long-running commands' code locations (`strata dev`, `ui`, `daemon`): one
 * {@link LocationManager} per location — a project's, or each of a workspace's with its own
 * folder's `.env` — not started yet.
 */
export function openLocations(target: Target, options: Omit<LocationManagerOptions, "env">): WorkspaceLocations {
  if (target.kind === "project") return WorkspaceLocations.single(new LocationManager(target.project, options));
  const managers = target.workspace.locations.map((loc) => {
    // A folder that is no project still gets a manager: its load fails with the loader's error, shown with the others.
    const project = projectAt(loc.root) ?? { root: loc.root, entry: join(loc.root, "strata.config.ts") };
    return new LocationManager({ ...project, location: loc.name, workspace: true }, { ...options, env: locationEnv(loc.root) });
  });
  return new WorkspaceLocations(managers, { root: target.workspace.root, name: basename(target.workspace.root) });
}

/** A location's processes' environment: its folder's `.env` under the current environment (which wins). */
function locationEnv(root: string): NodeJS.ProcessEnv {
  const envFile = join(root, ".env");
  return { ...(existsSync(envFile) ? parseEnv(readFileSync(envFile, "utf8")) : {}), ...process.env };
}

export interface LoadedWorkspace extends CombinedWorkspace {
  workspace: Workspace;
  handles: Map<string, LocationHandle>;
  close(): void;
}

/**
 * Starts one code-location process per location of the workspace, in parallel, each with its
 * own folder's `.env`. A location that fails to load keeps its error; the others load.
 */
export async function loadWorkspace(workspace: Workspace, onOutput?: (t: string) => void): Promise<LoadedWorkspace> {
  const instanceDir = instanceDirFor(workspace.root);
  const handles = new Map<string, LocationHandle>();
  const results: LocationLoadResult[] = await Promise.all(
    workspace.locations.map(async (loc): Promise<LocationLoadResult> => {
      const project = projectAt(loc.root);
      if (!project) {
        return {
          ...loc,
          error: new StrataError("DEFS_NO_ENTRY", `Code location ${loc.name}: no Strata project in ${loc.root}`, {
            hint: "A location folder needs strata.config.ts, a package.json \"strata\" entry, or a defs/ folder with a package.json.",
          }),
        };
      }
      const env = locationEnv(loc.root);
      try {
        const handle = await startLocation({ ...project, location: loc.name, workspace: true }, { instanceDir, env, ...(onOutput ? { onOutput } : {}) });
        handles.set(loc.name, handle);
        return { ...loc, snapshot: handle.snapshot };
      } catch (err) {
        return { ...loc, error: err as Error };
      }
    }),
  );
  const closeAll = () => {
    for (const h of handles.values()) h.close();
  };
  try {
    const combined = combineWorkspace(workspace.root, results);
    for (const l of combined.locations) {
      if (l.error && handles.has(l.name)) {
        handles.get(l.name)!.close();
        handles.delete(l.name);
      }
    }
    return { ...combined, workspace, handles, close: closeAll };
  } catch (err) {
    closeAll();
    throw err;
  }
}

/** The definitions a command works on: a project's, or a workspace's combined over its locations. */
export interface LoadedDefinitions {
  snapshot: DefinitionsSnapshot;
  /** The code-location process whose own definitions satisfy `owns` (e.g. define a sensor), to run its user code. */
  locationWhere(owns: (own: DefinitionsSnapshot) => boolean): LocationHandle | undefined;
  close(): void;
}

/**
 * Loads `--project` or the current folder: a project in one code-location process, or at a
 * workspace root every location (the ones that fail to load are reported on stderr and left
 * out, like `strata materialize` does), so definition commands work in both places.
 */
export async function loadDefinitions(dir: string | undefined, onOutput?: (t: string) => void): Promise<LoadedDefinitions> {
  const target = resolveTarget(dir);
  if (target.kind === "project") {
    const handle = await loadLocation(target.project, onOutput);
    return { snapshot: handle.snapshot, locationWhere: (owns) => (owns(handle.snapshot) ? handle : undefined), close: () => handle.close() };
  }
  const ws = await loadWorkspace(target.workspace, onOutput);
  for (const l of ws.locations) if (l.error) reportLocationError(l.name, l.error);
  return {
    snapshot: ws.snapshot,
    locationWhere: (owns) => [...ws.handles.values()].find((h) => owns(h.snapshot)),
    close: () => ws.close(),
  };
}

/** A workspace location that failed to load, on stderr: the command goes on with the others. */
export function reportLocationError(name: string, error: unknown): void {
  process.stderr.write(`${pc.red("✗")} code location ${name} failed to load (its assets are left out):\n`);
  printError(error);
}

/**
 * The code location named `name` of a target, to run user code in: a project is its own single
 * location; a workspace's location comes with its processes' environment (its own `.env` over
 * this process's, which is left untouched, so two locations' `.env` files never mix).
 */
export function locationOfTarget(target: Target, name: string | undefined, what: string): { project: ProjectConfig; env?: NodeJS.ProcessEnv } {
  if (target.kind === "project") return { project: target.project };
  const loc = target.workspace.locations.find((l) => l.name === name);
  const project = loc && projectAt(loc.root);
  if (!loc || !project) {
    throw new StrataError("PLAN_INVALID", `No code location "${name ?? "?"}" in this workspace to run ${what}`, {
      hint: `Locations: ${target.workspace.locations.map((l) => l.name).join(", ")}. Run \`strata check defs\` to see which load.`,
    });
  }
  return { project: { ...project, location: loc.name, workspace: true }, env: locationEnv(loc.root) };
}
