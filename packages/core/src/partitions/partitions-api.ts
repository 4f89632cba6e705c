import { StrataError } from "../errors.ts";
import { closest } from "../suggest.ts";
import { naiveFromFields } from "./civil.ts";
import { keySpace, nowOf, type KeySpace } from "./key-space.ts";
import { splitMultiKey } from "./multi-partitions.ts";
import { timeIndex } from "./time-index.ts";
import { describeSchedule } from "./time-window-partitions.ts";
import type { PartitionContext, PartitionsDefinition, TimeWindow, TimeWindowPartitionsDefinition } from "./types.ts";

/**
 * All partition keys, in order, as of `ctx.now` (time windows) and the dynamic store.
 *
 * @example
 * getPartitionKeys(dailyPartitions({ start: "2024-01-01" }), { now: new Date("2024-01-04T12:00Z") });
 * // ["2024-01-01", "2024-01-02", "2024-01-03"]
 */
export function getPartitionKeys(def: PartitionsDefinition, ctx?: PartitionContext): string[] {
  return keySpace(def, ctx).keys();
}

/** Number of partitions as of `ctx`. @example countPartitions(staticPartitions(["a", "b"])) // 2 */
export function countPartitions(def: PartitionsDefinition, ctx?: PartitionContext): number {
  return keySpace(def, ctx).count;
}

/** Whether `key` is a partition as of `ctx`. @example hasPartitionKey(regions, "us") // true */
export function hasPartitionKey(def: PartitionsDefinition, key: string, ctx?: PartitionContext): boolean {
  return keySpace(def, ctx).indexOf(key) >= 0;
}

/**
 * Ordinal index of `key`; throws PARTITION_UNKNOWN_KEY (see {@link validateKey}) when absent.
 *
 * @example
 * partitionIndex(dailyPartitions({ start: "2024-01-01" }), "2024-01-03", { now }); // 2
 */
export function partitionIndex(def: PartitionsDefinition, key: string, ctx?: PartitionContext, space: KeySpace = keySpace(def, ctx)): number {
  const i = space.indexOf(key);
  if (i < 0) throw unknownKeyError(def, key, ctx, space);
  return i;
}

/**
 * Throws PARTITION_UNKNOWN_KEY unless `key` is a partition. The message names the valid range
 * ("valid keys run from 2024-01-01 to 2024-03-31 (daily, UTC)") or suggests the closest key.
 *
 * @example
 * validateKey(regions, "uss"); // throws: Unknown partition key "uss"; did you mean "us"?
 */
export function validateKey(def: PartitionsDefinition, key: string, ctx?: PartitionContext): void {
  partitionIndex(def, key, ctx);
}

/**
 * Keys from `start` to `end`, both inclusive. Throws PARTITION_UNKNOWN_KEY for a key outside the
 * definition and PARTITION_INVALID for an inverted range. For multi-partitions the range is the
 * rectangle of the two dimension ranges, as in Dagster.
 *
 * @example
 * partitionKeysInRange(days, "2024-01-30", "2024-02-02", { now }); // 4 keys
 */
export function partitionKeysInRange(def: PartitionsDefinition, start: string, end: string, ctx?: PartitionContext): string[] {
  if (def.kind === "multi") {
    const s = splitMultiKey(def, start);
    const e = splitMultiKey(def, end);
    const [d0, d1] = def.dimensions;
    const k0 = partitionKeysInRange(d0.partitions, s[d0.name]!, e[d0.name]!, ctx);
    const k1 = partitionKeysInRange(d1.partitions, s[d1.name]!, e[d1.name]!, ctx);
    return k0.flatMap((a) => k1.map((b) => `${a}|${b}`));
  }
  const space = keySpace(def, ctx);
  const i = partitionIndex(def, start, ctx, space);
  const j = partitionIndex(def, end, ctx, space);
  if (j < i) {
    throw new StrataError("PARTITION_INVALID", `Partition range ${start}...${end} is inverted: ${end} comes before ${start}`, {
      hint: `Write it as ${end}...${start}.`,
    });
  }
  return space.keys(i, j + 1);
}

function timeDefOf(def: PartitionsDefinition, what: string): { def: TimeWindowPartitionsDefinition; dim?: string } {
  if (def.kind === "time_window") return { def };
  if (def.kind === "multi") {
    const dim = def.dimensions.find((d) => d.partitions.kind === "time_window");
    if (dim !== undefined) return { def: dim.partitions as TimeWindowPartitionsDefinition, dim: dim.name };
  }
  throw new StrataError("PARTITION_INVALID", `${what} needs time-window partitions, but these are ${def.kind}`);
}

/**
 * The `[start, end)` window of a time-window key (for multi-partitions, of its time dimension).
 *
 * @example
 * timeWindowForKey(days, "2024-03-10", { now }); // { start: 2024-03-10T00:00Z, end: 2024-03-11T00:00Z }
 */
