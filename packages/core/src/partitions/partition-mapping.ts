import { StrataError } from "../errors.ts";
import { assertValidKey } from "./static-partitions.ts";

/**
 * How a partitioned asset's partitions depend on a dependency's partitions. Mappings are frozen
 * plain data (their snapshot is themselves); `upstreamKeysFor`/`downstreamKeysFor` evaluate them
 * against the two definitions.
 *
 * @example
 * const yesterday: PartitionMapping = timeWindowMapping({ startOffset: -1, endOffset: -1 });
 */
export type PartitionMapping =
  | IdentityMapping
  | TimeWindowMapping
  | AllPartitionsMapping
  | LastPartitionMapping
  | StaticMapping
  | MultiToSingleDimensionMapping;

export interface IdentityMapping {
  readonly kind: "identity";
}
export interface TimeWindowMapping {
  readonly kind: "time_window";
  /** Shift of the window start, in downstream windows (-1: from the previous window). */
  readonly startOffset: number;
  /** Shift of the window end, in downstream windows. */
  readonly endOffset: number;
}
export interface AllPartitionsMapping {
  readonly kind: "all";
}
export interface LastPartitionMapping {
  readonly kind: "last";
}
export interface StaticMapping {
  readonly kind: "static";
  /** Upstream key → downstream keys (Dagster's StaticPartitionMapping direction). */
  readonly upstreamToDownstream: Readonly<Record<string, readonly string[]>>;
}
export interface MultiToSingleDimensionMapping {
  readonly kind: "multi_to_single";
  /** Dimension of the multi side that matches the single side; inferred when omitted. */
  readonly dimension?: string;
}

/** Same key on both sides. @example identity() */
export function identity(): IdentityMapping {
  return Object.freeze({ kind: "identity" as const });
}

/**
 * Each downstream window depends on the upstream windows overlapping it, after shifting its start
 * by `startOffset` and its end by `endOffset` downstream windows. `{ -1, -1 }` is "yesterday";
 * `{ -6, 0 }` on daily partitions is "the last 7 days".
 *
 * @example
 * timeWindowMapping({ startOffset: -1, endOffset: -1 });
 */
export function timeWindowMapping(opts: { startOffset?: number; endOffset?: number } = {}): TimeWindowMapping {
  const startOffset = opts.startOffset ?? 0;
  const endOffset = opts.endOffset ?? 0;
  if (!Number.isInteger(startOffset) || !Number.isInteger(endOffset) || startOffset > endOffset) {
    throw new StrataError("PARTITION_MAPPING", `Invalid time window mapping offsets start ${startOffset}, end ${endOffset}`, {
      hint: "Offsets are integers with startOffset <= endOffset (e.g. -1, -1 for the previous window).",
    });
  }
  return Object.freeze({ kind: "time_window" as const, startOffset, endOffset });
}

/** Every downstream partition depends on every upstream partition. @example allPartitions() */
export function allPartitions(): AllPartitionsMapping {
  return Object.freeze({ kind: "all" as const });
}

/** Every downstream partition depends on the latest upstream partition. @example lastPartition() */
export function lastPartition(): LastPartitionMapping {
  return Object.freeze({ kind: "last" as const });
}

/**
 * Explicit upstream key → downstream key(s), as in Dagster's StaticPartitionMapping.
 *
 * @example
 * staticMapping({ "us-east": "us", "us-west": "us", "eu-central": ["eu", "emea"] });
 */
export function staticMapping(upstreamToDownstream: Readonly<Record<string, string | readonly string[]>>): StaticMapping {
  const out: Record<string, readonly string[]> = {};
  for (const [up, down] of Object.entries(upstreamToDownstream)) {
    assertValidKey(up, "Static mapping");
    const list = typeof down === "string" ? [down] : [...down];
    if (list.length === 0) throw new StrataError("PARTITION_MAPPING", `Static mapping gives upstream key "${up}" no downstream keys`);
    for (const d of list) assertValidKey(d, "Static mapping");
    out[up] = Object.freeze([...new Set(list)]);
  }
  if (Object.keys(out).length === 0) throw new StrataError("PARTITION_MAPPING", "Static mapping is empty");
  return Object.freeze({ kind: "static" as const, upstreamToDownstream: Object.freeze(out) });
}

/**
 * Between a multi-partitioned asset and a single-dimension one (either direction): a key of the
 * single side matches every multi key with that dimension value.
 *
 * @example
 * multiToSingleDimension({ dimension: "date" });
 */
export function multiToSingleDimension(opts: { dimension?: string } = {}): MultiToSingleDimensionMapping {
  return Object.freeze(opts.dimension === undefined ? { kind: "multi_to_single" as const } : { kind: "multi_to_single" as const, dimension: opts.dimension });
}
