import type { AssetGraph } from "../graph.ts";
import { planBackfillRuns, type BackfillPolicy } from "../partitions/backfill-policy.ts";
import type { PartitionKeyRange } from "../partitions/partition-key-range.ts";
import type { PartitionContext, PartitionsDefinition } from "../partitions/types.ts";
import { union, type AssetSlice, type Ranges } from "./asset-slice.ts";
import { fnv1a } from "./evaluation-state.ts";

/** One run the automation daemon should launch. */
export interface AutomationRunRequest {
  /** Sorted asset keys the run materialises. */
  assetKeys: string[];
  /**
   * Partition keys of the run: one key, or a contiguous range when every asset's backfill policy
   * is `singleRun()` / `multiRun(n > 1)`. Absent for unpartitioned runs.
   */
  partitionKeys?: string[];
  /** First and last key of a range run (absent for multi-partitions and single keys). */
  partitionRange?: PartitionKeyRange;
  /** Deterministic id of this request within a tick (assets + partitions): use `<tick id>:<requestKey>` as run key. */
  requestKey: string;
}

/**
 * Groups the requested asset partitions into runs: assets sharing a partitions definition and
 * key go in one run (unpartitioned assets: one run), so a chain becomes a single run. Assets of a
 * multi-asset that cannot be subset are added with their siblings.
 */
export function buildRunRequests(
  graph: AssetGraph,
  requested: Map<string, Ranges>,
  sliceOf: (key: string) => AssetSlice,
  ctx: PartitionContext,
): AutomationRunRequest[] {
  addSiblings(graph, requested, sliceOf);
  const unpartitioned: string[] = [];
  const byDef = new Map<PartitionsDefinition, Map<number, string[]>>();
  for (const [key, r] of requested) {
    const s = sliceOf(key);
    if (s.def === undefined) {
      unpartitioned.push(key);
      continue;
    }
    let perIndex = byDef.get(s.def);
    if (perIndex === undefined) byDef.set(s.def, (perIndex = new Map()));
    for (const [a, b] of r) {
      for (let i = a; i <= b; i++) {
        const list = perIndex.get(i);
        if (list === undefined) perIndex.set(i, [key]);
        else list.push(key);
      }
    }
  }
  const out: AutomationRunRequest[] = [];
  if (unpartitioned.length > 0) out.push(request(unpartitioned.sort(), undefined, undefined));
  for (const [def, perIndex] of byDef) {
    // Same asset set → one group of partitions, chunked by the assets' common backfill policy.
    const bySet = new Map<string, { assets: string[]; indices: number[] }>();
    for (const i of [...perIndex.keys()].sort((x, y) => x - y)) {
      const assets = perIndex.get(i)!.sort();
      const id = assets.join("\u0000");
      const g = bySet.get(id);
      if (g === undefined) bySet.set(id, { assets, indices: [i] });
      else g.indices.push(i);
    }
    for (const { assets, indices } of bySet.values()) {
      const slice = sliceOf(assets[0]!);
      const keys = indices.map((i) => slice.keyAt(i));
      const policy = commonPolicy(graph, assets);
      if (policy === undefined) {
        for (const k of keys) out.push(request(assets, [k], undefined));
      } else {
        for (const run of planBackfillRuns(def, keys, policy, ctx)) out.push(request(assets, [...run.keys], run.range && run.keys.length > 1 ? { ...run.range } : undefined));
      }
    }
  }
  return out;
}

function request(assetKeys: string[], partitionKeys: string[] | undefined, partitionRange: PartitionKeyRange | undefined): AutomationRunRequest {
  const part = partitionRange ? `${partitionRange.start}...${partitionRange.end}` : (partitionKeys ?? []).join(",");
  return {
    assetKeys,
    ...(partitionKeys === undefined ? {} : { partitionKeys }),
    ...(partitionRange === undefined ? {} : { partitionRange }),
    requestKey: fnv1a(`${assetKeys.join(",")}|${part}`),
  };
}

/** The backfill policy all assets share, when it groups partitions (undefined: one run per key). */
function commonPolicy(graph: AssetGraph, assets: string[]): BackfillPolicy | undefined {
  const first = graph.get(assets[0]!).backfillPolicy;
  if (first === undefined || (first.kind === "multi_run" && first.maxPartitionsPerRun === 1)) return undefined;
  const id = JSON.stringify(first);
  return assets.every((a) => JSON.stringify(graph.get(a).backfillPolicy) === id) ? first : undefined;
}

function addSiblings(graph: AssetGraph, requested: Map<string, Ranges>, sliceOf: (key: string) => AssetSlice): void {
  let byNode: Map<string, string[]> | undefined;
  for (const [key, r] of [...requested]) {
    const n = graph.get(key);
    if (n.canSubset) continue;
    byNode ??= groupByNode(graph);
    for (const sib of byNode.get(n.node) ?? []) {
      if (sib === key || sliceOf(sib).def !== sliceOf(key).def) continue;
      requested.set(sib, union(requested.get(sib) ?? [], r));
    }
  }
}

function groupByNode(graph: AssetGraph): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const a of graph.assets()) {
    const l = m.get(a.node);
    if (l === undefined) m.set(a.node, [a.key]);
    else l.push(a.key);
  }
  return m;
}
