import { StrataError } from "../errors.ts";
import { requireStore } from "./dynamic-partitions.ts";
import { MULTI_KEY_DELIMITER } from "./multi-partitions.ts";
import { timeIndex } from "./time-index.ts";
import type { PartitionContext, PartitionsDefinition, StaticPartitionsDefinition } from "./types.ts";

/**
 * The keys of a definition at one moment (time, dynamic store contents) as an ordered space:
 * ordinal index ↔ key in O(1) (time windows: O(1) via a cached map; multi: product of two
 * dimension spaces, `index = i0 * n1 + i1`). Subsets, status summaries and backfill planning
 * work on indices so that 100,000 keys cost arrays of numbers, not string sets.
 *
 * Indices are stable while the definition is unchanged for time windows (new windows append)
 * and static keys; dynamic indices follow the store's order and shift when keys are removed.
 *
 * @example
 * const ks = keySpace(dailyPartitions({ start: "2024-01-01" }), { now: Date.UTC(2024, 1, 1) });
 * ks.count;                  // 31
 * ks.indexOf("2024-01-10");  // 9
 */
export interface KeySpace {
  readonly count: number;
  keyAt(index: number): string;
  /** -1 when absent. */
  indexOf(key: string): number;
  /** Keys `[from, to)`. */
  keys(from?: number, to?: number): string[];
}

/** `ctx.now` as ms, defaulting to the current time. */
export function nowOf(ctx: PartitionContext | undefined): number {
  const n = ctx?.now;
  if (n === undefined) return Date.now();
  const t = typeof n === "number" ? n : n.getTime();
  if (!Number.isFinite(t)) throw new StrataError("PARTITION_INVALID", `Invalid "now": ${String(n)}`);
  return t;
}

const staticIndex = new WeakMap<StaticPartitionsDefinition, Map<string, number>>();
const listIndex = new WeakMap<readonly string[], Map<string, number>>();

function listSpace(list: readonly string[], index: Map<string, number>): KeySpace {
  return {
    count: list.length,
    keyAt: (i) => list[i]!,
    indexOf: (k) => index.get(k) ?? -1,
    keys: (from = 0, to = list.length) => list.slice(from, to),
  };
}

function indexList(list: readonly string[]): Map<string, number> {
  let m = listIndex.get(list);
  if (m === undefined) {
    m = new Map();
    for (let i = 0; i < list.length; i++) if (!m.has(list[i]!)) m.set(list[i]!, i);
    listIndex.set(list, m);
  }
  return m;
}

/** Builds the key space of `def` as of `ctx`. */
export function keySpace(def: PartitionsDefinition, ctx?: PartitionContext, inMulti = false): KeySpace {
  switch (def.kind) {
    case "static": {
      let m = staticIndex.get(def);
      if (m === undefined) {
        m = new Map(def.keys.map((k, i) => [k, i]));
        staticIndex.set(def, m);
      }
      return listSpace(def.keys, m);
    }
    case "dynamic": {
      const store = requireStore(ctx, def.name);
      let list = store.getKeys(def.name);
      // Like Dagster, keys that would break the "a|b" form are left out of a multi dimension.
      if (inMulti && list.some((k) => k.includes(MULTI_KEY_DELIMITER))) list = list.filter((k) => !k.includes(MULTI_KEY_DELIMITER));
      return listSpace(list, indexList(list));
    }
    case "time_window": {
      const ix = timeIndex(def);
      const count = ix.count(nowOf(ctx));
      return {
        count,
        keyAt: (i) => ix.keyAt(i),
        indexOf: (k) => ix.indexOfKey(k, count),
        keys: (from = 0, to = count) => ix.keysBetween(from, to),
      };
    }
    case "multi": {
      const a = keySpace(def.dimensions[0].partitions, ctx, true);
      const b = keySpace(def.dimensions[1].partitions, ctx, true);
      const nb = b.count;
      const keyAt = (i: number): string => `${a.keyAt(Math.floor(i / nb))}${MULTI_KEY_DELIMITER}${b.keyAt(i % nb)}`;
      const count = a.count * nb;
      return {
        count,
        keyAt,
        indexOf: (k) => {
          const p = k.indexOf(MULTI_KEY_DELIMITER);
          if (p < 0 || k.indexOf(MULTI_KEY_DELIMITER, p + 1) >= 0) return -1;
          const ia = a.indexOf(k.slice(0, p));
          const ib = ia < 0 ? -1 : b.indexOf(k.slice(p + 1));
          return ib < 0 ? -1 : ia * nb + ib;
        },
        keys: (from = 0, to = count) => {
          const out: string[] = [];
          for (let i = from; i < to; i++) out.push(keyAt(i));
          return out;
        },
      };
    }
  }
}
