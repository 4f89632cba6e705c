import { StrataError } from "./errors.ts";
import type { AssetGraph } from "./graph.ts";
import {
  downstreamKeysFor,
  keySpace,
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

/**
 * Facts as parallel arrays, as storage reads them (`getPartitionFacts`): keys usually in sorted
 * order, which lets a summary match them to the definition's keys without a lookup per key.
 */
export interface PartitionFactList {
  keys: string[];
  facts: PartitionFact[];
}

/** Facts by partition key: a map, or parallel arrays. */
export type PartitionFacts = ReadonlyMap<string, PartitionFact> | PartitionFactList;

function isFactList(f: PartitionFacts): f is PartitionFactList {
  return !(f instanceof Map) && Array.isArray((f as PartitionFactList).keys);
}

/** Calls `fn` for every (key, fact). */
export function forEachFact(f: PartitionFacts, fn: (key: string, fact: PartitionFact) => void): void {
  if (isFactList(f)) {
    const { keys, facts } = f;
    for (let i = 0; i < keys.length; i++) fn(keys[i]!, facts[i]!);
  } else {
    for (const [k, v] of f) fn(k, v);
  }
}

function asMap(f: PartitionFacts): ReadonlyMap<string, PartitionFact> {
  if (!isFactList(f)) return f;
  const m = new Map<string, PartitionFact>();
  for (let i = 0; i < f.keys.length; i++) m.set(f.keys[i]!, f.facts[i]!);
  return m;
}

export interface PartitionStatusSummary {
  assetKey: string;
  total: number;
  counts: Record<PartitionDisplayStatus, number>;
  /** Consecutive keys with the same status, in definition order. */
  ranges: KeyRangeSummary<PartitionDisplayStatus>[];
}

const STATUSES: readonly PartitionDisplayStatus[] = ["missing", "materialized", "stale", "failed", "in_progress"];
const CODE = { missing: 0, materialized: 1, stale: 2, failed: 3, in_progress: 4 } as const;
/** How far past the previous match a fact's key is looked for before a keyed lookup. */
const SCAN_AHEAD = 256;

/**
 * Summarises an asset's partitions from index facts: counts per status and compact ranges.
 * A materialised partition is stale when any upstream partition it maps to (through the dep's
 * mapping) was materialised after it. Pure: the caller reads the facts from storage.
 *
 * Works on key positions (a status code and a time per position, typed arrays), so 50,000
 * partitions cost one key-index lookup per recorded fact plus a pass over the positions; keys
 * are formatted only for range ends.
 */
export function summarizePartitionStatus(
  graph: AssetGraph,
  assetKey: string,
  facts: PartitionFacts,
  upstreamFacts: ReadonlyMap<string, PartitionFacts>,
  ctx: PartitionContext,
): PartitionStatusSummary {
  const def = graph.partitionsOf(assetKey);
  if (!def) throw new Error(`"${assetKey}" is not partitioned`);
  const space = keySpace(def, ctx);
  const n = space.count;
  const codes = new Uint8Array(n);
  const times = new Float64Array(n);
  // Facts usually come in key order, which for most definitions is also definition order: look
  // for the key just after the previous match (across a gap of missing partitions) before
  // looking it up, which for time windows would build an index of every key. (Multi-partition
  // keys are not listed: that would format every key.)
  const defKeys = def.kind === "multi" ? undefined : space.keys();
  let next = 0;
  let oldest = Infinity;
  const indexOf = (key: string): number => {
    if (defKeys !== undefined) {
      const stop = Math.min(defKeys.length, next + SCAN_AHEAD);
      for (let j = next; j < stop; j++) if (defKeys[j] === key) return j;
    }
    return space.indexOf(key);
  };
  forEachFact(facts, (key, f) => {
    const i = indexOf(key);
    // Facts for keys outside the definition (a removed dynamic key, an old range) are ignored.
    if (i < 0) return;
    next = i + 1;
    codes[i] = CODE[f.status];
    if (f.status === "materialized") {
      const at = f.lastMaterializedAt ?? 0;
      times[i] = at;
      if (at < oldest) oldest = at;
    }
  });
  const parents = graph.parents(assetKey).filter((p) => graph.partitionsOf(p) && upstreamFacts.has(p));
  for (const p of parents) {
    const up = graph.partitionsOf(p)!;
    const upFacts = asMap(upstreamFacts.get(p)!);
    // Only an upstream partition materialised after the oldest downstream materialisation can
    // make anything stale. When those are fewer than the keys, map them downstream (the inverse
    // mapping) to find the only keys worth checking, instead of mapping every key upstream.
    const newer: string[] = [];
    for (const [uk, f] of upFacts) if ((f.lastMaterializedAt ?? 0) > oldest) newer.push(uk);
    if (newer.length === 0) continue;
    for (const mapping of graph.mappingsFor(assetKey, p)) {
      const isStale = (i: number): boolean => {
        for (const uk of upstreamKeysFor(mapping, up, def, space.keyAt(i), ctx)) {
          if ((upFacts.get(uk)?.lastMaterializedAt ?? 0) > times[i]!) return true;
        }
        return false;
      };
      if (newer.length < n) {
        const seen = new Set<number>();
        for (const uk of newer) {
          for (const dk of downstreamOrNone(mapping, up, def, uk, ctx)) {
            const i = space.indexOf(dk);
            if (i < 0 || seen.has(i)) continue;
            seen.add(i);
            if (codes[i] === CODE.materialized && isStale(i)) codes[i] = CODE.stale;
          }
        }
      } else {
        for (let i = 0; i < n; i++) if (codes[i] === CODE.materialized && isStale(i)) codes[i] = CODE.stale;
      }
    }
  }
  const counts: Record<PartitionDisplayStatus, number> = { materialized: 0, stale: 0, failed: 0, in_progress: 0, missing: 0 };
  const ranges: KeyRangeSummary<PartitionDisplayStatus>[] = [];
  let start = 0;
  for (let i = 1; i <= n; i++) {
    if (i < n && codes[i] === codes[start]) continue;
    const status = STATUSES[codes[start]!]!;
    counts[status] += i - start;
    ranges.push({ start: space.keyAt(start), end: space.keyAt(i - 1), count: i - start, status });
    start = i;
  }
  return { assetKey, total: n, counts, ranges };
}

/**
 * The downstream keys an upstream key maps to; none for a key that is not (or no longer) in the
 * upstream definition (a removed dynamic key, a range that moved): it cannot make anything stale.
 */
function downstreamOrNone(...args: Parameters<typeof downstreamKeysFor>): string[] {
  try {
    return downstreamKeysFor(...args);
  } catch (err) {
    if (err instanceof StrataError && err.code === "PARTITION_UNKNOWN_KEY") return [];
    throw err;
  }
}
