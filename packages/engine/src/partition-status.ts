import { summarizePartitionStatus, type AssetGraph, type PartitionContext, type PartitionFacts, type PartitionStatusSummary } from "@strata/core";
import type { Storage } from "@strata/storage";

/**
 * An asset's partition status summary, as `strata partitions` and the server show it: the
 * asset's facts from the packed status summary, plus (for staleness) the partitions of each
 * partitioned parent materialised after the asset's oldest materialisation.
 */
export async function readPartitionStatus(storage: Storage, graph: AssetGraph, assetKey: string, ctx: PartitionContext): Promise<PartitionStatusSummary> {
  const own = await storage.getPartitionFacts(assetKey);
  let oldest = Infinity;
  for (const f of own.facts) if (f.status === "materialized") oldest = Math.min(oldest, f.lastMaterializedAt ?? 0);
  const upstream = new Map<string, PartitionFacts>();
  // Nothing materialised: nothing can be stale, no upstream read.
  if (oldest !== Infinity) {
    for (const p of graph.parents(assetKey)) if (graph.partitionsOf(p)) upstream.set(p, await storage.getPartitionFacts(p, { materializedAfter: oldest }));
  }
  return summarizePartitionStatus(graph, assetKey, own, upstream, ctx);
}
