import type { AssetGraph } from "../graph.ts";
import type { AssetNodeSnapshot } from "../snapshot.ts";
import {
  intersectRanges,
  rangesContain,
  rangesFromIndices,
  rangesSize,
  subtractRanges,
  unionRanges,
  normalizeRanges,
  type IndexRange,
} from "../partitions/index-ranges.ts";
import { keySpace, type KeySpace } from "../partitions/key-space.ts";
import { upstreamKeysFor } from "../partitions/mapping-keys.ts";
import { PartitionSubset } from "../partitions/partition-subset.ts";
import type { PartitionKeyRange } from "../partitions/partition-key-range.ts";
import { partitionsEqual } from "../partitions/snapshot.ts";
import type { PartitionContext, PartitionsDefinition } from "../partitions/types.ts";
import type { AssetAutomationFacts, AutomationPartitionFact } from "./storage-view.ts";
import type { StoredSubset } from "./evaluation-state.ts";

/** Sorted, disjoint index ranges over one asset's key space (an unpartitioned asset has one slot, 0). */
export type Ranges = readonly IndexRange[];
export const NONE: Ranges = Object.freeze([]) as Ranges;
const ONE: Ranges = Object.freeze([Object.freeze([0, 0] as const)]);

export const union = (a: Ranges, b: Ranges): Ranges => (a.length === 0 ? b : b.length === 0 ? a : unionRanges(a, b));
export const intersect = (a: Ranges, b: Ranges): Ranges => (a.length === 0 || b.length === 0 ? NONE : intersectRanges(a, b));
export const subtract = (a: Ranges, b: Ranges): Ranges => (a.length === 0 || b.length === 0 ? a : subtractRanges(a, b));
export const size = rangesSize;

/** Below this many candidates, predicates look partitions up one by one instead of indexing them all. */
const POINT_LOOKUPS = 256;

/**
 * One asset as the evaluation sees it this tick: its key space (as of `now`), its storage facts,
 * and predicate results cached for the tick. Subsets are index ranges, so a 730-partition asset
 * whose condition only looks at its latest window costs a handful of lookups.
 */
export class AssetSlice {
  readonly key: string;
  readonly node: AssetNodeSnapshot;
  readonly def: PartitionsDefinition | undefined;
  readonly space: KeySpace | undefined;
  readonly all: Ranges;
  readonly facts: AssetAutomationFacts | undefined;
  readonly partitioned: boolean;
  /** Predicate results over all rows (made on first use: most slices never need one). */
  private cache: Map<string, Ranges> | undefined;
  private latest: Ranges | undefined;

  constructor(graph: AssetGraph, key: string, facts: AssetAutomationFacts | undefined, readonly ctx: PartitionContext) {
    this.key = key;
    this.node = graph.get(key);
    this.def = graph.partitionsOf(key);
    this.space = this.def === undefined ? undefined : keySpace(this.def, ctx);
    this.all = this.space === undefined ? ONE : this.space.count > 0 ? [[0, this.space.count - 1]] : NONE;
    this.facts = facts;
    this.partitioned = this.space !== undefined;
  }

  keyAt(i: number): string {
    return this.space!.keyAt(i);
  }

  /** Index ranges as key ranges (partitioned assets only). */
  keyRanges(r: Ranges): PartitionKeyRange[] {
    return r.map(([a, b]) => ({ start: this.space!.keyAt(a), end: this.space!.keyAt(b) }));
  }

  keys(r: Ranges): string[] {
    const out: string[] = [];
    for (const [a, b] of r) for (let i = a; i <= b; i++) out.push(this.space!.keyAt(i));
    return out;
  }

  toStored(r: Ranges): StoredSubset | undefined {
    if (r.length === 0) return undefined;
    if (this.space === undefined) return 1;
    return PartitionSubset.of(this.def!, this.space, r).toJSON();
  }

