import type { RetryPolicy } from "@strata/core";

/** Delay before retry number `attempt + 1`: constant or doubling, optionally jittered ±50%. */
export function retryDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = policy.delayMs ?? 0;
  const raw = policy.backoff === "exponential" ? base * 2 ** attempt : base;
  return Math.round(policy.jitter ? raw * (0.5 + random()) : raw);
}

/** Resolves after `ms`, or early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
