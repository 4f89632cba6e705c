import { StrataError } from "../errors.ts";
import { intersectRanges, normalizeRanges, rangesContain, rangesFromIndices, rangesSize, subtractRanges, unionRanges, type IndexRange } from "./index-ranges.ts";
import { keySpace, type KeySpace } from "./key-space.ts";
import { partitionIndex } from "./partitions-api.ts";
import type { PartitionKeyRange } from "./partition-key-range.ts";
import type { PartitionContext, PartitionsDefinition } from "./types.ts";

/**
 * Serialized subset. Key ranges (`[["2024-01-01", "2024-03-31"]]`) for definitions with a stable
 * order; a key list when a dynamic set is involved, since its order changes as keys are removed.
 */
export type PartitionSubsetJSON = { kind: "ranges"; ranges: [string, string][] } | { kind: "keys"; keys: string[] };

/**
 * A set of partitions of one definition, stored as sorted index ranges over the definition's
 * key space, so status and backfill sets of 100,000 time-window keys stay a few numbers. Key ↔
 * index is O(1); membership is O(log ranges). Immutable: operations return new subsets.
 *
 * @example
 * const failed = subsetFromKeys(days, ["2024-01-03", "2024-01-04"], { now });
 * const todo = allPartitionsSubset(days, { now }).difference(done).union(failed);
 * todo.keyRanges(); // [{ start: "2024-01-03", end: "2024-01-31" }]
 */
export class PartitionSubset {
  private constructor(
    readonly definition: PartitionsDefinition,
    private readonly space: KeySpace,
    readonly ranges: readonly IndexRange[],
  ) {
    Object.freeze(this);
  }

  /** @internal Use the `subsetFrom*` functions. */
  static of(def: PartitionsDefinition, space: KeySpace, ranges: readonly IndexRange[]): PartitionSubset {
    return new PartitionSubset(def, space, Object.freeze(ranges.map((r) => Object.freeze([r[0], r[1]] as const))));
  }

  get size(): number {
    return rangesSize(this.ranges);
  }

  get isEmpty(): boolean {
    return this.ranges.length === 0;
  }

  has(key: string): boolean {
    const i = this.space.indexOf(key);
    return i >= 0 && rangesContain(this.ranges, i);
  }

  /** Keys in definition order. */
  keys(): string[] {
    return this.ranges.flatMap(([a, b]) => this.space.keys(a, b + 1));
  }

  /** Contiguous key ranges in definition order. */
  keyRanges(): PartitionKeyRange[] {
    return this.ranges.map(([a, b]) => ({ start: this.space.keyAt(a), end: this.space.keyAt(b) }));
  }

  union(other: PartitionSubset): PartitionSubset {
    return PartitionSubset.of(this.definition, this.space, unionRanges(this.ranges, this.align(other)));
  }

  intersect(other: PartitionSubset): PartitionSubset {
    return PartitionSubset.of(this.definition, this.space, intersectRanges(this.ranges, this.align(other)));
  }

  difference(other: PartitionSubset): PartitionSubset {
    return PartitionSubset.of(this.definition, this.space, subtractRanges(this.ranges, this.align(other)));
  }

  /** Every partition not in this subset (e.g. "all missing" from "all materialized"). */
  complement(): PartitionSubset {
    return PartitionSubset.of(this.definition, this.space, subtractRanges(this.space.count > 0 ? [[0, this.space.count - 1]] : [], this.ranges));
  }

  toJSON(): PartitionSubsetJSON {
    const dynamic = this.definition.kind === "dynamic" || (this.definition.kind === "multi" && this.definition.dimensions.some((d) => d.partitions.kind === "dynamic"));
    if (dynamic) return { kind: "keys", keys: this.keys() };
    return { kind: "ranges", ranges: this.ranges.map(([a, b]) => [this.space.keyAt(a), this.space.keyAt(b)]) };
  }

