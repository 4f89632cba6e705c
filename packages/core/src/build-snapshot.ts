import type { AssetsDefinition } from "./asset.ts";
import { checkKey } from "./asset-key.ts";
import { formatCodeRef, type CodeRef } from "./code-ref.ts";
import type { Definitions } from "./definitions.ts";
import { StrataError } from "./errors.ts";
import { AssetGraph, findCycle } from "./graph.ts";
import { snapshotResource, validateLiteralConfig } from "./resource.ts";
import type { AssetNodeSnapshot, CheckNodeSnapshot, DefinitionsSnapshot } from "./snapshot.ts";
import { closest } from "./suggest.ts";
import { snapshotAutomation } from "./automation/load.ts";
import { defaultMapping, partitionsToSnapshot, validateMapping, type PartitionsDefinition } from "./partitions/index.ts";

/** Resource keys that always exist: the engine provides a default for each. */
export const BUILTIN_RESOURCES: ReadonlySet<string> = new Set(["io_manager"]);

export interface BuildSnapshotOptions {
  location: string;
  root: string;
  /**
   * Lets assets depend on keys this location does not define (a code location of a workspace:
   * another location defines them, and the workspace validates the deps across locations).
   * Default false: an unknown dep is an error.
   */
  allowUnknownDeps?: boolean;
}

/**
 * Validates definitions and turns them into the JSON snapshot every other process uses.
 * Throws one clear {@link StrataError} (code, asset key, file:line) for the first problem:
 * duplicate keys (both places), unknown deps (closest key suggested), unknown resources,
 * invalid resource config, cycles (the cycle printed). Linear in the size of the graph.
 */
