import type { RunRecord } from "@strata/core";
import type { QueueSettings } from "./queue-settings.ts";
import { TAGS } from "./keys.ts";

export interface DequeueDecision {
  run: RunRecord;
  dequeue: boolean;
  /** Why the run waits (when `dequeue` is false). */
  reason?: string;
}

/** Priority (tag `strata/priority`, an integer, default 0): higher first, then FIFO. */
export function queueOrder(runs: readonly RunRecord[]): RunRecord[] {
  const prio = (r: RunRecord) => {
    const n = Number(r.tags[TAGS.priority] ?? 0);
    return Number.isFinite(n) ? n : 0;
  };
  return [...runs].sort((a, b) => prio(b) - prio(a) || a.createdAt - b.createdAt || (a.runId < b.runId ? -1 : 1));
}

const matches = (r: RunRecord, l: { key: string; value?: string }) => r.tags[l.key] !== undefined && (l.value === undefined || r.tags[l.key] === l.value);

/**
 * Which queued runs start now: in queue order, while the global limit and every tag limit have
 * room. A run blocked by a tag limit does not block runs behind it that the limit does not
 * concern. Pure: `strata queue` uses it to explain why each run waits.
 */
export function planDequeue(queued: readonly RunRecord[], inProgress: readonly RunRecord[], settings: QueueSettings): DequeueDecision[] {
  let running = inProgress.length;
  const tagCounts = settings.tagConcurrencyLimits.map((l) => inProgress.filter((r) => matches(r, l)).length);
  const out: DequeueDecision[] = [];
  for (const run of queueOrder(queued)) {
    if (running >= settings.maxConcurrentRuns) {
      out.push({ run, dequeue: false, reason: `${running} of ${settings.maxConcurrentRuns} concurrent runs in progress (max_concurrent_runs)` });
      continue;
    }
    const blocked = settings.tagConcurrencyLimits.findIndex((l, i) => matches(run, l) && tagCounts[i]! >= l.limit);
    if (blocked >= 0) {
      const l = settings.tagConcurrencyLimits[blocked]!;
      out.push({ run, dequeue: false, reason: `tag limit ${l.key}${l.value !== undefined ? `=${l.value}` : ""}: ${tagCounts[blocked]} of ${l.limit} in progress` });
      continue;
    }
    running++;
    settings.tagConcurrencyLimits.forEach((l, i) => {
      if (matches(run, l)) tagCounts[i]!++;
    });
    out.push({ run, dequeue: true });
  }
  return out;
}
