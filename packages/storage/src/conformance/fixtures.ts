import type { EventType, RunRecord, StrataEvent } from "@strata/core";
import type { BackfillChunkRecord, BackfillRecord, Storage } from "../storage.ts";

/** Gives each test the storage its factory made. */
export interface ConformanceContext {
  readonly storage: Storage;
}

let seq = 0;

/** A complete run record; `createdAt` increases with every call so order is predictable. */
export function makeRun(overrides: Partial<RunRecord> = {}): RunRecord {
  seq += 1;
  const createdAt = 1_700_000_000_000 + seq * 1000;
  return {
    runId: `run-${seq}-${Math.random().toString(36).slice(2, 8)}`,
    status: "QUEUED",
    selection: "*",
    assetKeys: ["a"],
    checkKeys: [],
    tags: {},
    location: "default",
    createdAt,
    updatedAt: createdAt,
    config: {},
    ...overrides,
  };
}

/** An event of `runId` with sensible defaults. */
export function event(runId: string, type: EventType, extra: Partial<StrataEvent> = {}): StrataEvent {
  return { runId, type, timestamp: 1_700_000_000_000, level: "info", message: type.toLowerCase(), ...extra };
}

export function materialization(runId: string, assetKey: string, extra: Partial<StrataEvent> = {}): StrataEvent {
  return event(runId, "ASSET_MATERIALIZATION", { assetKey, stepKey: assetKey, ...extra });
}

export function planned(runId: string, assetKey: string, extra: Partial<StrataEvent> = {}): StrataEvent {
  return event(runId, "ASSET_MATERIALIZATION_PLANNED", { assetKey, ...extra });
}

export function checkEvaluation(
  runId: string,
  assetKey: string,
  name: string,
  passed: boolean,
  extra: Partial<StrataEvent> = {},
): StrataEvent {
  return event(runId, "ASSET_CHECK_EVALUATION", {
    assetKey,
    checkKey: `${assetKey}:${name}`,
    data: { check: { name, passed, severity: "ERROR", blocking: false } },
    ...extra,
  });
}

let backfillSeq = 0;

/** A backfill record; `createdAt` increases with every call so order is predictable. */
export function makeBackfill(overrides: Partial<BackfillRecord> = {}): BackfillRecord {
  backfillSeq += 1;
  const createdAt = 1_700_000_000_000 + backfillSeq * 1000;
  return {
    backfillId: `bf-${backfillSeq}-${Math.random().toString(36).slice(2, 8)}`,
    status: "REQUESTED",
    selection: "daily*",
    assetKeys: ["daily_a", "daily_b"],
    partitionSelection: { range: "2024-01-01...2024-01-31" },
    tags: {},
    maxConcurrentRuns: 4,
    location: "default",
    createdAt,
    updatedAt: createdAt,
    ...overrides,
  };
}

/** `count` per-partition chunks of `backfillId`, each depending on the previous one. */
export function makeChunks(backfillId: string, count: number, assetKeys: string[] = ["daily_a"]): BackfillChunkRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    backfillId,
    chunkId: i,
    assetKeys,
    partitionKeys: [`p${String(i).padStart(6, "0")}`],
    dependsOn: i === 0 ? [] : [i - 1],
    status: "PENDING" as const,
    attempts: 0,
    updatedAt: 1_700_000_000_000,
  }));
}