export function timeWindowForKey(def: PartitionsDefinition, key: string, ctx?: PartitionContext): TimeWindow {
  const t = timeDefOf(def, "timeWindowForKey");
  const k = t.dim === undefined ? key : splitMultiKey(def as Extract<PartitionsDefinition, { kind: "multi" }>, key)[t.dim]!;
  const i = partitionIndex(t.def, k, ctx);
  const ix = timeIndex(t.def);
  return Object.freeze({ start: new Date(ix.tick(i)), end: new Date(ix.tick(i + 1)) });
}

/**
 * The key of the window containing `time`, whether or not that window is a partition yet (it may
 * be before the start or after the last complete window). Undefined before the first window,
 * or after `end`.
 *
 * @example
 * keyForTime(days, new Date("2024-03-10T15:00Z")); // "2024-03-10"
 */
export function keyForTime(def: TimeWindowPartitionsDefinition, time: Date | number): string | undefined {
  const t = typeof time === "number" ? time : time.getTime();
  const ix = timeIndex(def);
  if (t < ix.tick(0)) return undefined;
  const window = ix.windowIndexAt(t);
  if (ix.tick(window + 1) > ix.endMs) return undefined;
  return ix.keyAt(window);
}

/** "valid keys run from 2024-01-01 to 2024-03-31 (daily, UTC)", "valid keys are us, eu (static)" or a note that there are none, for messages. */
export function describePartitions(def: PartitionsDefinition, ctx?: PartitionContext, space: KeySpace = keySpace(def, ctx)): string {
  const n = space.count;
  const where = def.kind === "time_window" ? ` (${describeSchedule(def)}, ${def.timezone})` : def.kind === "dynamic" ? ` (dynamic "${def.name}")` : def.kind === "static" ? " (static)" : ` (${def.dimensions.map((d) => d.name).join("|")})`;
  if (n === 0) {
    const why = def.kind === "time_window" ? ` as of ${new Date(nowOf(ctx)).toISOString()}: the first window (from ${def.start}) is not complete` : "";
    return `there are no partitions${why}${where}`;
  }
  // A short key list (static or dynamic) is clearer in full than as "from A to B".
  if ((def.kind === "static" || def.kind === "dynamic") && n <= 10) return `valid keys are ${space.keys().join(", ")}${where}`;
  return `valid keys run from ${space.keyAt(0)} to ${space.keyAt(n - 1)}${where}`;
}

function unknownKeyError(def: PartitionsDefinition, key: string, ctx: PartitionContext | undefined, space: KeySpace): StrataError {
  const details = { key, kind: def.kind, count: space.count };
  if (def.kind === "multi") {
    const parts = splitMultiKey(def, key);
    for (const d of def.dimensions) {
      if (!hasPartitionKey(d.partitions, parts[d.name]!, ctx)) {
        const inner = unknownKeyError(d.partitions, parts[d.name]!, ctx, keySpace(d.partitions, ctx, true));
        return new StrataError("PARTITION_UNKNOWN_KEY", `Unknown partition key "${key}": dimension "${d.name}": ${inner.message}`, { hint: inner.hint, details });
      }
    }
  }
  let hint: string | undefined;
  if (def.kind === "static" || (def.kind === "dynamic" && space.count <= 10_000)) {
    const guess = closest(key, space.keys());
    if (guess !== undefined) hint = `Did you mean "${guess}"?`;
  }
  if (def.kind === "time_window") {
    const ix = timeIndex(def);
    const parsed = ix.format.parse(key);
    if (parsed === undefined) hint = `Keys use the format "${def.fmt}", e.g. "${ix.keyAt(0)}".`;
    else if (space.count > 0) {
      const f = parsed.fields;
      const naive = naiveFromFields(f.year, f.month, f.day, f.hour, f.minute, f.second);
      if (naive < ix.zone.toNaive(ix.tick(0))) hint = `It is before the first partition ${ix.keyAt(0)}.`;
      else if (naive > ix.zone.toNaive(ix.tick(space.count - 1))) {
        hint = `It is after the last partition as of ${new Date(nowOf(ctx)).toISOString()}${def.endOffset < 1 ? " (endOffset 0 keeps only complete windows; endOffset: 1 adds the open one)" : ""}.`;
      } else hint = `It is not the start of a ${describeSchedule(def)} window.`;
    }
  }
  return new StrataError("PARTITION_UNKNOWN_KEY", `Unknown partition key "${key}": ${describePartitions(def, ctx, space)}${hint?.startsWith("Did you mean") ? `; ${hint.slice(0, 1).toLowerCase()}${hint.slice(1)}` : ""}`, { hint, details });
}
