/**
 * Web UI in headless Chromium (Debian's, via playwright-core) on generated catalogs of 1,000 and
 * 10,000 assets (15,000 edges): lineage layout + first draw, pan/zoom frame times, catalog
 * filtering, and an asset page with 5,000 materialisations. The real web build is served by a
 * tiny static server with fixture JSON in the API's shapes (no instance needed).
 */
import { createServer, type Server } from "node:http";
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import type { AddressInfo } from "node:net";
import type { AssetSummary, AssetsResponse, GraphResponse, MaterializationsResponse, AssetDetailResponse } from "@strata/server";
import { WEB_DIST } from "@strata/web/build";
import { buildWeb, browserUnavailable, launchBrowser } from "../test/web/browser.ts";
import { fmtMs, row, startResult } from "./lib.ts";

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

function generate(n: number, edges: number) {
  let seed = 42;
  const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const groups = Array.from({ length: Math.max(4, Math.round(n / 400)) }, (_, i) => `group_${i}`);
  const status = ["materialized", "materialized", "materialized", "stale", "failed", "missing"] as const;
  const assets: AssetSummary[] = Array.from({ length: n }, (_, i) => {
    const g = groups[Math.floor((i / n) * groups.length)]!;
    return {
      key: `${g}/asset_${i}`,
      group: g,
      kinds: [["sql", "duckdb", "python", "parquet"][i % 4]!],
      owners: [`team:${["data", "analytics", "ml"][i % 3]}`],
      tags: { tier: ["bronze", "silver", "gold"][i % 3]! },
      status: status[i % status.length]!,
      checks: [],
      lastMaterialization: { eventId: i, runId: `run${i}`, timestamp: Date.now() - i * 60_000 },
    };
  });
  // DAG: each edge goes from a lower index to a higher one, mostly nearby (layers stay realistic)
  const set = new Set<string>();
  const e: [number, number][] = [];
  while (e.length < edges) {
    const b = 1 + Math.floor(rnd() * (n - 1));
    const a = Math.max(0, b - 1 - Math.floor(rnd() * Math.min(b, rnd() < 0.8 ? 40 : n)));
    const k = `${a}>${b}`;
    if (a === b || set.has(k)) continue;
    set.add(k);
    e.push([a, b]);
  }
  const graph: GraphResponse = {
    location: "bench",
    version: 1,
    nodes: assets.map((a) => ({ key: a.key, group: a.group, kinds: a.kinds, status: a.status })),
    edges: e,
    groups: groups.map((g) => ({ name: g, count: assets.filter((a) => a.group === g).length })),
  };
  const catalog: AssetsResponse = { location: "bench", version: 1, total: n, assets };
  return { graph, catalog };
}

function history(n: number): MaterializationsResponse {
  const now = Date.now();
  return {
    materializations: Array.from({ length: n }, (_, i) => ({
      eventId: n - i,
      runId: `run${i}`,
      assetKey: "big/history",
      timestamp: now - i * 3_600_000,
      metadata: { row_count: { type: "int", value: 1000 + Math.round(500 * Math.sin(i / 50)) + i }, duration_s: { type: "float", value: 3 + (i % 7) } },
    })),
  };
}

function serve(fixtures: Map<string, string>): Promise<{ url: string; server: Server }> {
  const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml" };
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    if (path === "/api/stream") {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("event: hello\ndata: {}\n\n");
      return;
    }
    const fx = fixtures.get(path);
    if (fx !== undefined) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(fx);
      return;
    }
    if (path.startsWith("/api/")) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "NOT_FOUND", message: "not in the bench fixture" } }));
      return;
    }
    const file = join(WEB_DIST, path);
    const f = existsSync(file) && statSync(file).isFile() ? file : join(WEB_DIST, "index.html");
    res.writeHead(200, { "content-type": types[extname(f)] ?? "application/octet-stream" });
    res.end(readFileSync(f));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })));
}

if (browserUnavailable()) process.exit(0);
await buildWeb();
const result = startResult("web", "Web UI in headless Chromium (generated catalogs)");
const browser = await launchBrowser();
const page = await browser.context.newPage();
const RUNS = 3;

