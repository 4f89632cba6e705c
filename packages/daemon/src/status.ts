import type { Storage } from "@strata/storage";
import { KV } from "./keys.ts";
import type { LoopHeartbeat } from "./loop.ts";
import { ALL_LOOPS, type LoopName } from "./daemon.ts";
import type { FreshnessEntry } from "./freshness.ts";

export interface LoopStatus {
  loop: LoopName;
  heartbeat?: LoopHeartbeat;
  /** Healthy: a heartbeat within 3 intervals (at least 30 s). */
  healthy: boolean;
}

export async function daemonStatus(storage: Storage, now = Date.now()): Promise<LoopStatus[]> {
  const out: LoopStatus[] = [];
  for (const loop of ALL_LOOPS) {
    const raw = await storage.getValue(KV.heartbeat(loop));
    const heartbeat = raw === undefined ? undefined : (JSON.parse(raw) as LoopHeartbeat);
    const healthy = heartbeat !== undefined && now - heartbeat.at <= Math.max(30_000, heartbeat.intervalMs * 3) && heartbeat.lastError === undefined;
    out.push({ loop, ...(heartbeat ? { heartbeat } : {}), healthy });
  }
  return out;
}

export async function freshnessStates(storage: Storage): Promise<Record<string, FreshnessEntry>> {
  const raw = await storage.getValue(KV.freshness);
  return raw === undefined ? {} : (JSON.parse(raw) as Record<string, FreshnessEntry>);
}
