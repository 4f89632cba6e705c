import {
  planRun,
  type EventRecord,
  type LogLevel,
  type RunRecord,
  type RunStatus,
} from "@strata/core";
import { z } from "zod";
import { ApiError } from "../api-error.ts";
import type {
  LaunchResponse,
  RunDetailResponse,
  RunEventsResponse,
  RunSummary,
  RunsResponse,
  StepSummary,
} from "../api-types.ts";
import type { ServerContext } from "../context.ts";
import type { ApiApp } from "../hono-env.ts";
import type { RouteRegistry } from "../registry.ts";
import { intParam, listParam, parseBody, parseQuery, partitionRangeParam } from "../validate.ts";

const STATUSES = [
  "QUEUED",
  "NOT_STARTED",
  "STARTING",
  "STARTED",
  "SUCCESS",
  "FAILURE",
  "CANCELING",
  "CANCELED",
] as const;
const LEVELS = ["debug", "info", "warn", "error"] as const;

const tagPair = z.string().regex(/^[^=]+=.*$/, "Write tags as key=value");
const runsQuery = z.object({
  status: listParam(z.enum(STATUSES)).optional().describe("Repeat or comma-separate: SUCCESS,FAILURE"),
  tag: listParam(tagPair).optional().describe("key=value; repeat for several (all must match)"),
  asset: z.string().optional().describe("Runs that materialise this asset key"),
  limit: intParam(1, 500).default(50),
  cursor: z.string().optional().describe("`nextCursor` of the previous page"),
});
const eventsQuery = z.object({
  after: intParam(0, Number.MAX_SAFE_INTEGER).default(0).describe("Only events with a greater id"),
  limit: intParam(1, 10_000).default(1000),
  level: z.enum(LEVELS).optional().describe("Minimum level"),
  step: z.string().optional(),
  q: z.string().optional().describe("Case-insensitive text search in message, step and asset"),
});
const tags = z.record(z.string().min(1), z.string());
export const launchBody = z
  .object({
    selection: z
      .string()
      .min(1)
      .optional()
      .describe("Selection syntax; all assets when neither this nor assetKeys is given"),
    assetKeys: z.array(z.string().min(1)).min(1).optional(),
    partitionKey: z.string().min(1).optional(),
    partitionRange: partitionRangeParam.optional().describe('"START...END" or { start, end }'),
    tags: tags.optional(),
    config: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("Run config (opaque JSON, stored with the run)"),
  })
  .strict()
  .refine((b) => !(b.selection && b.assetKeys), { message: "Give selection or assetKeys, not both" })
  .refine((b) => !(b.partitionKey && b.partitionRange), {
    message: "Give partitionKey or partitionRange, not both",
  });
const reexecuteBody = z.object({ fromFailure: z.boolean().default(false) }).strict();

export function summarizeRun(r: RunRecord, now = Date.now()): RunSummary {
  const durationMs = r.startedAt !== undefined ? (r.endedAt ?? now) - r.startedAt : undefined;
  return { ...r, ...(durationMs !== undefined ? { durationMs } : {}) };
}

async function runOr404(ctx: ServerContext, id: string): Promise<RunRecord> {
  const run = await ctx.storage.getRun(id);
  if (!run) throw new ApiError(404, "RUN_NOT_FOUND", `No run ${id}`, "List runs with GET /api/runs.");
  return run;
}

