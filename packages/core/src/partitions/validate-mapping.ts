import { StrataError } from "../errors.ts";
import { identity, multiToSingleDimension, timeWindowMapping, allPartitions, type PartitionMapping } from "./partition-mapping.ts";
import { partitionsEqual } from "./snapshot.ts";
import type { MultiPartitionsDefinition, PartitionsDefinition } from "./types.ts";

/** Short label for messages. */
export function labelOf(def: PartitionsDefinition | undefined): string {
  if (def === undefined) return "unpartitioned";
  switch (def.kind) {
    case "time_window": return `time-window "${def.cron}" (${def.timezone})`;
    case "static": return `static [${def.keys.slice(0, 5).join(", ")}${def.keys.length > 5 ? ", …" : ""}]`;
    case "dynamic": return `dynamic "${def.name}"`;
    case "multi": return `multi (${def.dimensions.map((d) => d.name).join(", ")})`;
  }
}

/**
 * Whether two definitions share a key space, so the same key means the same partition:
 * equal time schedules (cron, zone, format; start/end may differ), static lists with a common
 * key, the same dynamic set, or multi-partitions whose dimensions pairwise share.
 *
 * @example
 * sameKeySpace(dailyPartitions({ start: "2024-01-01" }), dailyPartitions({ start: "2023-01-01" })); // true
 */
export function sameKeySpace(a: PartitionsDefinition, b: PartitionsDefinition): boolean {
  if (partitionsEqual(a, b)) return true;
  if (a.kind === "time_window" && b.kind === "time_window") return a.cron === b.cron && a.timezone === b.timezone && a.fmt === b.fmt;
  if (a.kind === "static" && b.kind === "static") return a.keys.some((k) => b.keys.includes(k));
  if (a.kind === "dynamic" && b.kind === "dynamic") return a.name === b.name;
  if (a.kind === "multi" && b.kind === "multi") {
    return a.dimensions.every((d, i) => d.name === b.dimensions[i]!.name && sameKeySpace(d.partitions, b.dimensions[i]!.partitions));
  }
  return false;
}

/** The dimension of `multi` that matches `single`, or undefined; throws when `wanted` is unknown. */
export function matchingDimension(multi: MultiPartitionsDefinition, single: PartitionsDefinition, wanted?: string): string | undefined {
  if (wanted !== undefined) {
    const d = multi.dimensions.find((x) => x.name === wanted);
    if (d === undefined) throw mappingError(`multi-to-single mapping names dimension "${wanted}", but the multi-partitions have ${multi.dimensions.map((x) => x.name).join(", ")}`);
    return sameKeySpace(d.partitions, single) ? d.name : undefined;
  }
  const matches = multi.dimensions.filter((d) => sameKeySpace(d.partitions, single));
  if (matches.length > 1) throw mappingError(`both dimensions (${matches.map((d) => d.name).join(", ")}) match ${labelOf(single)}`, "Pass multiToSingleDimension({ dimension }).");
  return matches[0]?.name;
}

function mappingError(why: string, hint?: string): StrataError {
  return new StrataError("PARTITION_MAPPING", `Invalid partition mapping: ${why}`, { hint });
}

/**
 * Checks, at definition time, that `mapping` can relate `upstream` to `downstream`; throws
 * PARTITION_MAPPING naming both definitions and a fix. `undefined` means unpartitioned.
 *
 * @example
 * validateMapping(identity(), dailyPartitions({ start: "2024-01-01" }), staticPartitions(["us"])); // throws
 */
