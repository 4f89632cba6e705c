import {
  closest,
  describePartitions,
  selectAssets,
  type AssetGraph,
} from "@strata/core";
import { loadDynamicPartitions, readPartitionStatus } from "@strata/engine";
import { z } from "zod";
import { ApiError } from "../api-error.ts";
import type {
  AssetAutomationResponse,
  AssetDetailResponse,
  AssetsResponse,
  CheckHistoryResponse,
  GraphResponse,
  MaterializationsResponse,
  PartitionsResponse,
} from "../api-types.ts";
import type { ServerContext } from "../context.ts";
import type { ApiApp } from "../hono-env.ts";
import type { RouteRegistry } from "../registry.ts";
import { intParam, parseQuery } from "../validate.ts";
import {
  assetSummary,
  checkHealth,
  matchesSearch,
  readAssetFacts,
  type SummaryContext,
} from "../views/asset-views.ts";
import { evaluationView, freshnessView, healthOf, nodeLabel, readFreshnessStates } from "../views/asset-automation.ts";

const catalogQuery = z.object({
  select: z
    .string()
    .min(1)
    .optional()
    .describe("Selection syntax, e.g. `group:bronze`, `+mart/orders`, `tag:tier=gold`"),
  q: z
    .string()
    .optional()
    .describe("Case-insensitive search over key, group, kinds, owners, tags, description"),
});
const historyQuery = z.object({
  limit: intParam(1, 5000).default(100),
  before: intParam(1, Number.MAX_SAFE_INTEGER)
    .optional()
    .describe("Event id: only older materialisations (keyset pagination)"),
  partition: z.string().optional(),
});
const checkHistoryQuery = z.object({ limit: intParam(1, 5000).default(100) });
const automationQuery = z.object({
  limit: intParam(1, 50).default(20).describe("Evaluations to return, newest first (at most 50 are kept per asset)"),
});
const graphQuery = z.object({ select: z.string().min(1).optional() });

function selected(graph: AssetGraph, select: string | undefined): Set<string> | undefined {
  return select === undefined ? undefined : selectAssets(select, graph);
}

function assetOr404(graph: AssetGraph, key: string) {
  const a = graph.find(key);
  if (!a) {
    const near = closest(key, graph.keys());
    throw new ApiError(
      404,
      "NOT_FOUND",
      `Unknown asset "${key}"`,
      near ? `Did you mean "${near}"?` : "List assets with GET /api/assets.",
    );
  }
  return a;
}

async function summaryContext(
  ctx: ServerContext,
  graph: AssetGraph,
  keys?: string[],
): Promise<SummaryContext> {
  const [facts, dynamic, freshness] = await Promise.all([
    readAssetFacts(ctx.storage, keys),
    loadDynamicPartitions(ctx.storage, graph),
    readFreshnessStates(ctx.storage),
  ]);
  return {
    graph,
    facts,
    freshness,
    root: graph.snapshot.root,
    git: ctx.git(),
    partitionCtx: { now: Date.now(), dynamic },
  };
}

