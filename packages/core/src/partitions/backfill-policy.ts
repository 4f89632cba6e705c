import { StrataError } from "../errors.ts";
import { rangesFromIndices } from "./index-ranges.ts";
import { keySpace } from "./key-space.ts";
import type { PartitionKeyRange } from "./partition-key-range.ts";
import { partitionIndex } from "./partitions-api.ts";
import { timeIndex } from "./time-index.ts";
import type { PartitionContext, PartitionsDefinition, TimeWindow } from "./types.ts";

/**
 * How a backfill turns one asset's partitions into runs: `multi_run` with at most N partitions
 * per run (default N = 1: one run per partition), or `single_run`: one run per contiguous key
 * range, whose code reads the range / time window.
 *
 * @example
 * const policy: BackfillPolicy = multiRun(10);
 */
export type BackfillPolicy = { readonly kind: "multi_run"; readonly maxPartitionsPerRun: number } | { readonly kind: "single_run" };

/** One run per partition. */
export const DEFAULT_BACKFILL_POLICY: BackfillPolicy = Object.freeze({ kind: "multi_run", maxPartitionsPerRun: 1 });

/** One run per contiguous range of requested partitions. @example singleRun() */
export function singleRun(): BackfillPolicy {
  return Object.freeze({ kind: "single_run" as const });
}

/** Runs of at most `maxPartitionsPerRun` contiguous partitions. @example multiRun(7) */
export function multiRun(maxPartitionsPerRun = 1): BackfillPolicy {
  if (!Number.isInteger(maxPartitionsPerRun) || maxPartitionsPerRun < 1) {
    throw new StrataError("BACKFILL_INVALID", `maxPartitionsPerRun must be a positive integer, got ${maxPartitionsPerRun}`);
  }
  return Object.freeze({ kind: "multi_run" as const, maxPartitionsPerRun });
}

/** One planned run of a backfill for one asset. */
export interface BackfillRunPlan {
  /** Keys in definition order. */
  readonly keys: readonly string[];
  /** First and last key, for single-dimension definitions (the keys are exactly that range). */
  readonly range?: PartitionKeyRange;
  /** `[start of first window, end of last window)` for time-window definitions. */
  readonly timeWindow?: TimeWindow;
}

/**
 * Chunks one asset's requested partition keys into runs following `policy`. Keys are validated
 * (PARTITION_UNKNOWN_KEY), de-duplicated and ordered; runs never span a gap, so each run's keys
 * are one contiguous range of the definition. Multi-partition runs chunk in key order and carry
 * no range.
 *
 * @example
 * planBackfillRuns(days, ["2024-01-01", "2024-01-02", "2024-01-05"], singleRun(), { now });
 * // [{ keys: ["2024-01-01", "2024-01-02"], range: {...}, timeWindow: {...} }, { keys: ["2024-01-05"], ... }]
 */
export function planBackfillRuns(def: PartitionsDefinition, keys: Iterable<string>, policy: BackfillPolicy = DEFAULT_BACKFILL_POLICY, ctx?: PartitionContext): BackfillRunPlan[] {
  if (policy.kind === "multi_run") multiRun(policy.maxPartitionsPerRun);
  const space = keySpace(def, ctx);
  const indices: number[] = [];
  for (const k of keys) indices.push(partitionIndex(def, k, ctx, space));
  if (indices.length === 0) throw new StrataError("BACKFILL_INVALID", "A backfill needs at least one partition", { hint: "Pass keys, a range, or all missing/failed partitions." });
  const max = policy.kind === "single_run" ? Infinity : policy.maxPartitionsPerRun;
  const ix = def.kind === "time_window" ? timeIndex(def) : undefined;
  const runs: BackfillRunPlan[] = [];
  for (const [a, b] of rangesFromIndices(indices)) {
    for (let s = a; s <= b; s += max) {
      const e = Math.min(b, s + max - 1);
      const runKeys = Object.freeze(space.keys(s, e + 1));
      const plan: BackfillRunPlan = {
        keys: runKeys,
        ...(def.kind === "multi" ? {} : { range: Object.freeze({ start: runKeys[0]!, end: runKeys[runKeys.length - 1]! }) }),
        ...(ix === undefined ? {} : { timeWindow: Object.freeze({ start: new Date(ix.tick(s)), end: new Date(ix.tick(e + 1)) }) }),
      };
      runs.push(Object.freeze(plan));
    }
  }
  return runs;
}
