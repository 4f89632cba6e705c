import { StrataError } from "./errors.ts";
import { kahn, type AssetGraph } from "./graph.ts";
import {
  DEFAULT_BACKFILL_POLICY,
  defaultMapping,
  describePartitions,
  downstreamKeysFor,
  getPartitionKeys,
  partitionKeysInRange,
  planBackfillRuns,
  sameKeySpace,
  subsetFromRanges,
  upstreamKeysFor,
  validateKey,
  type PartitionContext,
  type PartitionKeyRange,
  type PartitionsDefinition,
} from "./partitions/index.ts";

/** Which partitions a backfill covers (in the keys of the first partitioned asset selected). */
export type BackfillPartitions =
  | { kind: "range"; start: string; end: string }
  /** Several ranges: inverted or overlapping ones are a PARTITION_INVALID error. */
  | { kind: "ranges"; ranges: PartitionKeyRange[] }
  | { kind: "keys"; keys: string[] }
  | { kind: "all" };

export interface BackfillRequest {
  assetKeys: string[];
  partitions: BackfillPartitions;
  /** Keep only (asset, partition) pairs this returns true for (e.g. "missing", "failed"). */
  filter?: (assetKey: string, partitionKey: string) => boolean;
}

/**
 * What a chunk reads from one chunk it depends on: partitions of one upstream asset (none for an
 * unpartitioned one). When that chunk's run fails, the chunk still runs if all of these were
 * materialised by it.
 */
export interface BackfillChunkNeed {
  chunkId: number;
  assetKey: string;
  partitionKeys: string[];
}

/** One run-to-be: assets × partitions, launched once the partitions it reads from other chunks exist. */
export interface BackfillChunkPlan {
  chunkId: number;
  assetKeys: string[];
  /** Empty for a chunk of unpartitioned assets. */
  partitionKeys: string[];
  /** Set when the chunk is one run over a range (single-run policy or maxPartitionsPerRun > 1). */
  partitionRange?: PartitionKeyRange;
  dependsOn: number[];
  /** Per dependency, the upstream partitions this chunk reads from it (see {@link BackfillChunkNeed}). */
  needs: BackfillChunkNeed[];
}

/**
 * Plans a backfill: which runs, over which assets and partitions, in what order. Assets that
 * share a partitions definition and backfill policy run together (one run per partition by
 * default, or ranges per policy); upstream partitions (through each dep's mapping) are always
 * in earlier chunks. Pure and roughly linear in assets × partitions.
 */
