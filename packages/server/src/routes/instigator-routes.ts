import { nextTick, type CodeRef, type DefinitionsSnapshot, type ScheduleSnapshot, type SensorSnapshot } from "@strata/core";
import { daemonStatus, instigatorStatus, readState, setInstigatorStatus } from "@strata/daemon";
import type { TickRecord } from "@strata/storage";
import { z } from "zod";
import { ApiError } from "../api-error.ts";
import type {
  DaemonResponse,
  InstigatorActionResponse,
  ScheduleView,
  SchedulesResponse,
  SensorView,
  SensorsResponse,
  TickView,
  TicksResponse,
} from "../api-types.ts";
import type { ServerContext } from "../context.ts";
import type { ApiApp } from "../hono-env.ts";
import type { RouteRegistry } from "../registry.ts";
import { intParam, parseQuery } from "../validate.ts";

const ticksQuery = z.object({ limit: intParam(1, 1000).default(50) });

/** A stored tick for the API: the planned-run payload (`data`) stays internal. */
export function tickView(t: TickRecord): TickView {
  return {
    tickId: t.tickId,
    instigatorName: t.instigatorName,
    instigatorType: t.instigatorType,
    status: t.status,
    ...(t.scheduledAt !== undefined ? { scheduledAt: t.scheduledAt } : {}),
    runIds: t.runIds,
    runKeys: t.runKeys,
    ...(t.cursor !== undefined ? { cursor: t.cursor } : {}),
    ...(t.skipReason !== undefined ? { skipReason: t.skipReason } : {}),
    ...(t.error !== undefined ? { error: t.error } : {}),
    createdAt: t.createdAt,
    ...(t.endedAt !== undefined ? { endedAt: t.endedAt } : {}),
  };
}

/** The daemon's loops as `strata status` reads them (heartbeats in the instance's key-value store). */
export async function daemonView(ctx: ServerContext, now = Date.now()): Promise<DaemonResponse> {
  const loops = await daemonStatus(ctx.storage, now);
  const beats = loops.flatMap((l) => (l.heartbeat ? [l.heartbeat.at] : []));
  return {
    running: loops.some((l) => l.healthy || (l.heartbeat !== undefined && now - l.heartbeat.at <= Math.max(30_000, l.heartbeat.intervalMs * 3))),
    ...(beats.length ? { lastHeartbeatAt: Math.max(...beats) } : {}),
    loops: loops.map((l) => ({ loop: l.loop, healthy: l.healthy, ...(l.heartbeat ? { heartbeat: l.heartbeat } : {}) })),
  };
}

function whereOf(ref: CodeRef | undefined, root: string): string | undefined {
  if (!ref) return undefined;
  const file = ref.file.startsWith(root + "/") ? ref.file.slice(root.length + 1) : ref.file;
  return `${file}:${ref.line}`;
}

async function lastTick(ctx: ServerContext, name: string): Promise<TickView | undefined> {
  const [t] = await ctx.storage.listTicks({ instigatorName: name, limit: 1 });
  return t ? tickView(t) : undefined;
}

async function scheduleView(ctx: ServerContext, s: ScheduleSnapshot, now: number): Promise<ScheduleView> {
  const status = await instigatorStatus(ctx.storage, s.name, s.defaultStatus);
  let next: number | undefined;
  if (status === "RUNNING") {
    try {
      next = nextTick(s.cron, s.timezone, now);
    } catch {
      next = undefined;
    }
  }
  const last = await lastTick(ctx, s.name);
  const where = whereOf(s.codeRef, ctx.locations.root);
  return {
    kind: "schedule",
    name: s.name,
    status,
    defaultStatus: s.defaultStatus,
    ...(s.description ? { description: s.description } : {}),
    ...(next !== undefined ? { nextTickAt: next } : {}),
    ...(last ? { lastTick: last } : {}),
    ...(where ? { where } : {}),
    cron: s.cron,
    timezone: s.timezone,
    assetKeys: s.assetKeys,
  };
}

async function sensorView(ctx: ServerContext, s: SensorSnapshot, now: number): Promise<SensorView> {
  const status = await instigatorStatus(ctx.storage, s.name, s.defaultStatus);
  const state = await readState(ctx.storage, s.name);
  const last = await lastTick(ctx, s.name);
  const where = whereOf(s.codeRef, ctx.locations.root);
  // The daemon evaluates a sensor one interval after its last evaluation (at once when overdue).
  const next = status === "RUNNING" ? Math.max(now, (state.lastTickAt ?? now) + s.intervalSeconds * 1000) : undefined;
  return {
    kind: "sensor",
    name: s.name,
    status,
    defaultStatus: s.defaultStatus,
    ...(s.description ? { description: s.description } : {}),
    ...(next !== undefined ? { nextTickAt: next } : {}),
    ...(last ? { lastTick: last } : {}),
    ...(where ? { where } : {}),
    type: s.type,
    intervalSeconds: s.intervalSeconds,
    targetAssetKeys: s.targetAssetKeys ?? [],
    ...(state.cursor !== undefined ? { cursor: state.cursor } : {}),
  };
}

