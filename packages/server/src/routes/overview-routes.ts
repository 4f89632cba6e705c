import type { AssetHealth, OverviewResponse } from "../api-types.ts";
import type { ServerContext } from "../context.ts";
import type { ApiApp } from "../hono-env.ts";
import type { RouteRegistry } from "../registry.ts";
import { assetHealth, readAssetFacts } from "../views/asset-views.ts";
import { daemonView } from "./instigator-routes.ts";
import { locationView } from "./location-routes.ts";
import { summarizeRun } from "./run-routes.ts";

export function overviewRoutes(app: ApiApp, r: RouteRegistry, ctx: ServerContext): void {
  r.add({
    method: "get",
    path: "/api/overview",
    tag: "overview",
    summary: "Asset health counts, failing checks, recent runs, location and daemon status",
    response: "OverviewResponse",
  });
  app.get("/api/overview", async (c) => {
    const graph = ctx.locations.graph();
    const [facts, recent, inProgress, backfills, daemon] = await Promise.all([
      readAssetFacts(ctx.storage),
      ctx.storage.listRuns({ limit: 10 }),
      ctx.storage.listRuns({ statuses: ["STARTING", "STARTED", "CANCELING"], limit: 10_000 }),
      ctx.storage.listBackfills({ statuses: ["REQUESTED", "IN_PROGRESS", "CANCELING"], limit: 1000 }),
      daemonView(ctx),
    ]);
    const counts: Record<AssetHealth, number> = {
      materialized: 0,
      stale: 0,
      failed: 0,
      in_progress: 0,
      missing: 0,
    };
    for (const key of graph?.keys() ?? []) counts[assetHealth(graph!, key, facts)]++;
    const failingChecks: OverviewResponse["failingChecks"] = [];
    for (const st of facts.checks.values()) {
      const ev = st.lastEvaluation;
      if (!ev || ev.passed || (graph && !graph.check(st.checkKey))) continue;
      failingChecks.push({
        checkKey: st.checkKey,
        assetKey: st.assetKey,
        severity: ev.severity,
        timestamp: ev.timestamp,
        runId: ev.runId,
        ...(ev.description ? { description: ev.description } : {}),
      });
    }
    failingChecks.sort((a, b) => b.timestamp - a.timestamp);
    const now = Date.now();
    const body: OverviewResponse = {
      location: locationView(ctx.locations.state),
      ...(ctx.locations.isWorkspace ? { locations: ctx.locations.states().map(locationView) } : {}),
      assets: { total: graph?.size ?? 0, counts },
      failingChecks,
      recentRuns: recent.map((x) => summarizeRun(x, now)),
      runsInProgress: inProgress.length,
      activeBackfills: backfills.length,
      daemon,
    };
    return c.json(body);
  });
}
