import { timingSafeEqual } from "node:crypto";
import { WorkspaceLocations, type LocationManager } from "@strata/engine";
import { queueLoopLive } from "@strata/daemon";
import type { Storage } from "@strata/storage";
import { Hono, type Context } from "hono";
import { ApiError, toErrorResponse } from "./api-error.ts";
import { BackfillRunner } from "./backfill-runner.ts";
import { makeContext, type ServerContext } from "./context.ts";
import { EventHub } from "./event-hub.ts";
import { RouteRegistry } from "./registry.ts";
import { RunLauncher } from "./run-launcher.ts";
import { assetRoutes } from "./routes/asset-routes.ts";
import { backfillRoutes } from "./routes/backfill-routes.ts";
import { concurrencyRoutes } from "./routes/concurrency-routes.ts";
import { instigatorRoutes } from "./routes/instigator-routes.ts";
import { locationRoutes } from "./routes/location-routes.ts";
import { overviewRoutes } from "./routes/overview-routes.ts";
import { partitionRoutes } from "./routes/partition-routes.ts";
import { runRoutes } from "./routes/run-routes.ts";
import { streamRoutes } from "./routes/stream-routes.ts";
import { staticUi } from "./static-ui.ts";

export const API_VERSION = "0.1.0";

export interface CreateAppOptions {
  storage: Storage;
  /** The code locations: one project's manager, or a workspace's locations. */
  locations: LocationManager | WorkspaceLocations;
  instanceDir: string;
  /** Access token: every /api request must carry it (`Authorization: Bearer`, or `?token=`). */
  token?: string;
  /** Refuse every mutation (403 READ_ONLY). */
  readOnly?: boolean;
  /** Web build folder (default packages/web/dist); a page saying how to build it when absent. */
  webDist?: string;
  /** Live-stream poll period (default 250 ms). */
  streamIntervalMs?: number;
  /** Backfill loop poll period (default 500 ms). */
  backfillPollMs?: number;
  /**
   * Extension point: registers more routes on the same app, registry (for OpenAPI) and context
   * (after the built-in ones, so it cannot shadow them).
   */
  extensions?: ((app: Hono, registry: RouteRegistry, ctx: ServerContext) => void)[];
}

export interface StrataApp {
  /** The Hono app: `app.fetch` for a server, `app.request()` in tests. */
  app: Hono;
  ctx: ServerContext;
  registry: RouteRegistry;
  /** Ends live streams, pauses backfills driven here, stops the event poll loop. Storage and locations stay open (the caller owns them). */
  close(): Promise<void>;
}

/**
 * The HTTP API (and the web UI) of a Strata instance. Never imports user code: the graph
 * comes from the code-location process through `locations`.
 *
 * @example
 * const { app } = createApp({ storage, locations, instanceDir });
 * const res = await app.request("/api/assets");
 */
