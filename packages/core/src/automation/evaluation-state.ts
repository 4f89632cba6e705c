import { StrataError } from "../errors.ts";
import type { PartitionSubsetJSON } from "../partitions/index.ts";

/** A stored set of partitions of one asset: `1` = the (unpartitioned) asset; else key ranges/keys. */
export type StoredSubset = 1 | PartitionSubsetJSON;

/** What one asset's evaluation remembers for the next tick (omitted when all are empty). */
export interface AssetEvaluationState {
  /** Partitions requested by that evaluation (for `newly_requested`). */
  requested?: StoredSubset;
  /** Node path → true-subset memory of `since` and `newly_true` nodes. */
  memory?: Record<string, StoredSubset>;
  /** Node path → code version seen by `code_version_changed` ("" for none). */
  codeVersions?: Record<string, string>;
}

/**
 * Everything `since`, `newly_true`, `since_last_handled`, `newly_updated`, `newly_requested`,
 * `cron_tick_passed` and `code_version_changed` need from the previous tick. Plain JSON and
 * compact: subsets are key ranges, assets are listed once under their condition's fingerprint,
 * and only assets with a non-empty memory have an `assets` entry (~100 KiB for 10,000 assets).
 * The daemon stores it with the tick (write it in the same transaction as the tick's runs).
 */
export interface EvaluationState {
  version: 1;
  /** `now` of the evaluation that produced it. */
  evaluatedAt: number;
  /** `view.latestEventId` at that evaluation. */
  eventId: number;
  /** Condition fingerprint → keys of the assets evaluated with it (a changed fingerprint = initial evaluation). */
  conditions: Record<string, string[]>;
  /** Memories, for assets that have any. */
  assets: Record<string, AssetEvaluationState>;
}

/**
 * Reads a stored state (e.g. from the key-value storage); throws INTERNAL on a malformed value
 * so a corrupt row is reported rather than silently resetting every since-memory.
 *
 * @example
 * const prev = parseEvaluationState(await storage.getValue("automation/state"));
 */
export function parseEvaluationState(json: string | undefined): EvaluationState | undefined {
  if (json === undefined || json === "") return undefined;
  const v = JSON.parse(json) as Partial<EvaluationState>;
  if (v === null || typeof v !== "object" || v.version !== 1 || typeof v.evaluatedAt !== "number" || typeof v.eventId !== "number" || typeof v.assets !== "object" || v.assets === null || typeof v.conditions !== "object" || v.conditions === null) {
    throw new StrataError("INTERNAL", "Stored automation evaluation state is malformed", { hint: "Delete it to start over (conditions then evaluate as on their first tick)." });
  }
  return v as EvaluationState;
}

const hashes = new WeakMap<object, string>();

/** FNV-1a (32-bit, hex) of a string: fingerprints, not security. */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** Fingerprint of a condition snapshot, cached per object. */
export function conditionHash(snapshot: object): string {
  let h = hashes.get(snapshot);
  if (h === undefined) {
    h = fnv1a(JSON.stringify(snapshot));
    hashes.set(snapshot, h);
  }
  return h;
}
