import { StrataError, type StrataEvent } from "@strata/core";

/**
 * Checks the fields the derived indexes depend on before anything is written, so a malformed
 * event fails the whole batch with a message naming it instead of corrupting an index.
 */
export function validateEvents(events: readonly StrataEvent[]): void {
  events.forEach((e, i) => {
    const problem = problemOf(e);
    if (problem) {
      throw new StrataError("STORAGE", `Event ${i} (${e.type} of run "${e.runId}") ${problem}; no events of this batch were stored.`, {
        hint: "This is a bug in whatever produced the event (engine or integration).",
        assetKey: e.assetKey,
      });
    }
  });
}

function problemOf(e: StrataEvent): string | undefined {
  if (typeof e.runId !== "string") return "has no runId";
  if (!Number.isFinite(e.timestamp)) return "has no numeric timestamp";
  switch (e.type) {
    case "ASSET_MATERIALIZATION":
    case "ASSET_WIPED":
      return e.assetKey ? undefined : "needs an assetKey";
    case "ASSET_MATERIALIZATION_PLANNED":
      if (!e.assetKey) return "needs an assetKey";
      return partitionsProblem(e);
    case "ASSET_CHECK_EVALUATION":
      if (!e.assetKey || !e.checkKey) return "needs assetKey and checkKey";
      return e.data?.check ? undefined : "needs data.check ({ name, passed, severity })";
    case "STEP_FAILURE": {
      const keys = e.data?.assetKeys;
      if (keys !== undefined && !isStringArray(keys)) return "has data.assetKeys that is not a string[]";
      return partitionsProblem(e);
    }
    default:
      return undefined;
  }
}

/** Asset keys a STEP_FAILURE reports as failed: `assetKey` and/or `data.assetKeys`. */
export function failedAssetKeys(e: StrataEvent): string[] {
  const keys = new Set<string>();
  if (e.assetKey) keys.add(e.assetKey);
  const listed = e.data?.assetKeys;
  if (Array.isArray(listed)) for (const k of listed) if (typeof k === "string") keys.add(k);
  return [...keys];
}

/**
 * Partitions an ASSET_MATERIALIZATION_PLANNED or STEP_FAILURE covers: the event's `partition`
 * and/or `data.partitions` (range runs report all their keys in one event).
 */
export function eventPartitions(e: StrataEvent): string[] {
  const listed = e.data?.partitions;
  if (!Array.isArray(listed) || listed.length === 0) return e.partition === undefined ? [] : [e.partition];
  const keys = e.partition === undefined ? [] : [e.partition];
  for (const k of listed) if (typeof k === "string" && k !== e.partition) keys.push(k);
  return keys;
}

function partitionsProblem(e: StrataEvent): string | undefined {
  const parts = e.data?.partitions;
  return parts === undefined || isStringArray(parts) ? undefined : "has data.partitions that is not a string[]";
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((k) => typeof k === "string");
}
