import { relative } from "node:path";
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
  // Schedule and sensor state is stored by name in the workspace's one instance: names are global too.
  const instigators = new Map<string, string>();
  for (const loc of locations) {
    if (!loc.snapshot || loc.error) continue;
    for (const i of [...(loc.snapshot.schedules ?? []), ...(loc.snapshot.sensors ?? [])]) {
      const prev = instigators.get(i.name);
      if (prev === undefined) {
        instigators.set(i.name, loc.name);
        continue;
      }
      loc.error = new StrataError("DEFS_DUPLICATE_KEY", `Schedule or sensor "${i.name}" is defined by two code locations: ${prev} and ${loc.name}`, {
        where: formatCodeRef(i.codeRef, root) ?? loc.name,
        hint: "Schedule and sensor names are global in a workspace (their state and ticks are stored by name): rename one.",
      });
      break;
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
    schedules: ok.flatMap((l) => l.snapshot!.schedules ?? []),
    sensors: ok.flatMap((l) => l.snapshot!.sensors ?? []),
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

/**
 * The parts (of {@link planAcrossLocations}) that must not run when `failed`'s part did not
 * succeed: those with an asset downstream, at any distance, of one of its assets. Independent
 * parts are left out, so they still run.
 */
export function partsDownstreamOf(graph: AssetGraph, parts: readonly { location: string; keys: string[] }[], failed: string): string[] {
  const part = parts.find((p) => p.location === failed);
  if (!part) return [];
  const below = graph.downstream(part.keys.filter((k) => graph.has(k)));
  return parts.filter((p) => p.location !== failed && p.keys.some((k) => below.has(k))).map((p) => p.location);
}

/**
 * For each part of a run split across locations (in {@link planAcrossLocations} order), the
 * indexes of the earlier parts it must wait for: those with an asset upstream, at any
 * distance, of one of its own. An independent part waits for none.
 *
 * @example
 * upstreamParts(graph, [{ keys: ["raw"] }, { keys: ["mart"] }, { keys: ["other"] }]); // [[], [0], []]
 */
export function upstreamParts(graph: AssetGraph, parts: readonly { keys: readonly string[] }[]): number[][] {
  const below = parts.map((p) => graph.downstream(p.keys.filter((k) => graph.has(k))));
  return parts.map((p, j) => parts.slice(0, j).flatMap((_, i) => (p.keys.some((k) => below[i]!.has(k)) ? [i] : [])));
}
