import type { LocationState } from "@strata/engine";
import { ApiError } from "../api-error.ts";
import type { LocationView, LocationsResponse } from "../api-types.ts";
import type { ServerContext } from "../context.ts";
import type { ApiApp } from "../hono-env.ts";
import type { RouteRegistry } from "../registry.ts";

/** A location's state for the API: no stack traces, resources with env var names only. */
export function locationView(s: LocationState): LocationView {
  const e = s.error;
  return {
    name: s.name,
    status: s.status,
    version: s.version,
    root: s.root,
    entry: s.entry.startsWith(s.root + "/") ? s.entry.slice(s.root.length + 1) : s.entry,
    ...(s.loadedAt !== undefined ? { loadedAt: s.loadedAt } : {}),
    ...(s.loadMs !== undefined ? { loadMs: Math.round(s.loadMs) } : {}),
    updatedAt: s.updatedAt,
    ...(e
      ? {
          error: {
            code: e.code,
            message: e.message,
            ...(e.where ? { where: e.where } : {}),
            ...(e.hint ? { hint: e.hint } : {}),
          },
        }
      : {}),
    watching: s.watching,
    ...(s.pid !== undefined ? { pid: s.pid } : {}),
    activeRuns: s.activeRuns,
    assetCount: s.snapshot?.assets.length ?? 0,
    checkCount: s.snapshot?.checks.length ?? 0,
    // The snapshot carries env var names, never values; literal values only for non-secret fields.
    resources: (s.snapshot?.resources ?? []).map((r) => ({
      name: r.name,
      ...(r.description ? { description: r.description } : {}),
      fields: r.fields.map((f) =>
        f.secret ? { name: f.name, secret: true, ...(f.env ? { env: f.env } : {}) } : f,
      ),
    })),
  };
}

export function locationRoutes(app: ApiApp, r: RouteRegistry, ctx: ServerContext): void {
  r.add({
    method: "get",
    path: "/api/locations",
    tag: "deployment",
    summary: "Code locations: status, error, loaded at, resources",
    response: "LocationsResponse",
  });
  app.get("/api/locations", (c) =>
    c.json({ locations: ctx.locations.states().map(locationView) } satisfies LocationsResponse),
  );

  r.add({
    method: "post",
    path: "/api/locations/:name/reload",
    tag: "deployment",
    summary: "Reload one code location alone (waits for the load; the state says loaded or error)",
    response: "ReloadResponse",
    mutation: true,
  });
  app.post("/api/locations/:name/reload", async (c) => {
    const name = c.req.param("name");
    if (!ctx.locations.get(name))
      throw new ApiError(
        404,
        "NOT_FOUND",
        `No code location "${name}"`,
        `This server has ${ctx.locations.names.map((n) => `"${n}"`).join(", ")}.`,
      );
    return c.json(locationView(await ctx.locations.reload(name)));
  });
}
