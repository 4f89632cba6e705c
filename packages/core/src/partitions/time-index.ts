import { StrataError } from "../errors.ts";
import { naiveFromFields } from "./civil.ts";
import { parseCron, type Cron } from "./cron.ts";
import { compileKeyFormat, type KeyFormat } from "./key-format.ts";
import { TickStream, tickBefore } from "./tick-stream.ts";
import { zone, type Zone } from "./timezone.ts";
import type { TimeWindowPartitionsDefinition } from "./types.ts";

// Local copies: module-namespace reads of imported constants are slow in hot loops.
const DAY_MS = 86_400_000;

/** More windows than this is a mistake (Dagster recommends ≤ 100,000 per asset). */
export const MAX_TIME_PARTITIONS = 5_000_000;

const cache = new WeakMap<TimeWindowPartitionsDefinition, TimeIndex>();

/**
 * The ordinal index of a time-window definition: tick instants from the start, their keys and a
 * key → index map, all grown lazily and cached per definition object. Index `i` is the window
 * `[tick(i), tick(i + 1))`; negative indices are windows before the start (used by mappings).
 *
 * @example
 * const ix = timeIndex(dailyPartitions({ start: "2024-01-01" }));
 * ix.keyAt(31); // "2024-02-01"
 */
export function timeIndex(def: TimeWindowPartitionsDefinition): TimeIndex {
  let ix = cache.get(def);
  if (ix === undefined) {
    ix = new TimeIndex(def);
    cache.set(def, ix);
  }
  return ix;
}

/** Key lookups answered by parsing before building the index of every key. */
const PARSED_LOOKUPS = 1_000;

export class TimeIndex {
  readonly cron: Cron;
  readonly zone: Zone;
  readonly format: KeyFormat;
  readonly startMs: number;
  readonly endMs: number;
  readonly endOffset: number;
  private readonly ticks: number[] = [];
  private readonly before: number[] = [];
  private readonly keys: string[] = [];
  private readonly keyIndex = new Map<string, number>();
  /** Lookups answered by parsing so far (see {@link indexOfKey}). */
  private parsedLookups = 0;
  private readonly stream: TickStream;
  private readonly suffixFolds: boolean;

  constructor(def: TimeWindowPartitionsDefinition) {
    this.cron = parseCron(def.cron);
    this.zone = zone(def.timezone);
    this.format = compileKeyFormat(def.fmt);
    this.startMs = Date.parse(def.start);
    this.endMs = def.end === undefined ? Infinity : Date.parse(def.end);
    this.endOffset = def.endOffset;
    this.stream = new TickStream(this.cron, this.zone, this.startMs);
    this.suffixFolds = this.cron.everyHour && !this.format.hasOffset && def.timezone !== "UTC";
  }

  /** Start instant of window `i` (any integer). */
  tick(i: number): number {
    if (i >= 0) {
      this.ensureCount(i + 1);
      return this.ticks[i]!;
    }
    let j = this.before.length;
    while (j < -i) {
      const from = j === 0 ? this.tick(0) : this.before[j - 1]!;
      this.before.push(tickBefore(this.cron, this.zone, from));
      j++;
    }
    return this.before[-i - 1]!;
  }

  /** Number of partitions as of `now` (Dagster's end / endOffset semantics). */
  count(now: number): number {
    const bounded = this.completeWindowsBefore(Math.min(now, this.endMs));
    if (this.endOffset <= 0) return Math.max(0, bounded + this.endOffset);
    if (this.endMs <= now) return bounded;
    // Open windows past `now`, but never one that ends after `end`.
    let c = bounded + this.endOffset;
    while (c > bounded && this.tick(c) > this.endMs) c--;
    return c;
  }

  /** Windows `[tick(i), tick(i+1))`, i ≥ 0, with `tick(i+1) <= t`. */
  private completeWindowsBefore(t: number): number {
    if (t === Infinity) throw new StrataError("INTERNAL", "unbounded time window count");
    return Math.max(0, this.upperBound(t) - 1);
  }