/** The definitions: the last good snapshot (a broken edit keeps it), or a 409 when none ever loaded. */
function snapshot(ctx: ServerContext): DefinitionsSnapshot {
  const snap = ctx.locations.state.snapshot;
  if (snap) return snap;
  ctx.graph(); // throws the 409 that says why
  throw new ApiError(409, "LOCATION_UNAVAILABLE", "The code location has no definitions yet", "Retry in a moment.");
}

function findInstigator<T extends { name: string }>(list: T[], name: string, what: "schedule" | "sensor"): T {
  const found = list.find((s) => s.name === name);
  if (!found) {
    const names = list.map((s) => s.name);
    throw new ApiError(
      404,
      "NOT_FOUND",
      `No ${what} named "${name}"`,
      names.length ? `Defined: ${names.join(", ")}.` : `The project defines no ${what}s.`,
    );
  }
  return found;
}

/**
 * Schedules and sensors: list with status, next and last tick; tick history; start/stop (the
 * same key-value state as `strata schedules|sensors start|stop`, which the daemon reads on its
 * next tick); and the daemon's loop heartbeats.
 */
export function instigatorRoutes(app: ApiApp, r: RouteRegistry, ctx: ServerContext): void {
  r.add({ method: "get", path: "/api/daemon", tag: "automation", summary: "Daemon loops and their heartbeats", response: "DaemonResponse" });
  app.get("/api/daemon", async (c) => c.json(await daemonView(ctx)));

  r.add({
    method: "get",
    path: "/api/schedules",
    tag: "automation",
    summary: "Schedules: cron, status (RUNNING/STOPPED), next tick, last tick",
    response: "SchedulesResponse",
  });
  app.get("/api/schedules", async (c) => {
    const now = Date.now();
    const list = snapshot(ctx).schedules ?? [];
    const [schedules, daemon] = await Promise.all([Promise.all(list.map((s) => scheduleView(ctx, s, now))), daemonView(ctx, now)]);
    return c.json({ schedules, daemonRunning: daemon.running } satisfies SchedulesResponse);
  });

  r.add({
    method: "get",
    path: "/api/sensors",
    tag: "automation",
    summary: "Sensors: type, interval, status (RUNNING/STOPPED), next tick, last tick, cursor",
    response: "SensorsResponse",
  });
  app.get("/api/sensors", async (c) => {
    const now = Date.now();
    const list = snapshot(ctx).sensors ?? [];
    const [sensors, daemon] = await Promise.all([Promise.all(list.map((s) => sensorView(ctx, s, now))), daemonView(ctx, now)]);
    return c.json({ sensors, daemonRunning: daemon.running } satisfies SensorsResponse);
  });

  r.add({
    method: "get",
    path: "/api/instigators/:name/ticks",
    tag: "automation",
    summary: "Tick history of a schedule or sensor, newest first",
    query: ticksQuery,
    response: "TicksResponse",
  });
  app.get("/api/instigators/:name/ticks", async (c) => {
    const name = c.req.param("name");
    const { limit } = parseQuery(c, ticksQuery);
    const snap = ctx.locations.state.snapshot;
    const known = [...(snap?.schedules ?? []), ...(snap?.sensors ?? [])].some((s) => s.name === name);
    const ticks = await ctx.storage.listTicks({ instigatorName: name, limit });
    // Ticks of a schedule removed from the code stay readable; an unknown name with none is a 404.
    if (!known && ticks.length === 0)
      throw new ApiError(404, "NOT_FOUND", `No schedule or sensor named "${name}"`, "GET /api/schedules and /api/sensors list them.");
    return c.json({ name, ticks: ticks.map(tickView) } satisfies TicksResponse);
  });

  for (const kind of ["schedules", "sensors"] as const) {
    for (const verb of ["start", "stop"] as const) {
      const path = `/api/${kind}/:name/${verb}`;
      r.add({
        method: "post",
        path,
        tag: "automation",
        summary: `${verb === "start" ? "Start" : "Stop"} a ${kind === "schedules" ? "schedule" : "sensor"} (the daemon picks it up on its next tick)`,
        response: "InstigatorActionResponse",
        mutation: true,
      });
      app.post(path, async (c) => {
        const snap = snapshot(ctx);
        const now = Date.now();
        let view: InstigatorActionResponse;
        if (kind === "schedules") {
          const s = findInstigator(snap.schedules ?? [], c.req.param("name") ?? "", "schedule");
          await setInstigatorStatus(ctx.storage, s.name, verb === "start" ? "RUNNING" : "STOPPED", now);
          view = await scheduleView(ctx, s, now);
        } else {
          const s = findInstigator(snap.sensors ?? [], c.req.param("name") ?? "", "sensor");
          await setInstigatorStatus(ctx.storage, s.name, verb === "start" ? "RUNNING" : "STOPPED", now);
          view = await sensorView(ctx, s, now);
        }
        return c.json(view);
      });
    }
  }
}