export function buildSnapshot(defs: Definitions, options: BuildSnapshotOptions): DefinitionsSnapshot {
  const rel = (ref: CodeRef | undefined) => formatCodeRef(ref, options.root);
  const assets: AssetNodeSnapshot[] = [];
  const byKey = new Map<string, { node: AssetNodeSnapshot; def: AssetsDefinition }>();
  const nodeNames = new Map<string, AssetsDefinition>();

  for (const def of defs.assets) {
    // Keys are checked before step names: two assets with one key also share a step name,
    // and "key defined twice" is the message that helps.
    for (const spec of def.specs) {
      const prev = byKey.get(spec.key);
      if (prev) {
        throw new StrataError("DEFS_DUPLICATE_KEY", `Asset key "${spec.key}" is defined twice`, {
          assetKey: spec.key,
          where: rel(spec.codeRef),
          hint: `First defined at ${rel(prev.node.codeRef) ?? "(unknown)"}, again at ${rel(spec.codeRef) ?? "(unknown)"}. Rename one, or use keyPrefix.`,
        });
      }
      const node: AssetNodeSnapshot = {
        key: spec.key,
        node: def.name,
        deps: spec.deps.map((d) => ({ ...d })),
        group: spec.group,
        kinds: [...spec.kinds],
        tags: { ...spec.tags },
        owners: [...spec.owners],
        ...(spec.description !== undefined ? { description: spec.description } : {}),
        ...(spec.codeVersion !== undefined ? { codeVersion: spec.codeVersion } : {}),
        metadata: spec.metadata,
        resources: [...def.resources],
        ...(def.retry ? { retry: def.retry } : {}),
        ...(def.pool ? { pool: def.pool } : {}),
        io: def.io,
        canSubset: def.canSubset,
        ...(def.external ? { external: true as const } : {}),
        checks: [],
        ...(spec.codeRef ? { codeRef: spec.codeRef } : {}),
        location: options.location,
        ...(spec.partitions ? { partitions: partitionsToSnapshot(spec.partitions) } : {}),
        ...(spec.backfillPolicy ? { backfillPolicy: spec.backfillPolicy } : {}),
        ...(spec.automation ? { automation: spec.automation } : {}),
        ...(spec.freshness ? { freshness: spec.freshness } : {}),
      };
      byKey.set(spec.key, { node, def });
      assets.push(node);
    }
    const other = nodeNames.get(def.name);
    if (other) {
      throw new StrataError("DEFS_DUPLICATE_KEY", `Two definitions are named "${def.name}"`, {
        assetKey: def.key,
        where: rel(def.codeRef),
        hint: `The other is at ${rel(other.codeRef) ?? "(unknown location)"}. Give one a different name or key.`,
      });
    }
    nodeNames.set(def.name, def);
  }

  const checks: CheckNodeSnapshot[] = [];
  const checkKeys = new Set<string>();
  const addCheck = (c: CheckNodeSnapshot, ref: CodeRef | undefined) => {
    const target = byKey.get(c.asset);
    if (!target) {
      const hint = closest(c.asset, byKey.keys());
      throw new StrataError("DEFS_UNKNOWN_DEP", `Check "${c.name}" is on unknown asset "${c.asset}"`, {
        where: rel(ref),
        assetKey: c.asset,
        hint: hint ? `Did you mean "${hint}"?` : "Define the asset, or fix the key.",
      });
    }
    if (checkKeys.has(c.key)) {
      throw new StrataError("DEFS_DUPLICATE_KEY", `Check "${c.name}" is defined twice on "${c.asset}"`, {
        where: rel(ref),
        assetKey: c.asset,
      });
    }
    checkKeys.add(c.key);
    target.node.checks.push(c.key);
    checks.push(c);
  };
  for (const { node, def } of byKey.values()) {
    const spec = def.specs.find((s) => s.key === node.key)!;
    for (const c of spec.checks) {
      addCheck(
        {
          key: checkKey(node.key, c.name),
          asset: node.key,
          name: c.name,
          blocking: c.blocking,
          severity: c.severity,
          ...(c.description ? { description: c.description } : {}),
          node: def.name,
          inline: true,
          resources: [...def.resources],
          ...(spec.codeRef ? { codeRef: spec.codeRef } : {}),
        },
        spec.codeRef,
      );
    }
  }
  for (const c of defs.checks) {
    addCheck(
      {
        key: checkKey(c.asset, c.name),
        asset: c.asset,
        name: c.name,
        blocking: c.blocking,
        severity: c.severity,
        ...(c.description ? { description: c.description } : {}),
        node: `${c.asset.replaceAll("/", "__")}__check__${c.name}`,
        inline: false,
        resources: [...c.resources],
        ...(c.codeRef ? { codeRef: c.codeRef } : {}),
      },
      c.codeRef,
    );
  }

  for (const a of assets) {
    for (const d of a.deps) {
      if (byKey.has(d.key) || options.allowUnknownDeps) continue;
      const hint = closest(d.key, byKey.keys());
      throw new StrataError("DEFS_UNKNOWN_DEP", `Asset "${a.key}" depends on unknown asset "${d.key}"`, {
        assetKey: a.key,
        where: rel(a.codeRef),
        hint: hint ? `Did you mean "${hint}"?` : "Define that asset, or remove the dependency.",
      });
    }
  }

  for (const [name, r] of Object.entries(defs.resources)) {
    try {
      validateLiteralConfig(name, r);
    } catch (err) {
      const user = [...byKey.values()].find((v) => v.node.resources.includes(name));
      throw withWhere(err, rel(r.codeRef) ?? (user ? rel(user.node.codeRef) : undefined));
    }
  }
  const known = (name: string) => BUILTIN_RESOURCES.has(name) || name in defs.resources;
  const requireResource = (name: string, who: string, ref: CodeRef | undefined, assetKey: string) => {
    if (known(name)) return;
    const hint = closest(name, Object.keys(defs.resources));
    throw new StrataError("DEFS_UNKNOWN_RESOURCE", `${who} needs resource "${name}", which is not defined`, {
      assetKey,
      where: rel(ref),
      hint: hint ? `Did you mean "${hint}"?` : `Add it to defineDefinitions({ resources: { ${name}: ... } }).`,
    });
  };
  for (const a of assets) {
    for (const r of a.resources) requireResource(r, `Asset "${a.key}"`, a.codeRef, a.key);
    requireResource(a.io, `Asset "${a.key}" (as its I/O manager)`, a.codeRef, a.key);
  }
  for (const c of checks) for (const r of c.resources) requireResource(r, `Check "${c.key}"`, c.codeRef, c.asset);

  const snapshot: DefinitionsSnapshot = {
    version: 1,
    location: options.location,
    root: options.root,
    assets,
    checks,
    resources: Object.entries(defs.resources).map(([n, r]) => snapshotResource(n, r)),
    executor: { ...defs.executor, tagConcurrencyLimits: [...defs.executor.tagConcurrencyLimits] },
    pools: { ...defs.pools },
  };
  validateAcyclic(snapshot, rel);
  validatePartitionMappings(snapshot, rel);
  Object.assign(snapshot, snapshotAutomation(defs.schedules, defs.sensors, AssetGraph.fromSnapshot(snapshot), rel));
  return snapshot;
}