export function assetRoutes(app: ApiApp, r: RouteRegistry, ctx: ServerContext): void {
  r.add({
    method: "get",
    path: "/api/assets",
    tag: "assets",
    summary: "The asset catalog (optionally a selection and/or a search)",
    query: catalogQuery,
    response: "AssetsResponse",
  });
  app.get("/api/assets", async (c) => {
    const q = parseQuery(c, catalogQuery);
    const graph = ctx.graph();
    const keys = selected(graph, q.select);
    let assets = graph.snapshot.assets.filter((a) => !keys || keys.has(a.key));
    if (q.q) assets = assets.filter((a) => matchesSearch(a, q.q!));
    // Reading every index row is one query; for small subsets read only theirs.
    const sctx = await summaryContext(
      ctx,
      graph,
      assets.length < 500
        ? withParents(
            graph,
            assets.map((a) => a.key),
          )
        : undefined,
    );
    const body: AssetsResponse = {
      location: graph.snapshot.location,
      version: ctx.locations.state.version,
      total: graph.size,
      assets: assets.map((a) => assetSummary(a, sctx)),
    };
    return c.json(body);
  });

  r.add({
    method: "get",
    path: "/api/assets/:key",
    tag: "assets",
    summary: "One asset: spec, code reference, latest materialisation, checks",
    response: "AssetDetailResponse",
  });
  app.get("/api/assets/:key", async (c) => {
    const graph = ctx.graph();
    const a = assetOr404(graph, c.req.param("key"));
    const sctx = await summaryContext(ctx, graph, [a.key, ...graph.parents(a.key)]);
    const [latest] = await ctx.storage.getMaterializations(a.key, { limit: 1 });
    const body: AssetDetailResponse = {
      asset: {
        ...assetSummary(a, sctx),
        node: a.node,
        deps: a.deps,
        upstream: [...graph.parents(a.key)],
        downstream: [...graph.children(a.key)],
        metadata: a.metadata,
        ...(a.codeVersion ? { codeVersion: a.codeVersion } : {}),
        resources: a.resources,
        io: a.io,
        ...(a.pool ? { pool: a.pool } : {}),
        ...(a.partitions ? { partitionsDefinition: a.partitions } : {}),
      },
      ...(latest ? { latestMaterialization: latest } : {}),
      checks: graph.checksOf(a.key).map((check) => {
        const st = sctx.facts.checks.get(check.key);
        const ev = st?.lastEvaluation;
        return {
          key: check.key,
          name: check.name,
          status: checkHealth(check, st),
          severity: check.severity,
          blocking: check.blocking,
          inline: check.inline,
          ...(check.description ? { description: check.description } : {}),
          ...(ev ? { lastEvaluatedAt: ev.timestamp, lastRunId: ev.runId, lastEvaluation: ev } : {}),
        };
      }),
    };
    return c.json(body);
  });

  r.add({
    method: "get",
    path: "/api/assets/:key/automation",
    tag: "assets",
    summary: "Automation condition, latest evaluations (condition trees), freshness and health of one asset",
    query: automationQuery,
    response: "AssetAutomationResponse",
  });
  app.get("/api/assets/:key/automation", async (c) => {
    const q = parseQuery(c, automationQuery);
    const graph = ctx.graph();
    const a = assetOr404(graph, c.req.param("key"));
    const [facts, recorded, rows] = await Promise.all([
      readAssetFacts(ctx.storage, [a.key]),
      readFreshnessStates(ctx.storage),
      ctx.storage.getAutomationEvaluations(a.key, { limit: q.limit }),
    ]);
    const freshness = freshnessView(a, facts, recorded, Date.now());
    const body: AssetAutomationResponse = {
      assetKey: a.key,
      ...(a.automation ? { condition: { snapshot: a.automation, label: nodeLabel(a.automation) } } : {}),
      evaluations: rows.map((row) => evaluationView(row, a.automation)),
      ...(freshness ? { freshness } : {}),
      health: healthOf(graph, a.key, facts, freshness?.state),
    };
    return c.json(body);
  });

  r.add({
    method: "get",
    path: "/api/assets/:key/materializations",
    tag: "assets",
    summary: "Materialisation history, newest first (keyset pagination with `before`)",
    query: historyQuery,
    response: "MaterializationsResponse",
  });
  app.get("/api/assets/:key/materializations", async (c) => {
    const q = parseQuery(c, historyQuery);
    const a = assetOr404(ctx.graph(), c.req.param("key"));
    const rows = await ctx.storage.getMaterializations(a.key, {
      limit: q.limit + 1,
      ...(q.before !== undefined ? { beforeEventId: q.before } : {}),
      ...(q.partition !== undefined ? { partition: q.partition } : {}),
    });
    const page = rows.slice(0, q.limit);
    const body: MaterializationsResponse = {
      materializations: page,
      ...(rows.length > q.limit ? { nextBefore: page.at(-1)!.eventId } : {}),
    };
    return c.json(body);
  });

  r.add({
    method: "get",
    path: "/api/assets/:key/checks/:name/history",
    tag: "assets",
    summary: "A check's evaluations, newest first",
    query: checkHistoryQuery,
    response: "CheckHistoryResponse",
  });
  app.get("/api/assets/:key/checks/:name/history", async (c) => {
    const q = parseQuery(c, checkHistoryQuery);
    const graph = ctx.graph();
    const a = assetOr404(graph, c.req.param("key"));
    const name = c.req.param("name");
    const check = graph.checksOf(a.key).find((x) => x.name === name);
    if (!check) {
      const names = graph.checksOf(a.key).map((x) => x.name);
      throw new ApiError(
        404,
        "NOT_FOUND",
        `Asset "${a.key}" has no check "${name}"`,
        names.length ? `Its checks: ${names.join(", ")}.` : "It has no checks.",
      );
    }
    const body: CheckHistoryResponse = {
      checkKey: check.key,
      evaluations: await ctx.storage.getCheckHistory(check.key, { limit: q.limit }),
    };
    return c.json(body);
  });

  r.add({
    method: "get",
    path: "/api/assets/:key/partitions",
    tag: "assets",
    summary: "Partition status summary: counts and ranges (materialized/stale/failed/in_progress/missing)",
    response: "PartitionsResponse",
  });
  app.get("/api/assets/:key/partitions", async (c) => {
    const graph = ctx.graph();
    const a = assetOr404(graph, c.req.param("key"));
    const def = graph.partitionsOf(a.key);
    if (!def)
      throw new ApiError(
        400,
        "PARTITION_INVALID",
        `"${a.key}" is not partitioned`,
        "Its history is at GET /api/assets/:key/materializations.",
      );
    const pctx = { now: Date.now(), dynamic: await loadDynamicPartitions(ctx.storage, graph) };
    const summary = await readPartitionStatus(ctx.storage, graph, a.key, pctx);
    const body: PartitionsResponse = { ...summary, description: describePartitions(def, pctx) };
    return c.json(body);
  });

  r.add({
    method: "post",
    path: "/api/assets/:key/wipe",
    tag: "assets",
    summary: "Forget an asset's history (runs and their events stay)",
    response: "WipeResponse",
    mutation: true,
  });
  app.post("/api/assets/:key/wipe", async (c) => {
    const key = c.req.param("key");
    // Wiping an asset that left the definitions is allowed: its history may linger in the index.
    const graph = ctx.graph();
    if (!graph.has(key) && !(await ctx.storage.getAssetRecords([key])).length) assetOr404(graph, key);
    await ctx.storage.wipeAsset(key);
    return c.json({ assetKey: key, wiped: true });
  });

  r.add({
    method: "get",
    path: "/api/graph",
    tag: "assets",
    summary: "Lineage: nodes, edges as index pairs, groups (compact for 10,000 assets)",
    query: graphQuery,
    response: "GraphResponse",
  });
  app.get("/api/graph", async (c) => {
    const q = parseQuery(c, graphQuery);
    const graph = ctx.graph();
    const keys = selected(graph, q.select);
    const sctx = await summaryContext(ctx, graph);
    const index = new Map<string, number>();
    const nodes: GraphResponse["nodes"] = [];
    const groups = new Map<string, number>();
    for (const a of graph.snapshot.assets) {
      if (keys && !keys.has(a.key)) continue;
      index.set(a.key, nodes.length);
      const s = assetSummary(a, sctx);
      const worstCheck = s.checks.some((x) => x.status === "failed")
        ? "failed"
        : s.checks.some((x) => x.status === "warning")
          ? "warning"
          : s.checks.length
            ? s.checks.every((x) => x.status === "passed")
              ? "passed"
              : "not_evaluated"
            : undefined;
      nodes.push({
        key: a.key,
        group: a.group,
        ...(a.kinds.length ? { kinds: a.kinds } : {}),
        ...(a.partitions ? { partitioned: true as const } : {}),
        status: s.status,
        ...(worstCheck ? { checks: worstCheck } : {}),
      });
      groups.set(a.group, (groups.get(a.group) ?? 0) + 1);
    }
    const edges: [number, number][] = [];
    for (const [key, i] of index)
      for (const p of graph.parents(key)) {
        const j = index.get(p);
        if (j !== undefined) edges.push([j, i]);
      }
    const body: GraphResponse = {
      location: graph.snapshot.location,
      version: ctx.locations.state.version,
      nodes,
      edges,
      groups: [...groups].map(([name, count]) => ({ name, count })),
    };
    return c.json(body);
  });
}

function withParents(graph: AssetGraph, keys: string[]): string[] {
  const out = new Set(keys);
  for (const k of keys) for (const p of graph.parents(k)) out.add(p);
  return [...out];
}