  private align(other: PartitionSubset): readonly IndexRange[] {
    if (JSON.stringify(other.definition) !== JSON.stringify(this.definition)) {
      throw new StrataError("PARTITION_INVALID", "Cannot combine partition subsets of different partitions definitions");
    }
    if (other.space === this.space || this.definition.kind === "time_window" || this.definition.kind === "static") return other.ranges;
    return rangesFromIndices(other.keys().map((k) => this.space.indexOf(k)).filter((i) => i >= 0));
  }
}

/** The empty subset. @example emptySubset(days, { now }).size // 0 */
export function emptySubset(def: PartitionsDefinition, ctx?: PartitionContext): PartitionSubset {
  return PartitionSubset.of(def, keySpace(def, ctx), []);
}

/** Every partition as of `ctx`. @example allPartitionsSubset(days, { now }).size */
export function allPartitionsSubset(def: PartitionsDefinition, ctx?: PartitionContext): PartitionSubset {
  const space = keySpace(def, ctx);
  return PartitionSubset.of(def, space, space.count > 0 ? [[0, space.count - 1]] : []);
}

/**
 * A subset from keys; throws PARTITION_UNKNOWN_KEY for the first key that isn't a partition.
 *
 * @example
 * subsetFromKeys(regions, ["us"]).has("us"); // true
 */
export function subsetFromKeys(def: PartitionsDefinition, keys: Iterable<string>, ctx?: PartitionContext): PartitionSubset {
  const space = keySpace(def, ctx);
  const idx: number[] = [];
  for (const k of keys) idx.push(partitionIndex(def, k, ctx, space));
  return PartitionSubset.of(def, space, rangesFromIndices(idx));
}

/**
 * Subset of key ranges (inclusive); validates ends and rejects inverted ranges. Overlapping
 * ranges are an error too, since they usually mean a mistyped backfill request.
 *
 * @example
 * subsetFromRanges(days, [{ start: "2024-01-01", end: "2024-01-31" }], { now }).size; // 31
 */
export function subsetFromRanges(def: PartitionsDefinition, ranges: readonly PartitionKeyRange[], ctx?: PartitionContext): PartitionSubset {
  const space = keySpace(def, ctx);
  const idx: IndexRange[] = ranges.map((r) => {
    const a = partitionIndex(def, r.start, ctx, space);
    const b = partitionIndex(def, r.end, ctx, space);
    if (b < a) throw new StrataError("PARTITION_INVALID", `Partition range ${r.start}...${r.end} is inverted`, { hint: `Write it as ${r.end}...${r.start}.` });
    return [a, b];
  });
  const sorted = [...idx].sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]![0] <= sorted[i - 1]![1]) {
      throw new StrataError("PARTITION_INVALID", `Partition ranges ${space.keyAt(sorted[i - 1]![0])}...${space.keyAt(sorted[i - 1]![1])} and ${space.keyAt(sorted[i]![0])}...${space.keyAt(sorted[i]![1])} overlap`, {
        hint: "Merge them into one range.",
      });
    }
  }
  return PartitionSubset.of(def, space, normalizeRanges(idx));
}

/**
 * Reads a serialized subset. Keys that are no longer partitions (the definition changed) are
 * dropped rather than failing, because stored status must survive definition edits.
 *
 * @example
 * subsetFromJSON(days, { kind: "ranges", ranges: [["2024-01-01", "2024-01-31"]] }, { now });
 */
export function subsetFromJSON(def: PartitionsDefinition, json: PartitionSubsetJSON, ctx?: PartitionContext): PartitionSubset {
  const space = keySpace(def, ctx);
  if (json.kind === "keys") return PartitionSubset.of(def, space, rangesFromIndices(json.keys.map((k) => space.indexOf(k)).filter((i) => i >= 0)));
  const out: IndexRange[] = [];
  for (const [s, e] of json.ranges) {
    let a = space.indexOf(s);
    let b = space.indexOf(e);
    if (a < 0 && b < 0) continue;
    if (a < 0) a = 0;
    if (b < 0) b = space.count - 1;
    out.push([a, b]);
  }
  return PartitionSubset.of(def, space, normalizeRanges(out));
}
