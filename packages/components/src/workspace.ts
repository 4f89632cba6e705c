import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import {
  AssetGraph,
  closest,
  DEFAULT_EXECUTOR,
  formatCodeRef,
  kahn,
  StrataError,
  type AssetNodeSnapshot,
  type DefinitionsSnapshot,
} from "@strata/core";
import { z } from "zod";
import { problemsError, type Problem } from "./problems.ts";
import { parseYamlFile } from "./yaml-source.ts";

/** One code location of a workspace: a project folder loaded in its own process. */
export interface WorkspaceLocation {
  /** Location name (workspace.yaml `name`, else the project's package name or folder name). */
  name: string;
  /** Absolute project folder. */
  root: string;
}

export interface Workspace {
  /** Folder holding workspace.yaml (the instance lives in `<root>/.strata`). */
  root: string;
  /** workspace.yaml, or package.json when declared there. */
  file: string;
  locations: WorkspaceLocation[];
}

export const WORKSPACE_FILES = ["workspace.yaml", "workspace.yml"];

const locationEntry = z.union([
  z.string().min(1),
  z.strictObject({ path: z.string().min(1), name: z.string().regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . -").optional() }),
]);
const workspaceSchema = z.strictObject({ locations: z.array(locationEntry).min(1) });

/**
 * Reads the workspace declared at `dir` exactly: `workspace.yaml`
 *
 * ```yaml
 * locations:
 *   - ingestion                       # a folder (a Strata project)
 *   - { path: teams/analytics, name: analytics }
 * ```
 *
 * or `"strata": { "workspace": ["ingestion", "analytics"] }` in package.json.
 */
export function workspaceAt(dir: string): Workspace | undefined {
  const root = resolve(dir);
  const yamlName = WORKSPACE_FILES.find((f) => existsSync(join(root, f)));
  let raw: unknown;
  let file: string;
  let problemsAt: (path: (string | number)[]) => { line: number; col: number } = () => ({ line: 1, col: 1 });
  if (yamlName) {
    file = join(root, yamlName);
    const parsed = parseYamlFile(file, readFileSync(file, "utf8"), yamlName);
    if (parsed.problems.length) throw problemsError(parsed.problems);
    const doc = parsed.docs[0];
    raw = doc?.value;
    if (doc) problemsAt = (p) => doc.pos(p);
  } else {
    const pkg = join(root, "package.json");
    if (!existsSync(pkg)) return undefined;
    let field: unknown;
    try {
      field = (JSON.parse(readFileSync(pkg, "utf8")) as { strata?: { workspace?: unknown } }).strata?.workspace;
    } catch {
      return undefined;
    }
    if (field === undefined) return undefined;
    file = pkg;
    raw = { locations: field };
  }
  const r = workspaceSchema.safeParse(raw);
  const display = relative(process.cwd(), file) || file;
  if (!r.success) {
    throw problemsError(
      r.error.issues.map((i): Problem => ({
        code: "WORKSPACE_INVALID",
        message: `${i.path.join(".") || "workspace"}: ${i.message}`,
        file: display,
        ...problemsAt(i.path as (string | number)[]),
        hint: "workspace.yaml lists code locations: `locations: [ingestion, { path: analytics, name: analytics }]`.",
      })),
    );
  }
  const seen = new Map<string, string>();
  const locations = r.data.locations.map((e, i) => {
    const path = typeof e === "string" ? e : e.path;
    const locRoot = resolve(root, path);
    if (!existsSync(locRoot) || !statSync(locRoot).isDirectory()) {
      const p = problemsAt(["locations", i]);
      throw new StrataError("WORKSPACE_INVALID", `Code location folder "${path}" does not exist`, { where: `${display}:${p.line}:${p.col}` });
    }
    const name = (typeof e === "object" && e.name) || packageName(locRoot) || basename(locRoot);
    if (seen.has(name)) {
      const p = problemsAt(["locations", i]);
      throw new StrataError("WORKSPACE_INVALID", `Two code locations are named "${name}" (${seen.get(name)} and ${path})`, {
        where: `${display}:${p.line}:${p.col}`,
        hint: "Give one of them a `name:`.",
      });
    }
    seen.set(name, path);
    return { name, root: locRoot };
  });
  return { root, file, locations };
}

function packageName(dir: string): string | undefined {
  try {
    const name = (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; strata?: { location?: string } });
    const n = name.strata?.location ?? name.name;
    return n ? n.replace(/^@/, "").replace(/[^A-Za-z0-9_.-]+/g, "_") : undefined;
  } catch {
    return undefined;
  }
}

/** The outcome of loading one location: its snapshot, or the error it failed with. */
export interface LocationLoadResult {
  name: string;
  root: string;
  snapshot?: DefinitionsSnapshot;
  error?: Error;
}

export interface CombinedWorkspace {
  /** All loaded locations' assets and checks (each asset carries its `location`). */
  snapshot: DefinitionsSnapshot;
  /** Locations with their final state: workspace-level errors are attached to the location at fault. */
  locations: LocationLoadResult[];
}

/**
 * Validates loaded locations together: an asset key defined by two locations is an error
 * naming both locations and files (the later location is marked failed); a dep that no
 * location defines is an error of the location that declares it; a cycle across locations is
 * an error. Locations that failed to load are left out and do not stop the others.
 */
export function combineWorkspace(root: string, results: readonly LocationLoadResult[]): CombinedWorkspace {
  const locations = results.map((r) => ({ ...r }));
  const owner = new Map<string, { loc: LocationLoadResult; node: AssetNodeSnapshot }>();
  const where = (loc: LocationLoadResult, a: AssetNodeSnapshot) =>
    `${loc.name} (${formatCodeRef(a.codeRef, root) ?? relative(root, loc.root)})`;
  for (const loc of locations) {
    if (!loc.snapshot) continue;
    for (const a of loc.snapshot.assets) {
      const prev = owner.get(a.key);
      if (prev && !loc.error) {
        loc.error = new StrataError("DEFS_DUPLICATE_KEY", `Asset key "${a.key}" is defined by two code locations: ${where(prev.loc, prev.node)} and ${where(loc, a)}`, {
          assetKey: a.key,
          where: formatCodeRef(a.codeRef, root) ?? loc.name,
          hint: "Asset keys are global in a workspace: rename one, or give one location's assets a key prefix.",
        });
      } else if (!prev) owner.set(a.key, { loc, node: a });
    }
  }
  // Keys of locations that failed do not count as defined.
  for (const [k, v] of owner) if (v.loc.error) owner.delete(k);
  const failedNames = locations.filter((l) => l.error).map((l) => l.name);
  for (const loc of locations) {
    // With a failed location, a missing dep is probably one of its assets: the others keep working.
    if (!loc.snapshot || loc.error || failedNames.length) continue;
    for (const a of loc.snapshot.assets) {
      const missing = a.deps.find((d) => !owner.has(d.key));
      if (!missing) continue;
      const hint = closest(missing.key, owner.keys());
      loc.error = new StrataError("DEFS_UNKNOWN_DEP", `Asset "${a.key}" (location ${loc.name}) depends on "${missing.key}", which no code location defines`, {
        assetKey: a.key,
        where: formatCodeRef(a.codeRef, root) ?? loc.name,
        hint: hint ? `Did you mean "${hint}"?` : "Define that asset in one of the workspace's locations, or remove the dependency.",
      });
      break;
    }
  }
  const ok = locations.filter((l) => l.snapshot && !l.error);
  const snapshot: DefinitionsSnapshot = {
    version: 1,
    location: "workspace",
    root,
    assets: ok.flatMap((l) => l.snapshot!.assets),
    checks: ok.flatMap((l) => l.snapshot!.checks),
    resources: ok.flatMap((l) => l.snapshot!.resources),
    executor: DEFAULT_EXECUTOR,
    pools: Object.assign({}, ...ok.map((l) => l.snapshot!.pools)),
  };
  const cycle = AssetGraph.fromSnapshot(snapshot).findCycle();
  if (cycle) {
    throw new StrataError("DEFS_CYCLE", `Assets form a cycle across code locations: ${cycle.join(" -> ")}`, {
      hint: "An asset cannot depend on itself through another location. Remove one of these deps.",
    });
  }
  return { snapshot, locations };
}

/**
 * Splits selected keys by location and orders the locations so each runs after the ones it
 * depends on (one run per location). Throws when locations depend on each other both ways
 * within the selection (then materialize each part separately).
 */
export function planAcrossLocations(snapshot: DefinitionsSnapshot, keys: Iterable<string>): { location: string; keys: string[] }[] {
  const byKey = new Map(snapshot.assets.map((a) => [a.key, a] as const));
  const groups = new Map<string, string[]>();
  const selected = new Set(keys);
  for (const k of selected) {
    const loc = byKey.get(k)?.location ?? snapshot.location;
    groups.set(loc, [...(groups.get(loc) ?? []), k]);
  }
  const parents = new Map<string, Set<string>>([...groups.keys()].map((l) => [l, new Set<string>()]));
  const children = new Map<string, Set<string>>([...groups.keys()].map((l) => [l, new Set<string>()]));
  for (const k of selected) {
    const a = byKey.get(k)!;
    for (const d of a.deps) {
      const up = byKey.get(d.key);
      if (!up || !selected.has(d.key) || up.location === a.location) continue;
      parents.get(a.location!)!.add(up.location!);
      children.get(up.location!)!.add(a.location!);
    }
  }
  const names = [...groups.keys()].sort();
  const order = kahn(names, (l) => [...parents.get(l)!], (l) => [...children.get(l)!]);
  if (order.length !== names.length) {
    throw new StrataError("PLAN_INVALID", `The selection needs code locations in a cycle (${names.filter((n) => !order.includes(n)).join(", ")}): one run per location cannot order them`, {
      hint: "Materialize the selection in parts, one location's assets at a time (e.g. --select 'code_location:ingestion').",
    });
  }
  return order.map((location) => ({ location, keys: groups.get(location)! }));
}
