import { StrataError } from "../errors.ts";
import { keySpace, type KeySpace } from "./key-space.ts";
import { MULTI_KEY_DELIMITER } from "./multi-partitions.ts";
import type { PartitionMapping, TimeWindowMapping } from "./partition-mapping.ts";
import { partitionIndex } from "./partitions-api.ts";
import { timeIndex } from "./time-index.ts";
import type { MultiPartitionsDefinition, PartitionContext, PartitionsDefinition, TimeWindowPartitionsDefinition } from "./types.ts";
import { matchingDimension, validateMapping } from "./validate-mapping.ts";

function checkKey(def: PartitionsDefinition | undefined, key: string | undefined, side: string, ctx: PartitionContext | undefined): KeySpace | undefined {
  if (def === undefined) {
    if (key !== undefined) throw new StrataError("PARTITION_INVALID", `The ${side} asset is unpartitioned, but partition key "${key}" was given`);
    return undefined;
  }
  if (key === undefined) throw new StrataError("PARTITION_INVALID", `The ${side} asset is partitioned; a partition key is required`);
  const space = keySpace(def, ctx);
  partitionIndex(def, key, ctx, space);
  return space;
}

/**
 * Upstream partition keys that `downstreamKey` depends on, in upstream order. Only keys that
 * exist upstream (as of `ctx`) are returned: "yesterday" of the first partition is [] when the
 * upstream starts the same day. An unpartitioned side is `undefined` (key `undefined`); an
 * unpartitioned upstream yields [] (the dependency is on the whole asset).
 *
 * @example
 * upstreamKeysFor(timeWindowMapping({ startOffset: -1, endOffset: -1 }), days, days, "2024-03-10", { now }); // ["2024-03-09"]
 */
export function upstreamKeysFor(
  mapping: PartitionMapping,
  upstream: PartitionsDefinition | undefined,
  downstream: PartitionsDefinition | undefined,
  downstreamKey: string | undefined,
  ctx?: PartitionContext,
): string[] {
  validateMapping(mapping, upstream, downstream);
  checkKey(downstream, downstreamKey, "downstream", ctx);
  if (upstream === undefined) return [];
  const up = keySpace(upstream, ctx);
  const dk = downstreamKey!;
  switch (mapping.kind) {
    case "all":
      return up.keys();
    case "last":
      return up.count > 0 ? [up.keyAt(up.count - 1)] : [];
    case "identity":
      return up.indexOf(dk) >= 0 ? [dk] : [];
    case "static":
      return up.keys().filter((u) => mapping.upstreamToDownstream[u]?.includes(dk));
    case "time_window":
      return timeUpstream(mapping, upstream as TimeWindowPartitionsDefinition, downstream as TimeWindowPartitionsDefinition, dk, ctx, up);
    case "multi_to_single":
      if (upstream.kind === "multi") return expandDimension(upstream, mapping.dimension, downstream!, dk, ctx);
      return projectDimension(downstream as MultiPartitionsDefinition, mapping.dimension, upstream, dk, up);
  }
}

/**
 * Downstream partition keys that depend on `upstreamKey`, in downstream order (the inverse of
 * {@link upstreamKeysFor}). An unpartitioned downstream yields [].
 *
 * @example
 * downstreamKeysFor(timeWindowMapping(), days, weeks, "2024-01-09", { now }); // ["2024-01-07"]
 */
