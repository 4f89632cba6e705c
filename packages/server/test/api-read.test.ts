/** Read routes through app.request(), against a real project, code-location process and SQLite instance. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  AssetDetailResponse,
  AssetsResponse,
  CheckHistoryResponse,
  DynamicPartitionsResponse,
  GraphResponse,
  LaunchResponse,
  LocationsResponse,
  MaterializationsResponse,
  OverviewResponse,
  PartitionsResponse,
  RunDetailResponse,
  RunEventsResponse,
  RunsResponse,
} from "../src/index.ts";
import { createApp } from "../src/index.ts";
import { SECRET, enc, openFixture, waitFor, type Fixture } from "./fixture.ts";

let f: Fixture;
let firstRun: string;
let secondRun: string;

async function runToEnd(body: unknown): Promise<string> {
  const res = await f.post<LaunchResponse>("/api/runs", body);
  expect(res.status, res.text).toBe(202);
  const id = res.body.runId;
  await waitFor(async () =>
    ["SUCCESS", "FAILURE", "CANCELED"].includes((await f.storage.getRun(id))!.status),
  );
  return id;
}

beforeAll(async () => {
  f = await openFixture();
  firstRun = await runToEnd({ selection: "raw/events or silver/events", tags: { team: "data" } });
  secondRun = await runToEnd({ assetKeys: ["raw/events"] });
}, 60_000);
afterAll(() => f?.close());

describe("catalog and assets", () => {
  it("GET /api/assets lists every asset with status, checks, code ref and partitions label", async () => {
    const { status, body } = await f.get<AssetsResponse>("/api/assets");
    expect(status).toBe(200);
    expect(body.location).toBe("fixture");
    expect(body.version).toBe(1);
    expect(body.assets.map((a) => a.key).sort()).toEqual([
      "gold/fails",
      "gold/slow",
      "raw/events",
      "regions",
      "silver/events",
      "tenants",
    ]);
    const by = new Map(body.assets.map((a) => [a.key, a]));
    const raw = by.get("raw/events")!;
    expect(raw).toMatchObject({
      group: "bronze",
      kinds: ["json"],
      owners: ["team:ingest"],
      tags: { tier: "bronze" },
      description: "Raw events from the API",
      status: "materialized",
    });
    expect(raw.lastMaterialization?.runId).toBe(secondRun);
    expect(raw.codeRef).toMatchObject({ file: "strata.config.ts", line: expect.any(Number) });
    // raw was materialised again after silver: silver is stale.
    expect(by.get("silver/events")!.status).toBe("stale");
    expect(
      by
        .get("silver/events")!
        .checks.map((c) => [c.name, c.status])
        .sort(),
    ).toEqual([
      ["big_enough", "warning"],
      ["non_empty", "passed"],
    ]);
    expect(by.get("gold/slow")!.status).toBe("missing");
    expect(by.get("regions")!.partitions).toBe("static · 3 partitions");
    expect(by.get("tenants")!.partitions).toBe('dynamic "tenants" · 0 partitions');
  });

  it("filters the catalog with the selection syntax and a search", async () => {
    const sel = await f.get<AssetsResponse>(`/api/assets?select=${enc("raw/events+")}`);
    expect(sel.body.assets.map((a) => a.key)).toEqual([
      "raw/events",
      "silver/events",
      "gold/slow",
      "gold/fails",
    ]);
    const group = await f.get<AssetsResponse>(`/api/assets?select=${enc("group:gold")}&q=slow`);
    expect(group.body.assets.map((a) => a.key)).toEqual(["gold/slow"]);
    const q = await f.get<AssetsResponse>("/api/assets?q=ANALYTICS");
    expect(q.body.assets.map((a) => a.key)).toEqual(["silver/events"]);
    expect(q.body.total).toBe(6);
  });

  it("reports a selection syntax error as 400 with the caret", async () => {
    const { status, body } = await f.get<{
      error: { code: string; message: string; details?: { caret?: string } };
    }>(`/api/assets?select=${enc("group:(")}`);
    expect(status).toBe(400);
    expect(body.error.code).toBe("SELECTION_SYNTAX");
    expect(body.error.details?.caret).toContain("^");
  });

  it("GET /api/assets/:key has the spec, latest metadata (secrets redacted) and checks with their last evaluation", async () => {
    const { status, body } = await f.get<AssetDetailResponse>(`/api/assets/${enc("silver/events")}`);
    expect(status).toBe(200);
    expect(body.asset).toMatchObject({
      key: "silver/events",
      upstream: ["raw/events"],
      group: "silver",
      io: "io_manager",
    });
    expect([...body.asset.downstream].sort()).toEqual(["gold/fails", "gold/slow"]);
    expect(body.latestMaterialization?.metadata.row_count).toEqual({ type: "int", value: 3 });
    const big = body.checks.find((c) => c.name === "big_enough")!;
    expect(big).toMatchObject({
      severity: "WARN",
      status: "warning",
      inline: false,
      description: "At least 10 rows",
      lastRunId: firstRun,
    });
    expect(big.lastEvaluation?.metadata.rows).toEqual({ type: "int", value: 3 });
    const raw = await f.get<AssetDetailResponse>(`/api/assets/${enc("raw/events")}`);
    expect(JSON.stringify(raw.body.latestMaterialization?.metadata.auth)).toContain("***");
  });

  it("answers 404 with a suggestion for an unknown asset", async () => {
    const { status, body } = await f.get<{ error: { code: string; hint: string } }>(
      `/api/assets/${enc("raw/event")}`,
    );
    expect(status).toBe(404);
    expect(body.error).toMatchObject({ code: "NOT_FOUND", hint: 'Did you mean "raw/events"?' });
  });

  it("pages materialisation history with before", async () => {
    const first = await f.get<MaterializationsResponse>(
      `/api/assets/${enc("raw/events")}/materializations?limit=1`,
    );
    expect(first.body.materializations).toHaveLength(1);
    expect(first.body.materializations[0]!.runId).toBe(secondRun);
    expect(first.body.nextBefore).toBeTypeOf("number");
    const second = await f.get<MaterializationsResponse>(
      `/api/assets/${enc("raw/events")}/materializations?limit=1&before=${first.body.nextBefore}`,
    );
    expect(second.body.materializations.map((m) => m.runId)).toEqual([firstRun]);
    expect(second.body.nextBefore).toBeUndefined();
    const bad = await f.get<{ error: { code: string; message: string } }>(
      `/api/assets/${enc("raw/events")}/materializations?limit=0`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("VALIDATION");
    expect(bad.body.error.message).toContain("limit");
  });

  it("returns a check's history and 404s an unknown check", async () => {
    const ok = await f.get<CheckHistoryResponse>(
      `/api/assets/${enc("silver/events")}/checks/non_empty/history`,
    );
    expect(ok.body.checkKey).toBe("silver/events:non_empty");
    expect(ok.body.evaluations.map((e) => e.passed)).toEqual([true]);
    const missing = await f.get<{ error: { hint: string } }>(
      `/api/assets/${enc("silver/events")}/checks/nope/history`,
    );
    expect(missing.status).toBe(404);
    expect(missing.body.error.hint).toContain("big_enough");
  });

  it("summarises partitions, and refuses unpartitioned assets", async () => {
    const { body } = await f.get<PartitionsResponse>("/api/assets/regions/partitions");
    expect(body).toMatchObject({ assetKey: "regions", total: 3, counts: { missing: 3, materialized: 0 } });
    expect(body.ranges).toEqual([{ start: "eu", end: "apac", count: 3, status: "missing" }]);
    expect(body.description).toContain("static");
    const bad = await f.get<{ error: { code: string } }>(`/api/assets/${enc("raw/events")}/partitions`);
    expect(bad.status).toBe(400);
  });

  it("GET /api/graph is compact: nodes, index-pair edges and groups", async () => {
    const { body } = await f.get<GraphResponse>("/api/graph");
    expect(body.nodes).toHaveLength(6);
    const idx = (k: string) => body.nodes.findIndex((n) => n.key === k);
    expect(body.edges).toHaveLength(3);
    expect(body.edges).toContainEqual([idx("raw/events"), idx("silver/events")]);
    expect(body.nodes[idx("silver/events")]).toMatchObject({ status: "stale", checks: "warning" });
    expect(body.nodes[idx("regions")]!.partitioned).toBe(true);
    expect(body.groups).toContainEqual({ name: "gold", count: 2 });
    const sub = await f.get<GraphResponse>(`/api/graph?select=${enc("+silver/events")}`);
    expect(sub.body.nodes.map((n) => n.key)).toEqual(["raw/events", "silver/events"]);
    expect(sub.body.edges).toEqual([[0, 1]]);
  });
});

describe("runs", () => {
  it("lists runs newest first with status, tag and asset filters and cursor pagination", async () => {
    const all = await f.get<RunsResponse>("/api/runs");
    expect(all.body.runs.map((r) => r.runId)).toEqual([secondRun, firstRun]);
    expect(all.body.runs[0]!.durationMs).toBeTypeOf("number");
    const page1 = await f.get<RunsResponse>("/api/runs?limit=1");
    expect(page1.body.runs.map((r) => r.runId)).toEqual([secondRun]);
    const page2 = await f.get<RunsResponse>(`/api/runs?limit=1&cursor=${page1.body.nextCursor}`);
    expect(page2.body.runs.map((r) => r.runId)).toEqual([firstRun]);
    expect(page2.body.nextCursor).toBeUndefined();
    expect((await f.get<RunsResponse>("/api/runs?tag=team=data")).body.runs.map((r) => r.runId)).toEqual([
      firstRun,
    ]);
    expect(
      (await f.get<RunsResponse>(`/api/runs?asset=${enc("silver/events")}`)).body.runs.map((r) => r.runId),
    ).toEqual([firstRun]);
    expect((await f.get<RunsResponse>("/api/runs?status=FAILURE,CANCELED")).body.runs).toEqual([]);
    expect((await f.get<RunsResponse>("/api/runs?status=SUCCESS&status=FAILURE")).body.runs).toHaveLength(2);
  });

  it("rejects bad run filters with 400", async () => {
    const bad = await f.get<{ error: { code: string; message: string } }>("/api/runs?status=DONE");
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("status");
    expect((await f.get("/api/runs?tag=novalue")).status).toBe(400);
    expect((await f.get("/api/runs?cursor=nope")).status).toBe(400);
  });

  it("GET /api/runs/:id has the step timeline, materialisations and check results", async () => {
    const { status, body } = await f.get<RunDetailResponse>(`/api/runs/${firstRun}`);
    expect(status).toBe(200);
    expect(body.run.status).toBe("SUCCESS");
    expect(body.steps.map((s) => s.status)).toEqual(body.steps.map(() => "succeeded"));
    expect(
      body.steps
        .map((s) => s.assetKeys)
        .flat()
        .sort(),
    ).toEqual(["raw/events", "silver/events"]);
    expect(body.steps.every((s) => s.startedAt! <= s.endedAt!)).toBe(true);
    expect(body.materializations.map((m) => m.assetKey).sort()).toEqual(["raw/events", "silver/events"]);
    expect(body.checks.map((c) => [c.checkKey, c.passed]).sort()).toEqual([
      ["silver/events:big_enough", false],
      ["silver/events:non_empty", true],
    ]);
    expect(body.canReexecuteFromFailure).toBe(false);
    const missing = await f.get<{ error: { code: string } }>("/api/runs/nope");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("RUN_NOT_FOUND");
  });

  it("pages a run's events and filters them by level, step and text", async () => {
    const all = await f.get<RunEventsResponse>(`/api/runs/${firstRun}/events`);
    expect(all.body.events.length).toBeGreaterThan(5);
    expect(all.body.hasMore).toBe(false);
    expect(all.body.runStatus).toBe("SUCCESS");
    const p1 = await f.get<RunEventsResponse>(`/api/runs/${firstRun}/events?limit=2`);
    expect(p1.body.events.map((e) => e.id)).toEqual(all.body.events.slice(0, 2).map((e) => e.id));
    expect(p1.body.hasMore).toBe(true);
    const p2 = await f.get<RunEventsResponse>(
      `/api/runs/${firstRun}/events?limit=2&after=${p1.body.nextAfter}`,
    );
    expect(p2.body.events.map((e) => e.id)).toEqual(all.body.events.slice(2, 4).map((e) => e.id));
    const debug = all.body.events.filter((e) => e.level === "debug");
    expect(debug.length).toBeGreaterThan(0);
    const info = await f.get<RunEventsResponse>(`/api/runs/${firstRun}/events?level=info`);
    expect(info.body.events.length).toBe(all.body.events.length - debug.length);
    const search = await f.get<RunEventsResponse>(`/api/runs/${firstRun}/events?q=CALLING`);
    expect(search.body.events.map((e) => e.message)).toEqual(["calling api.example.com with ***"]);
    const step = await f.get<RunEventsResponse>(`/api/runs/${firstRun}/events?step=${enc("silver/events")}`);
    expect(step.body.events.every((e) => e.stepKey === "silver/events")).toBe(true);
    expect((await f.get(`/api/runs/${firstRun}/events?level=loud`)).status).toBe(400);
  });
});

describe("overview, locations, dynamic partitions, openapi", () => {
  it("GET /api/overview counts asset health, lists failing checks and recent runs", async () => {
    const { body } = await f.get<OverviewResponse>("/api/overview");
    expect(body.assets).toEqual({
      total: 6,
      counts: { materialized: 1, stale: 1, failed: 0, in_progress: 0, missing: 4 },
    });
    expect(body.failingChecks).toEqual([
      expect.objectContaining({ checkKey: "silver/events:big_enough", severity: "WARN", runId: firstRun }),
    ]);
    expect(body.recentRuns.map((r) => r.runId)).toEqual([secondRun, firstRun]);
    expect(body.location).toMatchObject({ name: "fixture", status: "loaded", assetCount: 6, checkCount: 2 });
    // No daemon ran against this instance: every loop without a heartbeat (format: api-instigators.test.ts).
    expect(body.daemon.running).toBe(false);
    expect(body.daemon.loops.every((l) => l.heartbeat === undefined)).toBe(true);
  });

  it("GET /api/locations shows status and resources with env var names only", async () => {
    const { body } = await f.get<LocationsResponse>("/api/locations");
    expect(body.locations).toHaveLength(1);
    const loc = body.locations[0]!;
    expect(loc).toMatchObject({
      name: "fixture",
      status: "loaded",
      version: 1,
      entry: "strata.config.ts",
      watching: false,
    });
    expect(loc.loadedAt).toBeTypeOf("number");
    expect(loc.resources).toEqual([
      {
        name: "api",
        fields: [
          { name: "token", env: "API_TOKEN", secret: true },
          { name: "host", env: "API_HOST", secret: false },
        ],
      },
    ]);
  });

  it("lists dynamic partition sets with the assets that use them", async () => {
    const { body } = await f.get<DynamicPartitionsResponse>("/api/dynamic-partitions");
    expect(body.sets).toEqual([{ name: "tenants", count: 0, assets: ["tenants"] }]);
    expect((await f.get("/api/dynamic-partitions/nope")).status).toBe(404);
  });

  it("describes every route in /api/openapi.json", async () => {
    const { body } = await f.get<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(
      "/api/openapi.json",
    );
    expect(body.openapi).toBe("3.1.0");
    const documented = new Set(
      Object.entries(body.paths).flatMap(([p, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
      ),
    );
    const routes = f.server.app.routes
      .filter((r) => r.path.startsWith("/api/") && r.path !== "/api/*" && r.method !== "ALL")
      .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z]+)/g, "{$1}")}`);
    expect(routes.length).toBeGreaterThanOrEqual(25);
    for (const r of routes) expect(documented, r).toContain(r);
    expect(documented.size).toBe(new Set(routes).size);
    const launch = body.paths["/api/runs"]!.post as {
      requestBody: { content: { "application/json": { schema: { properties: Record<string, unknown> } } } };
    };
    expect(Object.keys(launch.requestBody.content["application/json"].schema.properties)).toEqual(
      expect.arrayContaining(["selection", "assetKeys", "partitionKey", "partitionRange", "tags"]),
    );
  });

  it("answers unknown API routes with a JSON 404", async () => {
    const { status, body } = await f.get<{ error: { code: string } }>("/api/nope");
    expect(status).toBe(404);
    expect(body.error.code).toBe("NOT_FOUND");
  });
});

describe("web build", () => {
  it("serves a page saying how to build the UI when there is no build", async () => {
    const res = await f.server.app.request("/runs/abc");
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("npm run build -w @strata/web");
  });

  it("serves the build's files, falls back to index.html, and never leaves the folder", async () => {
    const dist = join(f.dir, "web-dist");
    mkdirSync(join(dist, "assets"), { recursive: true });
    writeFileSync(join(dist, "index.html"), "<!doctype html><div id=root></div>");
    writeFileSync(join(dist, "assets", "app-123.js"), "console.log(1)");
    writeFileSync(join(f.dir, "outside.txt"), "secret file");
    const { app } = createApp({
      storage: f.storage,
      locations: f.locations,
      instanceDir: f.instanceDir,
      webDist: dist,
    });
    const js = await app.request("/assets/app-123.js");
    expect(js.headers.get("content-type")).toContain("javascript");
    expect(js.headers.get("cache-control")).toContain("immutable");
    expect(await js.text()).toBe("console.log(1)");
    expect(await (await app.request("/assets/runs/xyz")).text()).toContain("id=root");
    expect(await (await app.request("/catalog")).text()).toContain("id=root");
    const escape = await app.request("/..%2Foutside.txt");
    expect(await escape.text()).not.toContain("secret file");
  });
});

describe("secrets", () => {
  it("never appear in any GET response", async () => {
    const paths = [
      "/api/overview",
      "/api/assets",
      `/api/assets/${enc("raw/events")}`,
      `/api/assets/${enc("raw/events")}/materializations`,
      "/api/graph",
      "/api/runs",
      `/api/runs/${firstRun}`,
      `/api/runs/${firstRun}/events?limit=10000`,
      `/api/runs/${secondRun}/events`,
      "/api/locations",
      "/api/backfills",
      "/api/dynamic-partitions",
      "/api/openapi.json",
    ];
    for (const p of paths) {
      const res = await f.get(p);
      expect(res.status, p).toBe(200);
      expect(res.text, p).not.toContain(SECRET);
    }
    // The events really carried the redacted value: the scan above is not vacuous.
    const events = await f.get<RunEventsResponse>(`/api/runs/${firstRun}/events`);
    expect(events.text).toContain("***");
  });
});
