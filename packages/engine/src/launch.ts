import {
  StrataError,
  newRunId,
  planRun,
  resolveRunPartitions,
  selectAssets,
  type PartitionKeyRange,
  type AssetGraph,
  type ExecutionPlan,
  type RunRecord,
} from "@strata/core";
import type { Storage } from "@strata/storage";
import { loadDynamicPartitions } from "./dynamic-partitions.ts";

export interface RunRequest {
  /** Asset selection (Strata/Dagster syntax); all assets when omitted and no assetKeys. */
  selection?: string;
  assetKeys?: string[];
  checkKeys?: string[];
  tags?: Record<string, string>;
  partitionKey?: string;
  /** A range of partition keys materialised in one run (the function sees ctx.partitionKeyRange). */
  partitionRange?: PartitionKeyRange;
  parentRunId?: string;
  rootRunId?: string;
  config?: Record<string, unknown>;
  /** Record the run QUEUED (the daemon's run queue starts it within its limits) instead of STARTING. */
  queued?: boolean;
}

/**
 * Validates a request against the graph (selection syntax, empty selection, multi-asset
 * subsets) and records the run as STARTING (or QUEUED with `queued`). Nothing is written when
 * validation fails.
 */
export async function createRun(storage: Storage, graph: AssetGraph, req: RunRequest): Promise<{ run: RunRecord; plan: ExecutionPlan }> {
  const keys = req.assetKeys ?? [...(req.selection ? selectAssets(req.selection, graph) : graph.keys())];
  if (keys.length === 0) {
    throw new StrataError("SELECTION_EMPTY", req.selection ? `The selection "${req.selection}" matches no assets` : "The project defines no assets", {
      hint: "Run `strata list` to see the asset keys, groups and tags you can select.",
    });
  }
  const plan = planRun(graph, keys, req.checkKeys ? { checkKeys: req.checkKeys } : {});
  const now = Date.now();
  resolveRunPartitions(
    graph,
    plan.assetKeys,
    { ...(req.partitionKey !== undefined ? { partitionKey: req.partitionKey } : {}), ...(req.partitionRange ? { partitionRange: req.partitionRange } : {}) },
    { now, dynamic: await loadDynamicPartitions(storage, graph) },
  );
  const run: RunRecord = {
    runId: newRunId(now),
    status: req.queued ? "QUEUED" : "STARTING",
    selection: req.selection ?? (req.assetKeys ? req.assetKeys.join(" or ") : "*"),
    assetKeys: plan.assetKeys,
    checkKeys: plan.checkKeys,
    tags: { ...(req.tags ?? {}), ...partitionTags(req) },
    location: graph.snapshot.location,
    ...(req.parentRunId ? { parentRunId: req.parentRunId, rootRunId: req.rootRunId ?? req.parentRunId } : {}),
    ...(req.partitionKey !== undefined ? { partitionKey: req.partitionKey } : {}),
    createdAt: now,
    updatedAt: now,
    config: { ...(req.config ?? {}), ...(req.partitionRange ? { partitionRange: req.partitionRange } : {}) },
  };
  await storage.createRun(run);
  return { run, plan };
}

/** Tags that make partitioned runs findable (`strata runs --tag strata/partition=2024-08-01`). */
function partitionTags(req: RunRequest): Record<string, string> {
  if (req.partitionKey !== undefined) return { "strata/partition": req.partitionKey };
  if (req.partitionRange) {
    return { "strata/partition_range_start": req.partitionRange.start, "strata/partition_range_end": req.partitionRange.end };
  }
  return {};
}

/**
 * Builds the request that re-executes `parent` from failure: the assets it planned but did not
 * materialise, with their checks. Throws when there is nothing to re-execute.
 */
export async function reexecutionRequest(storage: Storage, graph: AssetGraph, parent: RunRecord): Promise<RunRequest> {
  if (parent.status !== "FAILURE" && parent.status !== "CANCELED") {
    throw new StrataError("RUN_INVALID_STATE", `Run ${parent.runId} is ${parent.status}; only failed or canceled runs can be re-executed from failure`, {
      hint: "Re-execute all of it instead: strata materialize --select with the same selection.",
    });
  }
  const events = await storage.getEvents(parent.runId, { types: ["ASSET_MATERIALIZATION"] });
  const done = new Set(events.map((e) => e.assetKey!).filter(Boolean));
  const keys = parent.assetKeys.filter((k) => !done.has(k) && graph.has(k));
  if (keys.length === 0) {
    throw new StrataError("RUN_INVALID_STATE", `Every asset of run ${parent.runId} was materialised; nothing to re-execute`);
  }
  const keySet = new Set(keys);
  // Standalone checks on assets not re-executed run again only if they did not pass.
  const evaluations = await storage.getEvents(parent.runId, { types: ["ASSET_CHECK_EVALUATION"] });
  const passed = new Set<string>();
  const notPassed = new Set<string>();
  for (const e of evaluations) if (e.checkKey) (e.data?.check?.passed ? passed : notPassed).add(e.checkKey);
  return {
    assetKeys: keys,
    checkKeys: parent.checkKeys.filter((c) => {
      const check = graph.check(c);
      if (check === undefined) return false;
      if (keySet.has(check.asset)) return true;
      return !check.inline && !(passed.has(c) && !notPassed.has(c));
    }),
    tags: { ...parent.tags, "strata/parent_run_id": parent.runId },
    parentRunId: parent.runId,
    rootRunId: parent.rootRunId ?? parent.runId,
    ...(parent.partitionKey !== undefined ? { partitionKey: parent.partitionKey } : {}),
    ...(parent.config.partitionRange ? { partitionRange: parent.config.partitionRange as PartitionKeyRange } : {}),
    selection: `re-execution of ${parent.runId} from failure`,
  };
}
