import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseEnv } from "node:util";
import { StrataError } from "@strata/core";
import { findProject, instanceDirFor, openInstance, projectAt, startLocation, type Instance, type LocationHandle, type ProjectConfig } from "@strata/engine";
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
      const envFile = join(loc.root, ".env");
      const env = { ...(existsSync(envFile) ? parseEnv(readFileSync(envFile, "utf8")) : {}), ...process.env };
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
