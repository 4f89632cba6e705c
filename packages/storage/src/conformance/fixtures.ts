import type { EventType, RunRecord, StrataEvent } from "@strata/core";
import type { Storage } from "../storage.ts";

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