export function validateMapping(mapping: PartitionMapping, upstream: PartitionsDefinition | undefined, downstream: PartitionsDefinition | undefined): void {
  const pair = `from ${labelOf(upstream)} upstream to ${labelOf(downstream)} downstream`;
  const needBoth = (name: string): void => {
    if (upstream === undefined || downstream === undefined) throw mappingError(`${name} mapping ${pair}: both sides must be partitioned`, "Use allPartitions() or no mapping.");
  };
  switch (mapping.kind) {
    case "all":
      return;
    case "last":
      if (upstream === undefined) throw mappingError(`last-partition mapping ${pair}: the upstream asset has no partitions`);
      return;
    case "identity":
      needBoth("identity");
      if (!sameKeySpace(upstream!, downstream!)) {
        throw mappingError(`identity mapping ${pair}: their keys differ`, hintFor(upstream!, downstream!));
      }
      return;
    case "time_window":
      if (upstream?.kind !== "time_window" || downstream?.kind !== "time_window") {
        throw mappingError(`time window mapping ${pair}: both sides must be time-window partitions`, hintFor(upstream, downstream));
      }
      return;
    case "static": {
      needBoth("static");
      for (const [side, def] of [["upstream", upstream!], ["downstream", downstream!]] as const) {
        if (def.kind !== "static" && def.kind !== "dynamic") throw mappingError(`static mapping ${pair}: the ${side} side must be static or dynamic partitions`);
      }
      if (upstream!.kind === "static") {
        const unknown = Object.keys(mapping.upstreamToDownstream).filter((k) => !(upstream as { keys: readonly string[] }).keys.includes(k));
        if (unknown.length > 0) throw mappingError(`static mapping ${pair}: upstream has no key(s) ${unknown.join(", ")}`);
      }
      if (downstream!.kind === "static") {
        const keys = (downstream as { keys: readonly string[] }).keys;
        const unknown = [...new Set(Object.values(mapping.upstreamToDownstream).flat())].filter((k) => !keys.includes(k));
        if (unknown.length > 0) throw mappingError(`static mapping ${pair}: downstream has no key(s) ${unknown.join(", ")}`);
      }
      return;
    }
    case "multi_to_single": {
      needBoth("multi-to-single");
      const multi = upstream!.kind === "multi" ? upstream! : downstream!.kind === "multi" ? downstream! : undefined;
      const single = multi === upstream ? downstream! : upstream!;
      if (multi === undefined || single.kind === "multi" || multi.kind !== "multi") {
        throw mappingError(`multi-to-single mapping ${pair}: exactly one side must be multi-partitioned`);
      }
      if (matchingDimension(multi, single, mapping.dimension) === undefined) {
        throw mappingError(`multi-to-single mapping ${pair}: no dimension${mapping.dimension ? ` "${mapping.dimension}"` : ""} has the same partitions as ${labelOf(single)}`, "The single side must equal one dimension (same schedule, zone and format, or same keys).");
      }
      return;
    }
  }
}

function hintFor(up: PartitionsDefinition | undefined, down: PartitionsDefinition | undefined): string {
  if (up?.kind === "time_window" && down?.kind === "time_window") return "Use timeWindowMapping() between different schedules.";
  if ((up?.kind === "static" || up?.kind === "dynamic") && (down?.kind === "static" || down?.kind === "dynamic")) return "Use staticMapping({ upstreamKey: downstreamKeys }).";
  if (up?.kind === "multi" || down?.kind === "multi") return "Use multiToSingleDimension({ dimension }).";
  return "Use allPartitions() or lastPartition(), or give both assets compatible partitions.";
}

/**
 * The mapping used when a dependency declares none (as Dagster infers it): unpartitioned on
 * either side → all; same key space → identity; two time windows → time window (daily → weekly:
 * a week depends on its 7 days; hourly → daily: its 23, 24 or 25 hours); multi and single with a
 * matching dimension → multi-to-single. Anything else throws PARTITION_MAPPING asking for an
 * explicit mapping.
 *
 * @example
 * defaultMapping(dailyPartitions({ start: "2024-01-01" }), weeklyPartitions({ start: "2024-01-07" })).kind; // "time_window"
 */
export function defaultMapping(upstream: PartitionsDefinition | undefined, downstream: PartitionsDefinition | undefined): PartitionMapping {
  if (upstream === undefined || downstream === undefined) return allPartitions();
  if (sameKeySpace(upstream, downstream)) return identity();
  if (upstream.kind === "time_window" && downstream.kind === "time_window") return timeWindowMapping();
  if ((upstream.kind === "multi") !== (downstream.kind === "multi")) {
    const multi = (upstream.kind === "multi" ? upstream : downstream) as MultiPartitionsDefinition;
    const single = upstream.kind === "multi" ? downstream : upstream;
    const dim = matchingDimension(multi, single);
    if (dim !== undefined) return multiToSingleDimension({ dimension: dim });
  }
  throw mappingError(`no default mapping from ${labelOf(upstream)} upstream to ${labelOf(downstream)} downstream`, hintFor(upstream, downstream));
}
