import {
  StrataError,
  newRunId,
  planBackfill,
  selectAssets,
  type AssetGraph,
  type BackfillChunkPlan,
  type BackfillPartitions,
  type PartitionKeyRange,
} from "@strata/core";
import type { BackfillChunkRecord, BackfillRecord, PartitionStatus, Storage } from "@strata/storage";
import { loadDynamicPartitions } from "../dynamic-partitions.ts";

export interface BackfillRequestInput {
  selection: string;
  /** A range `A...B`, explicit keys, or every partition. */
  partitions: { range: PartitionKeyRange } | { ranges: PartitionKeyRange[] } | { keys: string[] } | { all: true };
  /** Only partitions that are missing / failed now (both: either). */
  onlyMissing?: boolean;
  onlyFailed?: boolean;
  maxConcurrentRuns?: number;
  tags?: Record<string, string>;
}

/**
 * Validates and plans a backfill, then stores it with all its chunks in one transaction.
 * Nothing is written when the request is invalid (unknown keys, inverted ranges, ...).
 */
export async function createBackfill(
  storage: Storage,
  graph: AssetGraph,
  req: BackfillRequestInput,
  now = Date.now(),
): Promise<{ backfill: BackfillRecord; chunks: BackfillChunkRecord[] }> {
  const maxConcurrentRuns = req.maxConcurrentRuns ?? 4;
  if (!Number.isInteger(maxConcurrentRuns) || maxConcurrentRuns < 1) {
    throw new StrataError("BACKFILL_INVALID", `The cap on concurrent runs must be a whole number ≥ 1 (got ${maxConcurrentRuns})`);
  }
  const assetKeys = [...selectAssets(req.selection, graph)];
  if (assetKeys.length === 0) {
    throw new StrataError("SELECTION_EMPTY", `The selection "${req.selection}" matches no assets`, {
      hint: "Run `strata list` to see the assets you can select.",
    });
  }
  const ctx = { now, dynamic: await loadDynamicPartitions(storage, graph) };
  const partitions: BackfillPartitions =
    "range" in req.partitions
      ? { kind: "range", ...req.partitions.range }
      : "ranges" in req.partitions
        ? { kind: "ranges", ranges: req.partitions.ranges }
        : "keys" in req.partitions
        ? { kind: "keys", keys: req.partitions.keys }
        : { kind: "all" };

  let filter: ((asset: string, key: string) => boolean) | undefined;
  if (req.onlyMissing || req.onlyFailed) {
    const statuses = new Map<string, Map<string, PartitionStatus>>();
    for (const key of assetKeys) {
      if (!graph.partitionsOf(key)) continue;
      const rows = await storage.getAssetPartitions(key);
      statuses.set(key, new Map(rows.map((r) => [r.partition, r.status] as const)));
    }
    filter = (asset, key) => {
      const s = statuses.get(asset)?.get(key) ?? "missing";
      return (req.onlyMissing === true && s === "missing") || (req.onlyFailed === true && s === "failed");
    };
  }
  const plan = planBackfill(graph, { assetKeys, partitions, ...(filter ? { filter } : {}) }, ctx);
  const backfillId = `bf-${newRunId(now)}`;
  const backfill: BackfillRecord = {
    backfillId,
    status: "REQUESTED",
    selection: req.selection,
    assetKeys,
    partitionSelection: {
      ...("range" in req.partitions ? { range: `${req.partitions.range.start}...${req.partitions.range.end}` } : {}),
      ...("ranges" in req.partitions ? { range: req.partitions.ranges.map((r) => `${r.start}...${r.end}`).join(",") } : {}),
      ...("keys" in req.partitions ? { keys: req.partitions.keys } : {}),
      ...("all" in req.partitions ? { all: true } : {}),
      ...(req.onlyMissing ? { missing: true } : {}),
      ...(req.onlyFailed ? { failed: true } : {}),
    },
    tags: req.tags ?? {},
    maxConcurrentRuns,
    location: graph.snapshot.location,
    createdAt: now,
    updatedAt: now,
  };
  const chunks = chunkRecords(backfillId, plan, now);
  await storage.createBackfill(backfill, chunks);
  return { backfill, chunks };
}

/** Stored chunk records for a planned backfill (all PENDING). */
export function chunkRecords(backfillId: string, plan: readonly BackfillChunkPlan[], now: number): BackfillChunkRecord[] {
  return plan.map((c) => ({
    backfillId,
    chunkId: c.chunkId,
    assetKeys: c.assetKeys,
    partitionKeys: c.partitionKeys,
    ...(c.partitionRange ? { partitionRange: c.partitionRange } : {}),
    dependsOn: c.dependsOn,
    needs: c.needs,
    status: "PENDING",
    attempts: 0,
    updatedAt: now,
  }));
}
