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

/**
 * Whether a daemon's run queue is dequeuing now: its heartbeat is recent (within 6 intervals, at
 * least 5 s) and its process is alive. The API queues runs launched from the UI only then, so
 * they obey the queue's limits without ever waiting for a daemon that is not running.
 */
export async function queueLoopLive(storage: Storage, now = Date.now()): Promise<boolean> {
  const raw = await storage.getValue(KV.heartbeat("queue"));
  if (raw === undefined) return false;
  const beat = JSON.parse(raw) as LoopHeartbeat;
  if (now - beat.at > Math.max(5_000, beat.intervalMs * 6)) return false;
  try {
    process.kill(beat.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
