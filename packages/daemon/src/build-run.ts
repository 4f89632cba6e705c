import { newRunId, planRun, resolveRunPartitions, selectAssets, StrataError, type AssetGraph, type PartitionKeyRange, type RunRecord } from "@strata/core";
import type { Storage } from "@strata/storage";
import { loadDynamicPartitions, planAcrossLocations } from "@strata/engine";
import { TAGS } from "./keys.ts";

/** A run the daemon plans (stored in its tick before the run exists). */
export interface PlannedRun {
  /** Idempotency key, unique per instigator. */
  runKey: string;
  selection?: string;
  assetKeys?: string[];
  partitionKey?: string;
  partitionRange?: PartitionKeyRange;
  tags?: Record<string, string>;
  config?: Record<string, unknown>;
}

/**
 * Validates a planned run against the graph and builds its QUEUED record (the queue loop starts
 * it when limits allow). Throws a StrataError when the selection or partition is invalid.
 */
export async function buildQueuedRun(storage: Storage, graph: AssetGraph, p: PlannedRun, now = Date.now()): Promise<RunRecord> {
  const keys = p.assetKeys ?? (p.selection ? [...selectAssets(p.selection, graph)] : []);
  if (keys.length === 0) throw new StrataError("SELECTION_EMPTY", `Run request ${p.runKey}: the selection "${p.selection ?? ""}" matches no assets`);
  for (const k of keys) if (!graph.has(k)) throw new StrataError("SELECTION_EMPTY", `Run request ${p.runKey}: unknown asset "${k}"`);
  const plan = planRun(graph, keys);
  resolveRunPartitions(
    graph,
    plan.assetKeys,
    { ...(p.partitionKey !== undefined ? { partitionKey: p.partitionKey } : {}), ...(p.partitionRange ? { partitionRange: p.partitionRange } : {}) },
    { now, dynamic: await loadDynamicPartitions(storage, graph) },
  );
  const partitionTags: Record<string, string> =
    p.partitionKey !== undefined
      ? { "strata/partition": p.partitionKey }
      : p.partitionRange
        ? { "strata/partition_range_start": p.partitionRange.start, "strata/partition_range_end": p.partitionRange.end }
        : {};
  return {
    runId: newRunId(now),
    status: "QUEUED",
    selection: p.selection ?? keys.join(" or "),
    assetKeys: plan.assetKeys,
    checkKeys: plan.checkKeys,
    tags: { ...(p.tags ?? {}), ...partitionTags, "strata/run_key": p.runKey },
    location: graph.find(plan.assetKeys[0]!)?.location ?? graph.snapshot.location,
    ...(p.partitionKey !== undefined ? { partitionKey: p.partitionKey } : {}),
    createdAt: now,
    updatedAt: now,
    config: { ...(p.config ?? {}), ...(p.partitionRange ? { partitionRange: p.partitionRange } : {}) },
  };
}

/**
 * A planned run whose assets belong to several code locations of a workspace becomes one
 * planned run per location, in dependency order (a run executes in one location): the first
 * keeps the run key, the others get `<runKey>@<location>` and wait in the queue for the part
 * before them (`completeTick` tags them). Others are returned as they are.
 */
export function splitByLocation(graph: AssetGraph, p: PlannedRun): PlannedRun[] {
  const keys = p.assetKeys ?? (p.selection ? [...selectAssets(p.selection, graph)] : []);
  const locations = new Set(keys.map((k) => graph.find(k)?.location));
  if (locations.size <= 1) return [p];
  const parts = planAcrossLocations(graph.snapshot, keys);
  return parts.map((part, i) => {
    const { selection: _selection, ...rest } = p;
    return {
      ...rest,
      runKey: i === 0 ? p.runKey : `${p.runKey}@${part.location}`,
      assetKeys: part.keys,
      tags: { ...(p.tags ?? {}), [TAGS.workspacePart]: `${i + 1}/${parts.length}` },
    };
  });
}
