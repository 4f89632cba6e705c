import { StrataError } from "../errors.ts";
import type { StaticPartitionsDefinition } from "./types.ts";

/**
 * Substrings no partition key may contain. Following Dagster: `...` separates the ends of a key
 * range (`a...b`) in the CLI and UI, and control characters don't display. Commas are allowed
 * in single-dimension keys (Dagster allows them too); only multi-partition dimensions forbid
 * `|` `,` `[` `]` (see `multiPartitions`).
 */
export const INVALID_KEY_SUBSTRINGS: readonly string[] = ["...", "\u0007", "\b", "\f", "\n", "\r", "\t", "\v", "\0"];

/** Throws PARTITION_INVALID for an empty key or one with a forbidden substring. */
export function assertValidKey(key: string, what: string): void {
  if (typeof key !== "string" || key.length === 0) {
    throw new StrataError("PARTITION_INVALID", `${what}: partition keys must be non-empty strings, got ${JSON.stringify(key)}`);
  }
  const bad = INVALID_KEY_SUBSTRINGS.filter((s) => key.includes(s));
  if (bad.length > 0) {
    throw new StrataError("PARTITION_INVALID", `${what}: partition key ${JSON.stringify(key)} contains ${bad.map((b) => JSON.stringify(b)).join(", ")}`, {
      hint: '"..." separates range ends (a...b) and control characters do not display; remove them.',
    });
  }
}

/**
 * A fixed list of keys, in the order given.
 *
 * @example
 * const regions = staticPartitions(["us", "eu", "apac"]);
 */
export function staticPartitions(keys: readonly string[]): StaticPartitionsDefinition {
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new StrataError("PARTITION_INVALID", "Static partitions need at least one key", { hint: 'e.g. staticPartitions(["us", "eu"])' });
  }
  const seen = new Set<string>();
  for (const k of keys) {
    assertValidKey(k, "Static partitions");
    if (seen.has(k)) throw new StrataError("PARTITION_INVALID", `Static partitions list the key ${JSON.stringify(k)} twice`);
    seen.add(k);
  }
  return Object.freeze({ kind: "static" as const, keys: Object.freeze([...keys]) });
}
