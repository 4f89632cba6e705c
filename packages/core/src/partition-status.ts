import type { AssetGraph } from "./graph.ts";
import {
  downstreamKeysFor,
  getPartitionKeys,
  keySpace,
  summarizeKeys,
  upstreamKeysFor,
  type KeyRangeSummary,
  type PartitionContext,
} from "./partitions/index.ts";

/** Display status of an asset partition. "stale": materialised, but an upstream partition is newer. */
export type PartitionDisplayStatus = "materialized" | "stale" | "failed" | "in_progress" | "missing";

/** What the partition index says about one partition (see the storage's AssetPartitionRecord). */
export interface PartitionFact {
  status: "materialized" | "failed" | "in_progress";
  lastMaterializedAt?: number;
}

export interface PartitionStatusSummary {
  assetKey: string;
  total: number;
  counts: Record<PartitionDisplayStatus, number>;
  /** Consecutive keys with the same status, in definition order. */
  ranges: KeyRangeSummary<PartitionDisplayStatus>[];
}

/**
 * Summarises an asset's partitions from index facts: counts per status and compact ranges.
 * A materialised partition is stale when any upstream partition it maps to (through the dep's
 * mapping) was materialised after it. Pure: the caller reads the facts from storage.
 */
export function summarizePartitionStatus(
  graph: AssetGraph,
  assetKey: string,
  facts: ReadonlyMap<string, PartitionFact>,
  upstreamFacts: ReadonlyMap<string, ReadonlyMap<string, PartitionFact>>,
  ctx: PartitionContext,
): PartitionStatusSummary {
  const def = graph.partitionsOf(assetKey);
  if (!def) throw new Error(`"${assetKey}" is not partitioned`);
  const keys = getPartitionKeys(def, ctx);
  const parents = graph.parents(assetKey).filter((p) => graph.partitionsOf(p) && upstreamFacts.has(p));
  const mappings = parents.flatMap((p) =>
    graph.mappingsFor(assetKey, p).map((mapping) => ({ p, mapping, up: graph.partitionsOf(p)!, facts: upstreamFacts.get(p)! })),
  );
  const counts: Record<PartitionDisplayStatus, number> = { materialized: 0, stale: 0, failed: 0, in_progress: 0, missing: 0 };
  // Only an upstream partition materialised after the oldest downstream materialisation can make
  // anything stale. Keep those; when they are fewer than the keys, map them downstream (the
  // inverse mapping) to find the only keys worth checking, instead of mapping every key upstream.
  let oldest = Infinity;
  for (const f of facts.values()) if (f.status === "materialized") oldest = Math.min(oldest, f.lastMaterializedAt ?? 0);
  const checks = mappings.flatMap((m) => {
    const space = keySpace(m.up, ctx);
    const newer: string[] = [];
    for (const [uk, f] of m.facts) if ((f.lastMaterializedAt ?? 0) > oldest && space.indexOf(uk) >= 0) newer.push(uk);
    if (newer.length === 0) return [];
    let candidates: Set<string> | undefined;
    if (newer.length < keys.length) {
      candidates = new Set();
      for (const uk of newer) for (const dk of downstreamKeysFor(m.mapping, m.up, def, uk, ctx)) candidates.add(dk);
    }
    return [{ ...m, candidates }];
  });
  const statusOf = (key: string): PartitionDisplayStatus => {
    const f = facts.get(key);
    if (!f) return "missing";
    if (f.status !== "materialized") return f.status;
    const at = f.lastMaterializedAt ?? 0;
    for (const m of checks) {
      if (m.candidates && !m.candidates.has(key)) continue;
      for (const uk of upstreamKeysFor(m.mapping, m.up, def, key, ctx)) {
        if ((m.facts.get(uk)?.lastMaterializedAt ?? 0) > at) return "stale";
      }
    }
    return "materialized";
  };
  const statuses = keys.map(statusOf);
  for (const s of statuses) counts[s]++;
  const ranges = summarizeKeys<PartitionDisplayStatus>(keys, (_k, i) => statuses[i]!, "missing");
  return { assetKey, total: keys.length, counts, ranges };
}
