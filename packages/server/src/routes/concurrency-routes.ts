import { planDequeue, readQueueSettings, writeQueueSettings } from "@strata/daemon";
import type { RunRecord } from "@strata/core";
import { z } from "zod";
import type { ConcurrencyResponse, QueueSettingsResponse } from "../api-types.ts";
import type { ServerContext } from "../context.ts";
import type { ApiApp } from "../hono-env.ts";
import type { RouteRegistry } from "../registry.ts";
import { parseBody } from "../validate.ts";
import { poolsView } from "../views/pool-usage.ts";

/** The same settings `strata queue config` writes; omitted fields keep their stored value. */
const queueBody = z
  .object({
    maxConcurrentRuns: z.number().int().min(0).max(10_000).optional(),
    tagConcurrencyLimits: z
      .array(
        z
          .object({ key: z.string().min(1), value: z.string().optional(), limit: z.number().int().min(0) })
          .strict(),
      )
      .max(100)
      .optional(),
  })
  .strict()
  .refine((b) => b.maxConcurrentRuns !== undefined || b.tagConcurrencyLimits !== undefined, {
    message: "Give maxConcurrentRuns and/or tagConcurrencyLimits",
  });

const matches = (r: RunRecord, l: { key: string; value?: string }) =>
  r.tags[l.key] !== undefined && (l.value === undefined || r.tags[l.key] === l.value);

export function concurrencyRoutes(app: ApiApp, r: RouteRegistry, ctx: ServerContext): void {
  r.add({
    method: "get",
    path: "/api/concurrency",
    tag: "deployment",
    summary:
      "Concurrency pools (limit, slots in use by which run and step, runs waiting) and the run queue's limits",
    response: "ConcurrencyResponse",
  });
  app.get("/api/concurrency", async (c) => {
    const [settings, active, queued] = await Promise.all([
      readQueueSettings(ctx.storage),
      ctx.storage.listRuns({ statuses: ["STARTING", "STARTED", "CANCELING"] }),
      ctx.storage.listRuns({ statuses: ["QUEUED"] }),
    ]);
    const body: ConcurrencyResponse = {
      pools: await poolsView(ctx.storage, ctx.locations.graph(), active, queued),
      queue: {
        maxConcurrentRuns: settings.maxConcurrentRuns,
        inProgress: active.length,
        queued: queued.length,
        tagConcurrencyLimits: settings.tagConcurrencyLimits.map((l) => ({
          ...l,
          inUse: active.filter((run) => matches(run, l)).length,
        })),
        queue: planDequeue(queued, active, settings).map((d) => ({
          runId: d.run.runId,
          selection: d.run.selection,
          createdAt: d.run.createdAt,
          next: d.dequeue,
          ...(d.reason ? { reason: d.reason } : {}),
        })),
      },
    };
    return c.json(body);
  });

  r.add({
    method: "post",
    path: "/api/concurrency/queue",
    tag: "deployment",
    summary: "Set the run queue's limits (max concurrent runs, tag limits), as `strata queue config` does",
    body: queueBody,
    response: "QueueSettingsResponse",
    mutation: true,
  });
  app.post("/api/concurrency/queue", async (c) => {
    const body = await parseBody(c, queueBody);
    const current = await readQueueSettings(ctx.storage);
    const next = {
      maxConcurrentRuns: body.maxConcurrentRuns ?? current.maxConcurrentRuns,
      tagConcurrencyLimits: body.tagConcurrencyLimits ?? current.tagConcurrencyLimits,
    };
    await writeQueueSettings(ctx.storage, next);
    return c.json((await readQueueSettings(ctx.storage)) satisfies QueueSettingsResponse);
  });
}
