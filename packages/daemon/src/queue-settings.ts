import { z } from "zod";
import type { Storage } from "@strata/storage";
import { KV } from "./keys.ts";

/**
 * Run queue limits. Stored in the instance (key-value `daemon/queue_settings`, set with
 * `strata queue config`), else given to `runDaemon({ queue })`, else these defaults.
 */
export interface QueueSettings {
  /** Runs STARTING/STARTED/CANCELING at once (default 10). */
  maxConcurrentRuns: number;
  /** Per tag: at most `limit` in-progress runs with that tag (and value, when given). */
  tagConcurrencyLimits: { key: string; value?: string; limit: number }[];
}

export const DEFAULT_QUEUE_SETTINGS: QueueSettings = { maxConcurrentRuns: 10, tagConcurrencyLimits: [] };

export const queueSettingsSchema = z.object({
  maxConcurrentRuns: z.number().int().min(0).optional(),
  tagConcurrencyLimits: z.array(z.object({ key: z.string().min(1), value: z.string().optional(), limit: z.number().int().min(0) })).optional(),
});

export async function readQueueSettings(storage: Storage, fallback: Partial<QueueSettings> = {}): Promise<QueueSettings> {
  const raw = await storage.getValue(KV.queueSettings);
  const stored = raw === undefined ? {} : queueSettingsSchema.parse(JSON.parse(raw));
  return {
    maxConcurrentRuns: stored.maxConcurrentRuns ?? fallback.maxConcurrentRuns ?? DEFAULT_QUEUE_SETTINGS.maxConcurrentRuns,
    tagConcurrencyLimits: (stored.tagConcurrencyLimits ?? fallback.tagConcurrencyLimits ?? []).map((l) => ({ key: l.key, limit: l.limit, ...(l.value !== undefined ? { value: l.value } : {}) })),
  };
}

export async function writeQueueSettings(storage: Storage, settings: Partial<QueueSettings>): Promise<void> {
  await storage.setValue(KV.queueSettings, JSON.stringify(queueSettingsSchema.parse(settings)));
}