  /** Number of ticks (from index 0) that are <= t. */
  upperBound(t: number): number {
    this.ensureAfter(t);
    let lo = 0;
    let hi = this.ticks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ticks[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the window containing instant `t` (may be negative, before the start). */
  windowIndexAt(t: number): number {
    if (t >= this.tick(0)) return this.upperBound(t) - 1;
    let i = -1;
    while (this.tick(i) > t) i--;
    return i;
  }

  /**
   * Like {@link windowIndexAt}, but without walking back further than window `floor`: any
   * instant before `tick(floor)` gives `floor - 1`. Callers that clamp to index 0 only need that.
   */
  windowIndexAtClamped(t: number, floor: number): number {
    if (t < this.tick(floor)) return floor - 1;
    return this.windowIndexAt(t);
  }

  keyAt(i: number): string {
    this.ensureKeys(i + 1);
    return this.keys[i]!;
  }

  /** Formats the window start of any index (including negative ones). */
  formatTick(t: number): string {
    const offset = this.zone.offsetAt(t);
    const suffix = this.suffixFolds && this.isSecondFoldInstance(t, offset);
    return this.format.format(t + offset, offset, suffix);
  }

  /** Keys `[from, to)`; formats them once and caches. */
  keysBetween(from: number, to: number): string[] {
    this.ensureKeys(to);
    return this.keys.slice(from, to);
  }

  /** Index of `key` among the first `limit` windows, or -1. */
  indexOfKey(key: string, limit: number): number {
    // Until every key up to `limit` is indexed, the first lookups parse the key and check that
    // its window formats back to exactly this key: a few lookups (an upstream's newer partitions,
    // say) then format no 100,000 keys. Many lookups, and anything parsing does not find (DST
    // suffixes, odd keys), use the index.
    if (this.keyIndex.size < limit && this.parsedLookups < PARSED_LOOKUPS) {
      this.parsedLookups++;
      const i = this.indexByParsing(key, limit);
      if (i >= 0) return i;
    }
    this.ensureKeys(limit);
    for (let i = this.keyIndex.size; i < limit; i++) this.keyIndex.set(this.keys[i]!, i);
    const i = this.keyIndex.get(key);
    return i !== undefined && i < limit ? i : -1;
  }

  /** The index among the first `limit` windows whose key is `key`, found by parsing it; -1 when not found this way. */
  private indexByParsing(key: string, limit: number): number {
    const parsed = this.format.parse(key);
    if (parsed === undefined || limit <= 0) return -1;
    const f = parsed.fields;
    const naive = naiveFromFields(f.year, f.month, f.day, f.hour, f.minute, f.second);
    let t: number;
    if (parsed.offsetMs !== undefined) t = naive - parsed.offsetMs;
    else {
      const r = this.zone.resolve(naive);
      t = r.kind === "unique" ? r.instant : r.kind === "fold" ? r.first : r.transition;
    }
    this.ensureCount(limit);
    if (t < this.ticks[0]! || t > this.ticks[limit - 1]!) return -1;
    // Last window starting at or before t.
    let lo = 0;
    let hi = limit - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.ticks[mid]! <= t) lo = mid;
      else hi = mid - 1;
    }
    return this.formatTick(this.ticks[lo]!) === key ? lo : -1;
  }

  private isSecondFoldInstance(t: number, offset: number): boolean {
    if (this.zone.offsetAt(t - DAY_MS) === offset && this.zone.offsetAt(t + DAY_MS) === offset) return false;
    const r = this.zone.resolve(t + offset);
    return r.kind === "fold" && r.second === t;
  }

  private ensureKeys(n: number): void {
    this.ensureCount(n);
    for (let i = this.keys.length; i < n; i++) this.keys.push(this.formatTick(this.ticks[i]!));
  }

  private ensureCount(n: number): void {
    if (n > MAX_TIME_PARTITIONS) this.tooMany();
    while (this.ticks.length < n) this.ticks.push(this.stream.next());
  }

  /** Makes sure a tick later than `t` is known. */
  private ensureAfter(t: number): void {
    while (this.ticks.length === 0 || this.ticks[this.ticks.length - 1]! <= t) {
      if (this.ticks.length >= MAX_TIME_PARTITIONS) this.tooMany();
      this.ticks.push(this.stream.next());
    }
  }

  private tooMany(): never {
    throw new StrataError("PARTITION_INVALID", `Time-window partitions "${this.cron.source}" would have more than ${MAX_TIME_PARTITIONS} partitions`, {
      hint: "Use a later start, an end, or a coarser schedule.",
    });
  }
}