for (const [n, edges, target] of [[1_000, 1_500, 1_000], [10_000, 15_000, 3_000]] as const) {
  const { graph, catalog } = generate(n, edges);
  const detail: AssetDetailResponse = {
    asset: { ...catalog.assets[0]!, key: "big/history", node: "big/history", deps: [], upstream: [], downstream: [], metadata: {}, resources: [], io: "io_manager" },
    checks: [],
    latestMaterialization: history(1).materializations[0]!,
  };
  const fixtures = new Map<string, string>([
    ["/api/graph", JSON.stringify(graph)],
    ["/api/assets", JSON.stringify(catalog)],
    ["/api/assets/big/history", JSON.stringify(detail)],
    ["/api/assets/big/history/materializations", JSON.stringify(history(5_000))],
  ]);
  const { url, server } = await serve(fixtures);

  const total: number[] = [], layoutMs: number[] = [], sinceData: number[] = [];
  let frames: number[] = [];
  for (let r = 0; r < RUNS + 1; r++) {
    await page.goto(`${url}/graph`);
    await page.waitForFunction(() => (window.__strataPerf?.graph?.drawnAt ?? 0) > 0, null, { timeout: 60_000 });
    const g = await page.evaluate(() => window.__strataPerf!.graph!);
    if (r === 0) continue; // warm-up (browser cache, JIT)
    total.push(g.drawnAt);
    layoutMs.push(g.layoutMs);
    sinceData.push(g.drawnAt - g.requestedAt);
  }
  // pan/zoom: wheel zoom in and out around the centre, then drag; draw time of every frame
  await page.evaluate(() => (window.__strataPerf!.frames = []));
  const box = (await page.getByTestId("graph-canvas").boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const rafIntervals: number[] = [];
  for (let i = 0; i < 40; i++) {
    await page.mouse.wheel(0, i < 20 ? -120 : 120);
    rafIntervals.push(await page.evaluate(() => new Promise<number>((res) => { const t = performance.now(); requestAnimationFrame(() => requestAnimationFrame(() => res((performance.now() - t) / 2))); })));
  }
  await page.mouse.down();
  for (let i = 0; i < 40; i++) {
    await page.mouse.move(box.x + box.width / 2 + i * 8, box.y + box.height / 2 + i * 4);
    await page.evaluate(() => new Promise((res) => requestAnimationFrame(res)));
  }
  await page.mouse.up();
  frames = await page.evaluate(() => window.__strataPerf!.frames);

  // catalog filter over every asset
  await page.goto(`${url}/assets`);
  await page.getByTestId("catalog-list").waitFor();
  const filterMs: number[] = [];
  for (const q of ["asset_1", "group_3", "analytics", "gold sql", "asset_99", "zzz", ""]) {
    await page.getByTestId("catalog-search").fill(q);
    await page.waitForTimeout(50);
    filterMs.push(await page.evaluate(() => window.__strataPerf!.catalogFilterMs!));
  }
  // asset page with 5,000 materialisations: navigation start → history chart painted
  const paint: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    await page.goto(`${url}/assets/big%2Fhistory`);
    await page.getByTestId("metadata-chart").waitFor();
    paint.push(await page.evaluate(() => new Promise<number>((res) => requestAnimationFrame(() => res(performance.now())))));
  }
  server.close();
  server.closeAllConnections();

  const label = `${n.toLocaleString("en-US")} assets, ${edges.toLocaleString("en-US")} edges`;
  result.rows.push(row(`lineage: load + layout + first draw (${label})`, total, target, { layout: fmtMs(pct(layoutMs, 50)), "data→drawn": fmtMs(pct(sinceData, 50)) }));
  result.rows.push(row(`lineage: pan/zoom frame draw (${label})`, frames, undefined, { p50: fmtMs(pct(frames, 50)), p95: fmtMs(pct(frames, 95)), frames: frames.length, "rAF p95": fmtMs(pct(rafIntervals, 95)) }));
  result.rows.push(row(`catalog filter (${n.toLocaleString("en-US")} assets)`, filterMs, 100, { p95: fmtMs(pct(filterMs, 95)) }));
  if (n === 10_000) result.rows.push(row("asset page, 5,000 materialisations: first paint with plot", paint, 1_000));
}
result.notes.push("Lineage time is from navigation start (performance.now() at first draw) and includes fetching the JSON, the layout worker and the first canvas draw.");
result.notes.push("Frame rows: canvas draw time per frame while wheel-zooming in/out and dragging; 'rAF p95' is the frame interval seen by the page.");
await browser.close();
result.finish();
