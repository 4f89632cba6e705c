import type { Storage } from "@strata/storage";
import { KV } from "./keys.ts";

/** What `strata status` reads for each loop (key-value `daemon/heartbeat/<loop>`). */
export interface LoopHeartbeat {
  at: number;
  pid: number;
  intervalMs: number;
  lastDurationMs?: number;
  lastError?: string;
  lastErrorAt?: number;
}

export interface LoopSpec {
  name: string;
  intervalMs: number;
  tick(): Promise<void>;
}

/**
 * Runs `spec.tick` every `intervalMs` until `signal` aborts, isolated: a tick that throws is
 * recorded in the heartbeat (`lastError`) and the loop goes on. Ticks never overlap; the next
 * one is scheduled from the previous one's start (no drift), or at once when it overran.
 */
export async function runLoop(storage: Storage, spec: LoopSpec, signal: AbortSignal, log: (m: string) => void): Promise<void> {
  let lastError: { message: string; at: number } | undefined;
  while (!signal.aborted) {
    const started = Date.now();
    try {
      await spec.tick();
      lastError = undefined;
    } catch (err) {
      lastError = { message: (err as Error)?.message ?? String(err), at: Date.now() };
      log(`${spec.name} loop: ${lastError.message}`);
    }
    const beat: LoopHeartbeat = {
      at: Date.now(),
      pid: process.pid,
      intervalMs: spec.intervalMs,
      lastDurationMs: Date.now() - started,
      ...(lastError ? { lastError: lastError.message, lastErrorAt: lastError.at } : {}),
    };
    try {
      await storage.setValue(KV.heartbeat(spec.name), JSON.stringify(beat));
    } catch (err) {
      log(`${spec.name} loop: could not write its heartbeat: ${(err as Error).message}`);
    }
    const wait = Math.max(0, started + spec.intervalMs - Date.now());
    await sleep(wait, signal);
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
