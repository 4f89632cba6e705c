/**
 * The launch dialog's partition picker, as pure functions: key lookup and validation over the
 * definition's ordered keys (O(1) per key with 50,000 partitions), ranges, multi-partition
 * rectangles, the status bar's segments and the request a choice becomes.
 */
import type { PartitionsResponse } from "./api.ts";

type StatusRange = PartitionsResponse["ranges"][number];
export type PartitionDisplayStatus = StatusRange["status"];

export interface KeyIndex {
  keys: string[];
  index: Map<string, number>;
  /** The keys lower-cased once, for suggestions. */
  lower: string[];
}

export function keyIndex(keys: string[]): KeyIndex {
  const index = new Map<string, number>();
  const lower = new Array<string>(keys.length);
  keys.forEach((k, i) => {
    index.set(k, i);
    lower[i] = k.toLowerCase();
  });
  return { keys, index, lower };
}

/** "valid keys run from A to B" (or the list itself when short), for error messages. */
export function describeValid(keys: readonly string[]): string {
  if (keys.length === 0) return "there are no partitions yet";
  if (keys.length <= 6) return `valid keys are ${keys.join(", ")}`;
  return `valid keys run from ${keys[0]} to ${keys[keys.length - 1]}`;
}

/** The key's position, or an error naming the valid range. */
export function checkKey(ix: KeyIndex, text: string, what = "Partition"): { i?: number; error?: string } {
  const key = text.trim();
  if (key === "") return { error: `Enter ${what === "Partition" ? "a partition key" : `the ${what.toLowerCase()}`}: ${describeValid(ix.keys)}` };
  const i = ix.index.get(key);
  if (i === undefined) return { error: `${what} "${key}" is not a partition: ${describeValid(ix.keys)}` };
  return { i };
}

/** A range of keys, both ends inclusive: both must exist and come in order. */
export function checkRange(ix: KeyIndex, start: string, end: string): { from?: number; to?: number; error?: string } {
  const a = checkKey(ix, start, "First key");
  if (a.error) return { error: a.error };
  const b = checkKey(ix, end, "Last key");
  if (b.error) return { error: b.error };
  if (b.i! < a.i!) return { error: `The range is inverted: "${end.trim()}" comes before "${start.trim()}"; swap them` };
  return { from: a.i!, to: b.i! };
}

/** Up to `limit` keys starting with `text`, then keys containing it (a scan that stops early). */
export function suggest(ix: KeyIndex, text: string, limit = 8): string[] {
  const t = text.trim().toLowerCase();
  if (ix.index.has(text.trim())) return [];
  const out: string[] = [];
  if (t === "") return ix.keys.slice(-limit).reverse();
  const { keys, lower } = ix;
  for (let i = 0; i < keys.length; i++) if (lower[i]!.startsWith(t) && out.push(keys[i]!) >= limit) return out;
  for (let i = 0; i < keys.length; i++) if (!lower[i]!.startsWith(t) && lower[i]!.includes(t) && out.push(keys[i]!) >= limit) return out;
  return out;
}

/** One dimension of a multi-partition: every value, or a range of values (one value: start = end). */
export type DimensionSpec = { all: true } | { all?: false; start: string; end: string };

/**
 * A multi-partition rectangle (what a range of multi keys means, as in Dagster): each
 * dimension all or a range. Keys join dimension values with "|" in dimension order.
 */
export function multiRange(dims: { name: string; keys: string[] }[], specs: DimensionSpec[]): { start?: string; end?: string; count?: number; error?: string } {
  const starts: string[] = [];
  const ends: string[] = [];
  let count = 1;
  for (const [d, dim] of dims.entries()) {
    const spec = specs[d] ?? { all: true };
    if (dim.keys.length === 0) return { error: `Dimension "${dim.name}" has no partitions yet` };
    if (spec.all) {
      starts.push(dim.keys[0]!);
      ends.push(dim.keys[dim.keys.length - 1]!);
      count *= dim.keys.length;
      continue;
    }
    const r = checkRange(keyIndex(dim.keys), spec.start, spec.end.trim() === "" ? spec.start : spec.end);
    if (r.error) return { error: `${dim.name}: ${r.error}` };
    starts.push(dim.keys[r.from!]!);
    ends.push(dim.keys[r.to!]!);
    count *= r.to! - r.from! + 1;
  }
  return { start: starts.join("|"), end: ends.join("|"), count };
}

export type PartitionChoice =
  | { kind: "range"; start: string; end: string; count: number }
  | { kind: "missing"; count: number }
  | { kind: "failed"; count: number };

/** A selection string for exact asset keys (quoted: keys may contain `/` and keywords). */
export function selectionOf(assetKeys: readonly string[]): string {
  return assetKeys.map((k) => `"${k.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`).join(" or ");
}

/**
 * The request a choice becomes: one key is one run (POST /api/runs, with config); more keys,
 * or all missing/failed, are a backfill (POST /api/backfills), which splits them into runs
 * per each asset's backfill policy.
 */
export function launchRequest(
  choice: PartitionChoice,
  assetKeys: string[],
  extra: { tags?: Record<string, string>; config?: Record<string, unknown> },
): { path: "/api/runs" | "/api/backfills"; body: Record<string, unknown> } {
  const tags = extra.tags ? { tags: extra.tags } : {};
  if (choice.kind === "range" && choice.count === 1 && choice.start === choice.end) {
    return { path: "/api/runs", body: { assetKeys, partitionKey: choice.start, ...tags, ...(extra.config ? { config: extra.config } : {}) } };
  }
  const selection = selectionOf(assetKeys);
  if (choice.kind === "range") return { path: "/api/backfills", body: { selection, partitions: { range: `${choice.start}...${choice.end}` }, ...tags } };
  return { path: "/api/backfills", body: { selection, partitions: { all: true }, ...(choice.kind === "missing" ? { onlyMissing: true } : { onlyFailed: true }), ...tags } };
}

/** A run of keys on the status bar, by position in the definition's key order (inclusive). */
export interface BarSegment {
  status: PartitionDisplayStatus;
  from: number;
  to: number;
}

const WORST: PartitionDisplayStatus[] = ["failed", "in_progress", "missing", "stale", "materialized"];

/**
 * The status bar's segments: the ranges themselves, or (when there are more than `max`) equal
 * buckets of keys, each shown with its worst status, so 50,000 alternating partitions draw
 * `max` elements, not 50,000.
 */
export function barSegments(ranges: readonly StatusRange[], max = 300): BarSegment[] {
  const exact: BarSegment[] = [];
  let at = 0;
  for (const r of ranges) {
    exact.push({ status: r.status, from: at, to: at + r.count - 1 });
    at += r.count;
  }
  if (exact.length <= max) return exact;
  const size = Math.ceil(at / max);
  const out: BarSegment[] = [];
  let k = 0;
  for (let from = 0; from < at; from += size) {
    const to = Math.min(at, from + size) - 1;
    let status: PartitionDisplayStatus = "materialized";
    while (k < exact.length && exact[k]!.to < from) k++;
    for (let j = k; j < exact.length && exact[j]!.from <= to; j++) {
      if (WORST.indexOf(exact[j]!.status) < WORST.indexOf(status)) status = exact[j]!.status;
    }
    out.push({ status, from, to });
  }
  return out;
}
