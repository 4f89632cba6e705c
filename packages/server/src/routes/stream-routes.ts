import type { EventRecord, EventType, RunStatus } from "@strata/core";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import type { ServerContext } from "../context.ts";
import type { ApiApp } from "../hono-env.ts";
import type { RouteRegistry } from "../registry.ts";
import { intParam, parseQuery } from "../validate.ts";
import { locationView } from "./location-routes.ts";

const streamQuery = z.object({
  runId: z
    .string()
    .min(1)
    .optional()
    .describe("Also stream this run's events (`run_event`), its stored backlog first"),
  after: intParam(0, Number.MAX_SAFE_INTEGER)
    .default(0)
    .describe("With runId: backlog starts after this event id"),
  token: z.string().optional().describe("Access token, for EventSource (which cannot set headers)"),
});

const RUN_STATUS: Partial<Record<EventType, RunStatus>> = {
  RUN_ENQUEUED: "QUEUED",
  RUN_STARTING: "STARTING",
  RUN_START: "STARTED",
  RUN_SUCCESS: "SUCCESS",
  RUN_FAILURE: "FAILURE",
  RUN_CANCELING: "CANCELING",
  RUN_CANCELED: "CANCELED",
};
const ASSET_EVENTS: ReadonlySet<EventType> = new Set([
  "ASSET_MATERIALIZATION",
  "ASSET_CHECK_EVALUATION",
  "ASSET_MATERIALIZATION_PLANNED",
  "ASSET_WIPED",
]);

/** How often an idle stream sends a comment, so proxies and browsers keep it open. */
const PING_MS = 15_000;

interface Outgoing {
  event: string;
  data: unknown;
  id?: string;
}

/** The summary messages every client gets for an event (run status changes, asset updates). */
function broadcastFor(e: EventRecord): Outgoing | undefined {
  const status = RUN_STATUS[e.type];
  if (status) return { event: "run", data: { runId: e.runId, status, type: e.type, timestamp: e.timestamp } };
  if (ASSET_EVENTS.has(e.type) && e.assetKey) {
    return {
      event: "asset",
      data: {
        assetKey: e.assetKey,
        type: e.type,
        runId: e.runId,
        timestamp: e.timestamp,
        ...(e.partition !== undefined ? { partition: e.partition } : {}),
        ...(e.checkKey ? { checkKey: e.checkKey, passed: e.data?.check?.passed } : {}),
      },
    };
  }
  return undefined;
}

export function streamRoutes(app: ApiApp, r: RouteRegistry, ctx: ServerContext): void {
  r.add({
    method: "get",
    path: "/api/stream",
    tag: "stream",
    summary: "Server-Sent Events: run status, asset updates, location reloads, and one run's live log",
    query: streamQuery,
    response: "StreamEventName",
  });
  app.get("/api/stream", (c) => {
    const q = parseQuery(c, streamQuery);
    return streamSSE(c, async (stream) => {
      // Writes are chained so messages leave in the order they were produced.
      let chain: Promise<void> = Promise.resolve();
      const send = (m: Outgoing) => {
        chain = chain
          .then(() =>
            stream.aborted
              ? undefined
              : stream.writeSSE({
                  event: m.event,
                  data: JSON.stringify(m.data),
                  ...(m.id ? { id: m.id } : {}),
                }),
          )
          .catch(() => undefined);
      };
      let lastRunEventId = q.after;
      let backlogDone = q.runId === undefined;
      const pending: EventRecord[] = [];
      const deliverRunEvent = (e: EventRecord) => {
        if (e.id <= lastRunEventId) return;
        lastRunEventId = e.id;
        send({ event: "run_event", data: e, id: String(e.id) });
      };

      const unsubscribeLocation = ctx.locations.subscribe((s) =>
        send({ event: "location", data: locationView(s) }),
      );
      const unsubscribeHub = await ctx.hub.subscribe((events) => {
        for (const e of events) {
          const b = broadcastFor(e);
          if (b) send(b);
          if (q.runId !== undefined && e.runId === q.runId) {
            if (backlogDone) deliverRunEvent(e);
            else pending.push(e);
          }
        }
      });
      send({
        event: "hello",
        data: { lastEventId: ctx.hub.cursor ?? 0, location: locationView(ctx.locations.state) },
      });
      if (q.runId !== undefined) {
        // Backlog from storage, then whatever the hub delivered meanwhile (deduplicated by id).
        for (;;) {
          const rows = await ctx.storage.getEvents(q.runId, { afterId: lastRunEventId, limit: 2000 });
          for (const e of rows) deliverRunEvent(e);
          if (rows.length < 2000 || stream.aborted) break;
        }
        backlogDone = true;
        for (const e of pending.splice(0)) deliverRunEvent(e);
      }
      const ping = setInterval(() => {
        chain = chain
          .then(() => (stream.aborted ? undefined : stream.write(": ping\n\n").then(() => undefined)))
          .catch(() => undefined);
      }, PING_MS);
      await new Promise<void>((resolve) => {
        stream.onAbort(resolve);
        if (ctx.closing.aborted) resolve();
        else ctx.closing.addEventListener("abort", () => resolve(), { once: true });
      });
      clearInterval(ping);
      unsubscribeHub();
      unsubscribeLocation();
    });
  });
}
