import { StrataError } from "./errors.ts";
import type { AssetGraph } from "./graph.ts";
import {
  describePartitions,
  partitionKeysInRange,
  timeWindowForKey,
  upstreamKeysFor,
  validateKey,
  type PartitionContext,
  type PartitionKeyRange,
  type PartitionMapping,
  type TimeWindow,
} from "./partitions/index.ts";

/** What a run targets: one partition key, or a range of keys (single-run backfills). */
export interface RunPartitionRequest {
  partitionKey?: string;
  partitionRange?: PartitionKeyRange;
}

/** The partitions one asset materialises in a run. */
export interface AssetRunPartitions {
  keys: string[];
  range?: PartitionKeyRange;
  timeWindow?: TimeWindow;
}

/**
 * Checks a run's partition request against every selected asset and returns, for each
 * partitioned one, the keys it materialises. Errors name the asset and its valid range:
 * a partitioned asset without a partition, a key outside a definition, an inverted range,
 * a partition for a selection with no partitioned asset.
 */
export function resolveRunPartitions(
  graph: AssetGraph,
  assetKeys: readonly string[],
  req: RunPartitionRequest,
  ctx: PartitionContext,
): Map<string, AssetRunPartitions> {
  const out = new Map<string, AssetRunPartitions>();
  const partitioned = assetKeys.filter((k) => graph.partitionsOf(k) !== undefined);
  if (req.partitionKey === undefined && req.partitionRange === undefined) {
    if (partitioned.length > 0) {
      const first = partitioned[0]!;
      throw new StrataError("PARTITION_INVALID", `"${first}" is partitioned (${describePartitions(graph.partitionsOf(first)!, ctx)}); choose which partition to run`, {
        assetKey: first,
        hint: "Pass --partition <key> or --partition-range <start>...<end>, or start a backfill (strata backfill create).",
      });
    }
    return out;
  }
  if (req.partitionKey !== undefined && req.partitionRange !== undefined) {
    throw new StrataError("PARTITION_INVALID", "Give a partition key or a partition range, not both");
  }
  if (partitioned.length === 0) {
    throw new StrataError("PARTITION_INVALID", "None of the selected assets is partitioned, but a partition was given", {
      hint: "Drop --partition/--partition-range, or select partitioned assets.",
    });
  }
  for (const key of partitioned) {
    const def = graph.partitionsOf(key)!;
    try {
      if (req.partitionKey !== undefined) {
        validateKey(def, req.partitionKey, ctx);
        out.set(key, {
          keys: [req.partitionKey],
          ...(def.kind === "time_window" ? { timeWindow: timeWindowForKey(def, req.partitionKey, ctx) } : {}),
        });
      } else {
        const { start, end } = req.partitionRange!;
        const keys = partitionKeysInRange(def, start, end, ctx);
        const window =
          def.kind === "time_window"
            ? { start: timeWindowForKey(def, start, ctx).start, end: timeWindowForKey(def, end, ctx).end }
            : undefined;
        out.set(key, { keys, range: { start, end }, ...(window ? { timeWindow: window } : {}) });
      }
    } catch (err) {
      if (err instanceof StrataError) {
        throw new StrataError(err.code, `Asset "${key}": ${err.message}`, { assetKey: key, hint: err.hint, where: err.where });
      }
      throw err;
    }
  }
  return out;
}

/**
 * The upstream partition keys `downstream` reads from `upstream` for its keys in this run,
 * through `mapping` (default: every dependency `downstream` declares on `upstream`, united);
 * undefined when the upstream is unpartitioned.
 */
export function upstreamPartitionKeys(
  graph: AssetGraph,
  downstream: string,
  upstream: string,
  downstreamKeys: readonly string[] | undefined,
  ctx: PartitionContext,
  mapping?: PartitionMapping,
): string[] | undefined {
  const up = graph.partitionsOf(upstream);
  if (!up) return undefined;
  const down = graph.partitionsOf(downstream);
  const mappings = mapping ? [mapping] : graph.mappingsFor(downstream, upstream);
  const seen = new Set<string>();
  const keys: string[] = [];
  for (const m of mappings) {
    for (const dk of down && downstreamKeys ? downstreamKeys : [undefined]) {
      for (const k of upstreamKeysFor(m, up, down && downstreamKeys ? down : undefined, dk, ctx)) {
        if (!seen.has(k)) {
          seen.add(k);
          keys.push(k);
        }
      }
    }
  }
  return keys;
}