export function runRoutes(app: ApiApp, r: RouteRegistry, ctx: ServerContext): void {
  r.add({
    method: "get",
    path: "/api/runs",
    tag: "runs",
    summary: "Runs, newest first, filtered by status, tags and asset; cursor pagination",
    query: runsQuery,
    response: "RunsResponse",
  });
  app.get("/api/runs", async (c) => {
    const q = parseQuery(c, runsQuery);
    const tagFilter = q.tag
      ? Object.fromEntries(q.tag.map((t) => [t.slice(0, t.indexOf("=")), t.slice(t.indexOf("=") + 1)]))
      : undefined;
    if (q.cursor && !(await ctx.storage.getRun(q.cursor)))
      throw new ApiError(
        400,
        "VALIDATION",
        `Unknown cursor "${q.cursor}"`,
        "Use the nextCursor of a previous page.",
      );
    const rows = await ctx.storage.listRuns({
      ...(q.status ? { statuses: q.status as RunStatus[] } : {}),
      ...(tagFilter ? { tags: tagFilter } : {}),
      ...(q.asset ? { assetKey: q.asset } : {}),
      ...(q.cursor ? { cursor: q.cursor } : {}),
      limit: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    const now = Date.now();
    const body: RunsResponse = {
      runs: page.map((x) => summarizeRun(x, now)),
      ...(rows.length > q.limit ? { nextCursor: page.at(-1)!.runId } : {}),
    };
    return c.json(body);
  });

  r.add({
    method: "get",
    path: "/api/runs/:id",
    tag: "runs",
    summary: "A run with its step timeline, materialisations and check results",
    response: "RunDetailResponse",
  });
  app.get("/api/runs/:id", async (c) => {
    const run = await runOr404(ctx, c.req.param("id"));
    const events = await ctx.storage.getEvents(run.runId, {
      types: [
        "STEP_START",
        "STEP_SUCCESS",
        "STEP_FAILURE",
        "STEP_SKIPPED",
        "STEP_UP_FOR_RETRY",
        "ASSET_MATERIALIZATION",
        "ASSET_CHECK_EVALUATION",
      ],
    });
    const body: RunDetailResponse = {
      run: summarizeRun(run),
      steps: stepTimeline(ctx, run, events),
      materializations: events
        .filter((e) => e.type === "ASSET_MATERIALIZATION" && e.assetKey)
        .map((e) => ({
          assetKey: e.assetKey!,
          eventId: e.id,
          timestamp: e.timestamp,
          ...(e.partition !== undefined ? { partition: e.partition } : {}),
        })),
      checks: events
        .filter((e) => e.type === "ASSET_CHECK_EVALUATION" && e.checkKey && e.data?.check)
        .map((e) => ({
          checkKey: e.checkKey!,
          passed: e.data!.check!.passed,
          severity: e.data!.check!.severity,
          eventId: e.id,
        })),
      canReexecuteFromFailure: run.status === "FAILURE" || run.status === "CANCELED",
    };
    return c.json(body);
  });

  r.add({
    method: "get",
    path: "/api/runs/:id/events",
    tag: "runs",
    summary: "A run's structured log, paged by event id, filtered by level, step and text",
    query: eventsQuery,
    response: "RunEventsResponse",
  });
  app.get("/api/runs/:id/events", async (c) => {
    const q = parseQuery(c, eventsQuery);
    const run = await runOr404(ctx, c.req.param("id"));
    const minLevel = q.level ? LEVELS.indexOf(q.level) : 0;
    const needle = q.q?.toLowerCase();
    const keep = (e: EventRecord) =>
      LEVELS.indexOf(e.level as (typeof LEVELS)[number]) >= minLevel &&
      (!needle ||
        e.message.toLowerCase().includes(needle) ||
        (e.stepKey ?? "").toLowerCase().includes(needle) ||
        (e.assetKey ?? "").toLowerCase().includes(needle));
    const filtering = minLevel > 0 || needle !== undefined;
    // Without filters one query is the page; with them, scan batches until the page is full.
    const batch = filtering ? Math.max(q.limit, 2000) : q.limit;
    const out: EventRecord[] = [];
    const step = q.step ? { stepKey: q.step } : {};
    let cursor = q.after;
    scan: for (;;) {
      const rows = await ctx.storage.getEvents(run.runId, { afterId: cursor, limit: batch, ...step });
      for (const e of rows) {
        if (out.length >= q.limit) break scan;
        cursor = e.id;
        if (keep(e)) out.push(e);
      }
      if (rows.length < batch || out.length >= q.limit) break;
    }
    const hasMore =
      (await ctx.storage.getEvents(run.runId, { afterId: cursor, limit: 1, ...step })).length > 0;
    const body: RunEventsResponse = { events: out, nextAfter: cursor, hasMore, runStatus: run.status };
    return c.json(body);
  });

  r.add({
    method: "post",
    path: "/api/runs",
    tag: "runs",
    summary: "Launch a materialisation; responds 202 with the run once it is recorded",
    body: launchBody,
    response: "LaunchResponse",
    status: 202,
    mutation: true,
  });
  app.post("/api/runs", async (c) => {
    const body = await parseBody(c, launchBody);
    const graph = ctx.runnableGraph();
    const runs = await ctx.launcher.launch(graph, {
      ...(body.selection ? { selection: body.selection } : {}),
      ...(body.assetKeys ? { assetKeys: body.assetKeys } : {}),
      ...(body.partitionKey !== undefined ? { partitionKey: body.partitionKey } : {}),
      ...(body.partitionRange ? { partitionRange: body.partitionRange } : {}),
      tags: { ...(body.tags ?? {}), "strata/launched_by": "ui" },
      ...(body.config ? { config: body.config } : {}),
    });
    const now = Date.now();
    const body202: LaunchResponse = {
      runId: runs[0]!.runId,
      run: summarizeRun(runs[0]!, now),
      ...(runs.length > 1 ? { runs: runs.map((r) => summarizeRun(r, now)) } : {}),
    };
    return c.json(body202, 202);
  });

  r.add({
    method: "post",
    path: "/api/runs/:id/cancel",
    tag: "runs",
    summary: "Cancel a queued or running run",
    response: "RunActionResponse",
    mutation: true,
  });
  app.post("/api/runs/:id/cancel", async (c) => {
    const run = await ctx.launcher.cancel(c.req.param("id"));
    return c.json({ runId: run.runId, run: summarizeRun(run) });
  });

  r.add({
    method: "post",
    path: "/api/runs/:id/reexecute",
    tag: "runs",
    summary: "Re-execute a finished run (all of it, or from failure)",
    body: reexecuteBody,
    response: "LaunchResponse",
    status: 202,
    mutation: true,
  });
  app.post("/api/runs/:id/reexecute", async (c) => {
    const body = await parseBody(c, reexecuteBody);
    const parent = await runOr404(ctx, c.req.param("id"));
    const run = await ctx.launcher.reexecute(ctx.runnableGraph(), parent, body.fromFailure);
    return c.json({ runId: run.runId, run: summarizeRun(run) }, 202);
  });
}

/** Step rows for a Gantt: planned order first (when the plan can be rebuilt), then steps seen only in events. */
function stepTimeline(ctx: ServerContext, run: RunRecord, events: EventRecord[]): StepSummary[] {
  const steps = new Map<string, StepSummary>();
  const graph = ctx.locations.graph();
  if (graph && run.assetKeys.every((k) => graph.has(k))) {
    try {
      for (const s of planRun(graph, run.assetKeys, {
        checkKeys: run.checkKeys.filter((k) => graph.check(k)),
      }).steps) {
        steps.set(s.key, { stepKey: s.key, status: "pending", attempts: 0, assetKeys: s.assetKeys });
      }
    } catch {
      // Definitions changed since the run: the events alone tell the story.
    }
  }
  for (const e of events) {
    if (!e.stepKey || !e.type.startsWith("STEP_")) continue;
    const s = steps.get(e.stepKey) ?? {
      stepKey: e.stepKey,
      status: "pending" as const,
      attempts: 0,
      assetKeys: [],
    };
    steps.set(e.stepKey, s);
    switch (e.type) {
      case "STEP_START":
        s.status = "running";
        s.attempts++;
        s.startedAt ??= e.timestamp;
        break;
      case "STEP_SUCCESS":
        s.status = "succeeded";
        s.endedAt = e.timestamp;
        break;
      case "STEP_FAILURE":
        s.status = "failed";
        s.endedAt = e.timestamp;
        if (e.data?.error) s.error = { code: e.data.error.code, message: e.data.error.message };
        break;
      case "STEP_SKIPPED":
        s.status = "skipped";
        s.endedAt = e.timestamp;
        break;
      case "STEP_UP_FOR_RETRY":
        s.status = "retrying";
        break;
    }
  }
  const ended = run.status === "SUCCESS" || run.status === "FAILURE" || run.status === "CANCELED";
  if (ended)
    for (const s of steps.values())
      if (s.status === "running" || s.status === "retrying") s.status = "failed";
  return [...steps.values()];
}

export type { LogLevel };
