import type { InstigatorStatus } from "@strata/core";
import type { Storage } from "@strata/storage";
import { KV } from "./keys.ts";

/** What the daemon remembers per schedule or sensor between ticks. */
export interface InstigatorState {
  /** Schedules: the last tick time handled (the catch-up cursor). */
  lastTickTime?: number;
  /** Sensors: the stored cursor. */
  cursor?: string;
  /** When the last tick ran. */
  lastTickAt?: number;
}

export async function readState(storage: Storage, name: string): Promise<InstigatorState> {
  const raw = await storage.getValue(KV.instigatorState(name));
  if (raw === undefined) return {};
  try {
    return JSON.parse(raw) as InstigatorState;
  } catch {
    return {};
  }
}

export async function writeState(storage: Storage, name: string, state: InstigatorState): Promise<void> {
  await storage.setValue(KV.instigatorState(name), JSON.stringify(state));
}

/** RUNNING or STOPPED: what the user set (`strata schedules start`), else the definition's default. */
export async function instigatorStatus(storage: Storage, name: string, defaultStatus: InstigatorStatus): Promise<InstigatorStatus> {
  const v = await storage.getValue(KV.instigatorStatus(name));
  return v === "RUNNING" || v === "STOPPED" ? v : defaultStatus;
}

/**
 * Starts or stops a schedule/sensor. Starting resets a schedule's catch-up cursor to now, so
 * ticks missed while it was stopped are not launched.
 */
export async function setInstigatorStatus(storage: Storage, name: string, status: InstigatorStatus, now = Date.now()): Promise<void> {
  await storage.setValue(KV.instigatorStatus(name), status);
  if (status === "RUNNING") {
    const s = await readState(storage, name);
    await writeState(storage, name, { ...s, lastTickTime: now });
  }
}