export function planBackfill(graph: AssetGraph, req: BackfillRequest, ctx: PartitionContext): BackfillChunkPlan[] {
  const selected = new Set(req.assetKeys);
  const order = graph.toposort().filter((k) => selected.has(k));
  const partitioned = order.filter((k) => graph.partitionsOf(k));
  if (partitioned.length === 0) {
    throw new StrataError("BACKFILL_INVALID", "None of the selected assets is partitioned", {
      hint: "Backfills cover partitions; materialize unpartitioned assets with `strata materialize`.",
    });
  }
  const anchorKey = partitioned[0]!;
  const anchor = graph.partitionsOf(anchorKey)!;
  const anchorKeys = requestedKeys(anchor, anchorKey, req.partitions, ctx);

  // Target keys per asset.
  const targets = new Map<string, string[]>();
  for (const key of partitioned) {
    const def = graph.partitionsOf(key)!;
    let keys = sameKeySpace(def, anchor) ? anchorKeys : deriveKeys(anchor, def, anchorKeys, key, anchorKey, req.partitions, ctx);
    if (req.filter) keys = keys.filter((k) => req.filter!(key, k));
    if (keys.length > 0) targets.set(key, keys);
  }
  const unpartitioned = order.filter((k) => !graph.partitionsOf(k));
  if (targets.size === 0 && unpartitioned.length === 0) {
    throw new StrataError("BACKFILL_INVALID", "Nothing to backfill: no selected partition matches", {
      hint: "Check the range, or drop --missing/--failed.",
    });
  }

  // Group assets sharing definition, policy and code location (a run executes in one location
  // of a workspace); chunk each group's keys per policy.
  const groups = new Map<string, string[]>();
  for (const key of order) {
    if (!targets.has(key)) continue;
    const node = graph.get(key);
    const id = JSON.stringify([node.partitions, node.backfillPolicy ?? DEFAULT_BACKFILL_POLICY, node.location ?? ""]);
    (groups.get(id) ?? groups.set(id, []).get(id)!).push(key);
  }
  const chunks: BackfillChunkPlan[] = [];
  const chunkOf = new Map<string, number>(); // `${asset}\u0000${partition}` → chunk id
  for (const assets of groups.values()) {
    const def = graph.partitionsOf(assets[0]!)!;
    // Multi-partition keys form no single range: such assets always run one partition per run.
    const policy = def.kind === "multi" ? DEFAULT_BACKFILL_POLICY : (graph.get(assets[0]!).backfillPolicy ?? DEFAULT_BACKFILL_POLICY);
    const union = new Set<string>();
    for (const a of assets) for (const k of targets.get(a)!) union.add(k);
    // Per-asset key sets: testing a run's keys against them keeps planning linear (scanning each
    // asset's key list per run was quadratic: 3.9 s for 10 assets × 10,000 days).
    const targetSets = new Map(assets.map((a) => [a, new Set(targets.get(a))] as const));
    for (const run of planBackfillRuns(def, union, policy, ctx)) {
      const members = assets.filter((a) => run.keys.some((k) => targetSets.get(a)!.has(k)));
      const chunk: BackfillChunkPlan = {
        chunkId: chunks.length,
        assetKeys: members,
        partitionKeys: [...run.keys],
        ...(run.keys.length > 1 && run.range ? { partitionRange: { ...run.range } } : {}),
        dependsOn: [],
        needs: [],
      };
      chunks.push(chunk);
      for (const a of members) for (const k of run.keys) chunkOf.set(`${a}\u0000${k}`, chunk.chunkId);
    }
  }
  // Unpartitioned selected assets: one run per code location.
  const plainByLocation = new Map<string, string[]>();
  for (const k of unpartitioned) {
    if (!selected.has(k)) continue;
    const loc = graph.get(k).location ?? "";
    (plainByLocation.get(loc) ?? plainByLocation.set(loc, []).get(loc)!).push(k);
  }
  for (const plain of plainByLocation.values()) {
    const chunk: BackfillChunkPlan = { chunkId: chunks.length, assetKeys: plain, partitionKeys: [], dependsOn: [], needs: [] };
    chunks.push(chunk);
    for (const a of plain) chunkOf.set(`${a}\u0000`, chunk.chunkId);
  }

  // Dependencies: a chunk waits for the chunks holding its assets' upstream partitions.
  const chunkAssets = new Map<number, Set<string>>();
  for (const c of chunks) chunkAssets.set(c.chunkId, new Set(c.assetKeys));
  for (const c of chunks) {
    // dependency chunk → upstream asset → partitions read from it ("" for an unpartitioned one)
    const needs = new Map<number, Map<string, Set<string>>>();
    const need = (pc: number, asset: string, key: string | undefined) => {
      let byAsset = needs.get(pc);
      if (!byAsset) needs.set(pc, (byAsset = new Map()));
      let keys = byAsset.get(asset);
      if (!keys) byAsset.set(asset, (keys = new Set()));
      if (key !== undefined) keys.add(key);
    };
    for (const a of c.assetKeys) {
      for (const p of graph.parents(a)) {
        if (!selected.has(p)) continue;
        const up = graph.partitionsOf(p);
        const down = graph.partitionsOf(a);
        if (!up) {
          const pc = chunkOf.get(`${p}\u0000`);
          if (pc !== undefined && pc !== c.chunkId) need(pc, p, undefined);
          continue;
        }
        const keys = down ? c.partitionKeys : [undefined];
        for (const mapping of graph.mappingsFor(a, p)) {
          for (const dk of keys) {
            for (const uk of upstreamKeysFor(mapping, up, down, dk, ctx)) {
              const pc = chunkOf.get(`${p}\u0000${uk}`);
              if (pc !== undefined && pc !== c.chunkId) need(pc, p, uk);
            }
          }
        }
      }
    }
    c.dependsOn = [...needs.keys()].sort((x, y) => x - y);
    c.needs = c.dependsOn.flatMap((pc) =>
      [...needs.get(pc)!].map(([assetKey, keys]) => ({ chunkId: pc, assetKey, partitionKeys: [...keys] })),
    );
  }
  const children = new Map<number, BackfillChunkPlan[]>();
  for (const c of chunks) for (const d of c.dependsOn) (children.get(d) ?? children.set(d, []).get(d)!).push(c);
  if (kahn(chunks, (c) => c.dependsOn.map((d) => chunks[d]!), (c) => children.get(c.chunkId) ?? []).length !== chunks.length) {
    throw new StrataError("BACKFILL_INVALID", "The backfill's runs would depend on each other in a cycle", {
      hint: "This happens when unpartitioned assets sit between partitioned ones; backfill those parts separately.",
    });
  }
  return chunks;
}

function requestedKeys(def: PartitionsDefinition, assetKey: string, p: BackfillPartitions, ctx: PartitionContext): string[] {
  try {
    if (p.kind === "all") return getPartitionKeys(def, ctx);
    if (p.kind === "range") return partitionKeysInRange(def, p.start, p.end, ctx);
    if (p.kind === "ranges") return subsetFromRanges(def, p.ranges, ctx).keys();
    const seen = new Set<string>();
    for (const k of p.keys) {
      validateKey(def, k, ctx);
      seen.add(k);
    }
    return [...seen];
  } catch (err) {
    if (err instanceof StrataError) {
      throw new StrataError(err.code, `Asset "${assetKey}" (${describePartitions(def, ctx)}): ${err.message}`, { assetKey, hint: err.hint });
    }
    throw err;
  }
}

/** Keys of `def` covering the anchor's requested keys (e.g. the weeks containing the days). */
function deriveKeys(
  anchor: PartitionsDefinition,
  def: PartitionsDefinition,
  anchorKeys: string[],
  key: string,
  anchorKey: string,
  p: BackfillPartitions,
  ctx: PartitionContext,
): string[] {
  if (p.kind === "all") return getPartitionKeys(def, ctx);
  let mapping;
  try {
    mapping = defaultMapping(anchor, def);
  } catch {
    throw new StrataError("PARTITION_MAPPING", `Cannot tell which partitions of "${key}" the backfill covers: its partitions (${describePartitions(def, ctx)}) are unrelated to "${anchorKey}"'s`, {
      assetKey: key,
      hint: "Backfill these assets separately.",
    });
  }
  // A partition of another granularity (a week for a range of days) is included only when
  // all the partitions it maps to were requested: a partial week would read missing days.
  const requested = new Set(anchorKeys);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const k of anchorKeys) {
    for (const d of downstreamKeysFor(mapping, anchor, def, k, ctx)) {
      if (seen.has(d)) continue;
      seen.add(d);
      if (upstreamKeysFor(mapping, anchor, def, d, ctx).every((u) => requested.has(u))) out.push(d);
    }
  }
  return out;
}
