import { summarizeKeys } from "@strata/core";
import { createBackfill } from "@strata/engine";
import type { BackfillChunkRecord, BackfillChunkStatus, BackfillRecord } from "@strata/storage";
import { z } from "zod";
import { ApiError } from "../api-error.ts";
import type { BackfillActionResponse, BackfillDetailResponse, BackfillSummary } from "../api-types.ts";
import type { ServerContext } from "../context.ts";
import type { ApiApp } from "../hono-env.ts";
import type { RouteRegistry } from "../registry.ts";
import { intParam, parseBody, parseQuery, partitionRangeParam } from "../validate.ts";

const STATUSES = ["REQUESTED", "IN_PROGRESS", "COMPLETED", "FAILED", "CANCELING", "CANCELED"] as const;
const listQuery = z.object({ status: z.enum(STATUSES).optional(), limit: intParam(1, 200).default(50) });
export const backfillBody = z
  .object({
    selection: z.string().min(1),
    partitions: z
      .union([
        z.object({ range: partitionRangeParam }).strict(),
        z.object({ keys: z.array(z.string().min(1)).min(1) }).strict(),
        z.object({ all: z.literal(true) }).strict(),
      ])
      .optional()
      .describe(
        '{ range: "A...B" } | { keys: [...] } | { all: true }; default all (with onlyMissing/onlyFailed)',
      ),
    onlyMissing: z.boolean().optional(),
    onlyFailed: z.boolean().optional(),
    maxConcurrentRuns: z.number().int().min(1).max(64).default(4),
    tags: z.record(z.string().min(1), z.string()).optional(),
  })
  .strict()
  .refine((b) => b.partitions !== undefined || b.onlyMissing || b.onlyFailed, {
    message: "Say which partitions: partitions { range | keys | all }, or onlyMissing / onlyFailed",
    path: ["partitions"],
  });

const counts = (chunks: BackfillChunkRecord[]): Record<BackfillChunkStatus, number> => {
  const c: Record<BackfillChunkStatus, number> = {
    PENDING: 0,
    LAUNCHED: 0,
    SUCCESS: 0,
    FAILED: 0,
    SKIPPED: 0,
    CANCELED: 0,
  };
  for (const x of chunks) c[x.status]++;
  return c;
};

export function backfillRoutes(app: ApiApp, r: RouteRegistry, ctx: ServerContext): void {
  // Reads never write: chunk statuses are brought up to date by whoever drives the backfill.
  const summary = async (
    b: BackfillRecord,
  ): Promise<{ summary: BackfillSummary; chunks: BackfillChunkRecord[] }> => {
    const chunks = await ctx.storage.getBackfillChunks(b.backfillId);
    return {
      summary: {
        ...b,
        counts: counts(chunks),
        runs: chunks.length,
        active: ctx.backfills.isActive(b.backfillId),
      },
      chunks,
    };
  };
  const backfillOr404 = async (id: string) => {
    const b = await ctx.storage.getBackfill(id);
    if (!b)
      throw new ApiError(
        404,
        "BACKFILL_NOT_FOUND",
        `No backfill ${id}`,
        "List them with GET /api/backfills.",
      );
    return b;
  };

  r.add({
    method: "get",
    path: "/api/backfills",
    tag: "backfills",
    summary: "Backfills, newest first, with chunk counts",
    query: listQuery,
    response: "BackfillsResponse",
  });
  app.get("/api/backfills", async (c) => {
    const q = parseQuery(c, listQuery);
    const rows = await ctx.storage.listBackfills({
      limit: q.limit,
      ...(q.status ? { statuses: [q.status] } : {}),
    });
    const out: BackfillSummary[] = [];
    for (const b of rows) out.push((await summary(b)).summary);
    return c.json({ backfills: out });
  });

  r.add({
    method: "get",
    path: "/api/backfills/:id",
    tag: "backfills",
    summary: "A backfill: counts, per-asset partition ranges, latest chunks",
    response: "BackfillDetailResponse",
  });
  app.get("/api/backfills/:id", async (c) => {
    const { summary: s, chunks } = await summary(await backfillOr404(c.req.param("id")));
    const perAsset = new Map<string, { keys: string[]; status: Map<string, BackfillChunkStatus> }>();
    for (const ch of chunks) {
      for (const a of ch.assetKeys) {
        const entry = perAsset.get(a) ?? perAsset.set(a, { keys: [], status: new Map() }).get(a)!;
        for (const k of ch.partitionKeys) {
          entry.keys.push(k);
          entry.status.set(k, ch.status);
        }
      }
    }
    const body: BackfillDetailResponse = {
      backfill: s,
      assets: Object.fromEntries(
        [...perAsset].map(([a, e]) => [a, summarizeKeys(e.keys, e.status, "PENDING")]),
      ),
      chunks: [...chunks]
        .sort((a, b) => b.updatedAt - a.updatedAt || b.chunkId - a.chunkId)
        .slice(0, 200)
        .map((ch) => ({
          chunkId: ch.chunkId,
          status: ch.status,
          partitionKeys: ch.partitionKeys,
          assetKeys: ch.assetKeys,
          ...(ch.runId ? { runId: ch.runId } : {}),
        })),
    };
    return c.json(body);
  });

  r.add({
    method: "post",
    path: "/api/backfills",
    tag: "backfills",
    summary: "Plan and start a backfill (runs in the background)",
    body: backfillBody,
    response: "BackfillActionResponse",
    status: 202,
    mutation: true,
  });
  app.post("/api/backfills", async (c) => {
    const body = await parseBody(c, backfillBody);
    const graph = ctx.runnableGraph();
    const { backfill, chunks } = await createBackfill(ctx.storage, graph, {
      selection: body.selection,
      partitions: body.partitions ?? { all: true },
      ...(body.onlyMissing ? { onlyMissing: true } : {}),
      ...(body.onlyFailed ? { onlyFailed: true } : {}),
      maxConcurrentRuns: body.maxConcurrentRuns,
      tags: { ...(body.tags ?? {}), "strata/launched_by": "ui" },
    });
    ctx.backfills.start(graph, backfill.backfillId);
    const res: BackfillActionResponse = {
      backfillId: backfill.backfillId,
      status: backfill.status,
      runs: chunks.length,
    };
    return c.json(res, 202);
  });

  r.add({
    method: "post",
    path: "/api/backfills/:id/cancel",
    tag: "backfills",
    summary: "Cancel: nothing new starts, running runs are asked to stop",
    response: "BackfillActionResponse",
    mutation: true,
  });
  app.post("/api/backfills/:id/cancel", async (c) => {
    const id = c.req.param("id");
    await backfillOr404(id);
    const status = await ctx.backfills.cancel(id);
    return c.json({ backfillId: id, status } satisfies BackfillActionResponse);
  });

  r.add({
    method: "post",
    path: "/api/backfills/:id/resume",
    tag: "backfills",
    summary: "Resume a paused, interrupted or failed backfill in the background",
    response: "BackfillActionResponse",
    status: 202,
    mutation: true,
  });
  app.post("/api/backfills/:id/resume", async (c) => {
    const id = c.req.param("id");
    await backfillOr404(id);
    await ctx.backfills.resume(ctx.runnableGraph(), id);
    const b = (await ctx.storage.getBackfill(id))!;
    return c.json({ backfillId: id, status: b.status } satisfies BackfillActionResponse, 202);
  });
}