  /** Reads a stored subset; keys that are no longer partitions are dropped. */
  fromStored(s: StoredSubset | undefined): Ranges {
    if (s === undefined) return NONE;
    if (this.space === undefined) return s === 1 ? ONE : NONE;
    if (s === 1) return NONE;
    const space = this.space;
    if (s.kind === "keys") return rangesFromIndices(s.keys.map((k) => space.indexOf(k)).filter((i) => i >= 0));
    const out: IndexRange[] = [];
    for (const [from, to] of s.ranges) {
      let a = space.indexOf(from);
      let b = space.indexOf(to);
      if (a < 0 && b < 0) continue;
      if (a < 0) a = 0;
      if (b < 0) b = space.count - 1;
      out.push([a, b]);
    }
    return normalizeRanges(out);
  }

  // ---- predicates over candidates ----

  missing(cand: Ranges): Ranges {
    if (this.space === undefined) return this.facts?.lastMaterialization === undefined ? cand : NONE;
    return subtract(cand, this.where(cand, "materialized", (f) => f?.lastMaterializationEventId !== undefined));
  }

  inProgress(cand: Ranges): Ranges {
    if (this.space === undefined) return this.facts?.inProgress === true ? cand : NONE;
    const extra = this.facts?.inProgressPartitions;
    return this.where(cand, "in_progress", (f, k) => f?.status === "in_progress" || (extra !== undefined && extra.has(k)), extra);
  }

  failed(cand: Ranges): Ranges {
    if (this.space === undefined) return this.facts?.failed === true ? cand : NONE;
    return this.where(cand, "failed", (f) => f?.status === "failed");
  }

  /** Materialised by an event with id > `afterEventId`. */
  updatedAfter(cand: Ranges, afterEventId: number): Ranges {
    if (this.space === undefined) return (this.facts?.lastMaterialization?.eventId ?? -Infinity) > afterEventId ? cand : NONE;
    return this.where(cand, `updated>${afterEventId}`, (f) => (f?.lastMaterializationEventId ?? -Infinity) > afterEventId);
  }

  /** The latest time window (time-window partitions or the time dimension of multi-partitions); all otherwise. */
  latestWindow(): Ranges {
    if (this.latest !== undefined) return this.latest;
    const def = this.def;
    const count = this.space?.count ?? 1;
    if (def?.kind === "time_window") this.latest = count > 0 ? [[count - 1, count - 1]] : NONE;
    else if (def?.kind === "multi" && def.dimensions.some((d) => d.partitions.kind === "time_window")) {
      const n0 = keySpace(def.dimensions[0].partitions, this.ctx, true).count;
      const n1 = keySpace(def.dimensions[1].partitions, this.ctx, true).count;
      if (n0 === 0 || n1 === 0) this.latest = NONE;
      else if (def.dimensions[0].partitions.kind === "time_window") this.latest = [[(n0 - 1) * n1, n0 * n1 - 1]];
      else this.latest = Array.from({ length: n0 }, (_, i) => [i * n1 + n1 - 1, i * n1 + n1 - 1] as const);
    } else this.latest = this.all;
    return this.latest;
  }

  /**
   * Candidates whose index row satisfies `pred`: looked up one by one for small candidate sets,
   * else from all rows once per tick (cached under `name`).
   */
  private where(cand: Ranges, name: string, pred: (f: AutomationPartitionFact | undefined, key: string) => boolean, extraKeys?: ReadonlySet<string>): Ranges {
    if (cand.length === 0) return NONE;
    const rows = this.facts?.partitions;
    if (rows === undefined && extraKeys === undefined) return NONE;
    const space = this.space!;
    if (size(cand) <= POINT_LOOKUPS) {
      const idx: number[] = [];
      for (const [a, b] of cand) {
        for (let i = a; i <= b; i++) {
          const k = space.keyAt(i);
          if (pred(rows?.get(k), k)) idx.push(i);
        }
      }
      return idx.length === 0 ? NONE : rangesFromIndices(idx);
    }
    let full = this.cache?.get(name);
    if (full === undefined) {
      const idx: number[] = [];
      for (const [k, f] of rows ?? []) {
        if (!pred(f, k)) continue;
        const i = space.indexOf(k);
        if (i >= 0) idx.push(i);
      }
      for (const k of extraKeys ?? []) {
        const i = space.indexOf(k);
        if (i >= 0 && pred(rows?.get(k), k)) idx.push(i);
      }
      full = rangesFromIndices(idx);
      (this.cache ??= new Map()).set(name, full);
    }
    return intersect(cand, full);
  }
}