/** Every dep between partitioned assets needs a mapping that fits both definitions. */
function validatePartitionMappings(snapshot: DefinitionsSnapshot, rel: (r: CodeRef | undefined) => string | undefined): void {
  const byKey = new Map(snapshot.assets.map((a) => [a.key, a] as const));
  for (const a of snapshot.assets) {
    for (const d of a.deps) {
      const up = byKey.get(d.key);
      // An external dep (workspace location): its partitions are checked by the workspace.
      if (!up) continue;
      if (!a.partitions && !up.partitions && !d.partitionMapping) continue;
      try {
        const down = a.partitions as PartitionsDefinition | undefined;
        const upDef = up.partitions as PartitionsDefinition | undefined;
        validateMapping(d.partitionMapping ?? defaultMapping(upDef, down), upDef, down);
      } catch (err) {
        const e = err as StrataError;
        throw new StrataError("PARTITION_MAPPING", `Asset "${a.key}" cannot depend on "${d.key}": ${e.message}`, {
          assetKey: a.key,
          where: rel(a.codeRef),
          hint: e.hint ?? "Give the dependency an explicit partitionMapping: { asset, partitionMapping: ... }.",
        });
      }
    }
  }
}

function validateAcyclic(snapshot: DefinitionsSnapshot, rel: (r: CodeRef | undefined) => string | undefined): void {
  const graph = AssetGraph.fromSnapshot(snapshot);
  const cycle = graph.findCycle();
  if (cycle) {
    const first = graph.get(cycle[0]!);
    throw new StrataError("DEFS_CYCLE", `Assets form a cycle: ${cycle.join(" -> ")}`, {
      assetKey: first.key,
      where: rel(first.codeRef),
      hint: "An asset cannot depend on itself through its downstream. Remove one of these deps.",
    });
  }
  // Multi-assets can create a cycle between steps even when assets are acyclic.
  const stepParents = new Map<string, Set<string>>();
  for (const a of snapshot.assets) {
    const s = stepParents.get(a.node) ?? new Set<string>();
    for (const d of a.deps) {
      const p = graph.find(d.key)?.node;
      if (p !== undefined && p !== a.node) s.add(p);
    }
    stepParents.set(a.node, s);
  }
  const steps = [...stepParents.keys()];
  const stepCycle = findCycle(steps, (s) => [...(stepParents.get(s) ?? [])]);
  if (stepCycle) {
    const first = snapshot.assets.find((a) => a.node === stepCycle[0]);
    throw new StrataError("DEFS_CYCLE", `Steps form a cycle through a multi-asset: ${stepCycle.join(" -> ")}`, {
      ...(first ? { assetKey: first.key, where: rel(first.codeRef) } : {}),
      hint: "Split the multi-asset so none of its assets depends on another step that depends on it.",
    });
  }
}

function withWhere(err: unknown, where: string | undefined): unknown {
  if (err instanceof StrataError && !err.where && where) {
    return new StrataError(err.code, err.message, { where, hint: err.hint, assetKey: err.assetKey, cause: err.cause });
  }
  return err;
}