export function createApp(options: CreateAppOptions): StrataApp {
  const closing = new AbortController();
  const hub = new EventHub(options.storage, {
    ...(options.streamIntervalMs ? { intervalMs: options.streamIntervalMs } : {}),
  });
  const locations =
    options.locations instanceof WorkspaceLocations ? options.locations : WorkspaceLocations.single(options.locations);
  const launcher = new RunLauncher(options.storage, locations, () => queueLoopLive(options.storage));
  const backfills = new BackfillRunner(options.storage, launcher, options.backfillPollMs ?? 500);
  const ctx = makeContext({
    storage: options.storage,
    locations,
    instanceDir: options.instanceDir,
    hub,
    launcher,
    backfills,
    readOnly: options.readOnly ?? false,
    closing: closing.signal,
  });
  const registry = new RouteRegistry();
  const app = new Hono();

  app.onError((err, c) => {
    const { status, body } = toErrorResponse(err);
    if (status >= 500)
      process.stderr.write(
        `strata server: ${c.req.method} ${c.req.path}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
    return c.json(body, status);
  });

  app.use("/api/*", async (c, next) => {
    guardRequest(c, options);
    await next();
    c.header("cache-control", "no-store");
  });

  registry.add({
    method: "get",
    path: "/api/openapi.json",
    tag: "meta",
    summary: "This API's OpenAPI 3.1 description",
    response: "OpenAPIDocument",
  });
  app.get("/api/openapi.json", (c) => c.json(registry.openApi(API_VERSION)));

  overviewRoutes(app, registry, ctx);
  assetRoutes(app, registry, ctx);
  runRoutes(app, registry, ctx);
  backfillRoutes(app, registry, ctx);
  locationRoutes(app, registry, ctx);
  partitionRoutes(app, registry, ctx);
  streamRoutes(app, registry, ctx);
  instigatorRoutes(app, registry, ctx);
  concurrencyRoutes(app, registry, ctx);
  for (const extend of options.extensions ?? []) extend(app, registry, ctx);

  app.all("/api/*", (c) => {
    throw new ApiError(
      404,
      "NOT_FOUND",
      `No API route ${c.req.method} ${c.req.path}`,
      "See GET /api/openapi.json for the routes.",
    );
  });
  const ui = staticUi(options.webDist);
  app.get("*", (c) => ui(c));

  return {
    app,
    ctx,
    registry,
    async close() {
      closing.abort();
      hub.close();
      await backfills.close();
    },
  };
}

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Token, read-only, cross-site and DNS-rebinding rules, applied to every /api request. */
function guardRequest(c: Context, options: CreateAppOptions): void {
  const mutation = MUTATING.has(c.req.method);
  // Node's server always has a Host header; in-process requests (tests) carry the host in the URL.
  const host = c.req.header("host") ?? new URL(c.req.url).host;
  if (options.token !== undefined) {
    const given = bearer(c.req.header("authorization")) ?? c.req.query("token");
    if (given === undefined || !sameSecret(given, options.token)) {
      throw new ApiError(
        401,
        "UNAUTHORIZED",
        given === undefined ? "This server requires an access token" : "The access token is wrong",
        "Send `Authorization: Bearer <STRATA_TOKEN>` (or `?token=<STRATA_TOKEN>` for EventSource).",
      );
    }
  } else if (!isLoopbackHost(host)) {
    // Without a token the server only answers to loopback names: a web page cannot reach it
    // through a DNS name that resolves to 127.0.0.1 (DNS rebinding).
    throw new ApiError(
      403,
      "FORBIDDEN",
      `Requests for host "${host}" are refused`,
      "Open the UI at http://127.0.0.1:<port> or http://localhost:<port>, or set STRATA_TOKEN.",
    );
  }
  if (!mutation) return;
  // Browsers send these on cross-site requests; a form on another site must not launch runs.
  if (c.req.header("sec-fetch-site") === "cross-site" || !sameOrigin(c.req.header("origin"), host)) {
    throw new ApiError(
      403,
      "FORBIDDEN",
      "Cross-site requests cannot change anything",
      "Send mutations from the Strata UI or a non-browser client.",
    );
  }
  if (options.readOnly)
    throw new ApiError(
      403,
      "READ_ONLY",
      "This server is read-only",
      "Start it without --read-only to launch runs and change state.",
    );
}

function bearer(header: string | undefined): string | undefined {
  const m = header ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null;
  return m ? m[1]!.trim() : undefined;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** True for localhost, 127.0.0.0/8 and ::1, with or without a port. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return true; // HTTP/1.0 clients and in-process requests
  const name = host.startsWith("[") ? host.slice(1, host.indexOf("]")) : host.replace(/:\d+$/, "");
  return isLoopbackAddress(name);
}

export function isLoopbackAddress(name: string): boolean {
  const n = name.toLowerCase();
  return (
    n === "localhost" ||
    n.endsWith(".localhost") ||
    n === "::1" ||
    /^127(\.\d{1,3}){3}$/.test(n) ||
    n === "::ffff:127.0.0.1"
  );
}

function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  if (origin === "null") return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