/**
 * How a downstream asset's partitions relate to one dependency's (through the dep's partition
 * mappings): which upstream partitions a set of downstream candidates depends on, and which
 * candidates depend on at least one partition of an upstream set.
 */
export class DepLink {
  /** Made on first use: only per-key mappings need it. */
  private perKey: Map<number, readonly number[]> | undefined;
  private readonly fast: "same" | "up_unpartitioned" | "down_unpartitioned" | "per_key";
  private readonly wholeUpstream: Ranges = NONE;

  constructor(
    graph: AssetGraph,
    private readonly down: AssetSlice,
    private readonly up: AssetSlice,
  ) {
    const mappings = up.partitioned ? graph.mappingsFor(down.key, up.key) : [];
    if (!up.partitioned) this.fast = down.partitioned ? "up_unpartitioned" : "same";
    else if (!down.partitioned) {
      this.fast = "down_unpartitioned";
      const idx = new Set<number>();
      for (const m of mappings) {
        for (const k of m.kind === "all" ? [] : upstreamKeysFor(m, up.def, undefined, undefined, up.ctx)) idx.add(up.space!.indexOf(k));
      }
      this.wholeUpstream = mappings.some((m) => m.kind === "all") ? up.all : rangesFromIndices([...idx].filter((i) => i >= 0));
    } else if (partitionsEqual(up.def, down.def) && mappings.every((m) => m.kind === "identity")) this.fast = "same";
    else this.fast = "per_key";
    this.mappings = mappings;
  }

  private readonly mappings: ReturnType<AssetGraph["mappingsFor"]>;

  /** Upstream partitions the candidates depend on. */
  upstreamOf(cand: Ranges): Ranges {
    if (cand.length === 0) return NONE;
    switch (this.fast) {
      case "same":
        return intersect(cand, this.up.all);
      case "up_unpartitioned":
        return this.up.all;
      case "down_unpartitioned":
        return this.wholeUpstream;
      case "per_key": {
        const idx: number[] = [];
        for (const [a, b] of cand) for (let i = a; i <= b; i++) for (const u of this.upstreamIndices(i)) idx.push(u);
        return rangesFromIndices(idx);
      }
    }
  }

  /** Candidates depending on at least one partition in `upTrue`. */
  downstreamWhere(cand: Ranges, upTrue: Ranges): Ranges {
    if (cand.length === 0 || upTrue.length === 0) return NONE;
    switch (this.fast) {
      case "same":
        return intersect(cand, upTrue);
      case "up_unpartitioned":
        return cand;
      case "down_unpartitioned":
        return intersect(this.wholeUpstream, upTrue).length > 0 ? cand : NONE;
      case "per_key": {
        const idx: number[] = [];
        for (const [a, b] of cand) {
          for (let i = a; i <= b; i++) if (this.upstreamIndices(i).some((u) => rangesContain(upTrue, u))) idx.push(i);
        }
        return rangesFromIndices(idx);
      }
    }
  }

  private upstreamIndices(i: number): readonly number[] {
    let u = this.perKey?.get(i);
    if (u === undefined) {
      const key = this.down.keyAt(i);
      const set = new Set<number>();
      for (const m of this.mappings) {
        for (const k of upstreamKeysFor(m, this.up.def, this.down.def, key, this.down.ctx)) {
          const j = this.up.space!.indexOf(k);
          if (j >= 0) set.add(j);
        }
      }
      u = [...set];
      (this.perKey ??= new Map()).set(i, u);
    }
    return u;
  }
}