export function downstreamKeysFor(
  mapping: PartitionMapping,
  upstream: PartitionsDefinition | undefined,
  downstream: PartitionsDefinition | undefined,
  upstreamKey: string | undefined,
  ctx?: PartitionContext,
): string[] {
  validateMapping(mapping, upstream, downstream);
  checkKey(upstream, upstreamKey, "upstream", ctx);
  if (downstream === undefined) return [];
  const down = keySpace(downstream, ctx);
  const uk = upstreamKey;
  switch (mapping.kind) {
    case "all":
      return down.keys();
    case "last": {
      const up = keySpace(upstream!, ctx);
      return up.count > 0 && up.keyAt(up.count - 1) === uk ? down.keys() : [];
    }
    case "identity":
      return down.indexOf(uk!) >= 0 ? [uk!] : [];
    case "static": {
      const targets = new Set(mapping.upstreamToDownstream[uk!] ?? []);
      return down.keys().filter((d) => targets.has(d));
    }
    case "time_window":
      return timeDownstream(mapping, upstream as TimeWindowPartitionsDefinition, downstream as TimeWindowPartitionsDefinition, uk!, ctx, down);
    case "multi_to_single":
      if (downstream.kind === "multi") return expandDimension(downstream, mapping.dimension, upstream!, uk!, ctx);
      return projectDimension(upstream as MultiPartitionsDefinition, mapping.dimension, downstream, uk!, down);
  }
}

/** Upstream windows overlapping the downstream window shifted by the offsets. */
function timeUpstream(m: TimeWindowMapping, up: TimeWindowPartitionsDefinition, down: TimeWindowPartitionsDefinition, key: string, ctx: PartitionContext | undefined, upSpace: KeySpace): string[] {
  const d = timeIndex(down);
  const u = timeIndex(up);
  const i = partitionIndex(down, key, ctx);
  const s = d.tick(i + m.startOffset);
  const e = d.tick(i + m.endOffset + 1);
  const first = Math.max(0, u.windowIndexAtClamped(s, -1));
  const last = Math.min(upSpace.count - 1, u.windowIndexAtClamped(e - 1, -1));
  return first <= last ? upSpace.keys(first, last + 1) : [];
}

/**
 * Downstream windows i whose shifted window [tick(i + start), tick(i + end + 1)) overlaps the
 * upstream window [s, e): i from window(s) - end to window(e - 1) - start.
 */
function timeDownstream(m: TimeWindowMapping, up: TimeWindowPartitionsDefinition, down: TimeWindowPartitionsDefinition, key: string, ctx: PartitionContext | undefined, downSpace: KeySpace): string[] {
  const d = timeIndex(down);
  const u = timeIndex(up);
  const j = partitionIndex(up, key, ctx);
  const s = u.tick(j);
  const e = u.tick(j + 1);
  const floor = Math.min(m.startOffset, m.endOffset, 0) - 1;
  const first = Math.max(0, d.windowIndexAtClamped(s, floor) - m.endOffset);
  const last = Math.min(downSpace.count - 1, d.windowIndexAtClamped(e - 1, floor) - m.startOffset);
  return first <= last ? downSpace.keys(first, last + 1) : [];
}

/** Multi keys whose `dimension` value is `key` (a key of the single side). */
function expandDimension(multi: MultiPartitionsDefinition, wanted: string | undefined, single: PartitionsDefinition, key: string, ctx: PartitionContext | undefined): string[] {
  const dim = matchingDimension(multi, single, wanted)!;
  const pos = multi.dimensions[0].name === dim ? 0 : 1;
  const own = keySpace(multi.dimensions[pos]!.partitions, ctx, true);
  if (own.indexOf(key) < 0) return [];
  const other = keySpace(multi.dimensions[1 - pos]!.partitions, ctx, true).keys();
  return other.map((o) => (pos === 0 ? `${key}${MULTI_KEY_DELIMITER}${o}` : `${o}${MULTI_KEY_DELIMITER}${key}`));
}

/** The `dimension` value of a multi key, if the single side has it. */
function projectDimension(multi: MultiPartitionsDefinition, wanted: string | undefined, single: PartitionsDefinition, key: string, singleSpace: KeySpace): string[] {
  const dim = matchingDimension(multi, single, wanted)!;
  const pos = multi.dimensions[0].name === dim ? 0 : 1;
  const v = key.split(MULTI_KEY_DELIMITER)[pos]!;
  return singleSpace.indexOf(v) >= 0 ? [v] : [];
}
