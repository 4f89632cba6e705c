/**
 * The API over a workspace of three code locations, each in its own process: "ingestion",
 * "analytics" (its model depends on ingestion's asset) and "broken" (fails to load). The broken
 * one shows its error while the others keep working; each reloads alone; a launch spanning two
 * locations makes one run per location, in dependency order, each executed in its own location.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { LocationManager, WorkspaceLocations } from "@strata/engine";
import { openSqliteStorage, type Storage } from "@strata/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type AssetsResponse, type LaunchResponse, type LocationsResponse, type LocationView, type StrataApp } from "../src/index.ts";
import { childEnv, waitFor } from "./fixture.ts";

const INGESTION = `import { asset, defineDefinitions } from "strata";
import { appendFileSync, existsSync } from "node:fs";
export const raw = asset({ key: "raw/orders", group: "bronze" }, () => {
  if (existsSync("../fail-ingestion")) throw new Error("ingestion source is down");
  appendFileSync("../order.log", "ingestion:" + process.pid + "\\n");
  return [1, 2, 3];
});
export default defineDefinitions({ assets: [raw] });
`;
const ANALYTICS = `import { asset, defineDefinitions } from "strata";
import { appendFileSync } from "node:fs";
export const mart = asset({ key: "mart/orders", group: "marts", deps: ["raw/orders"] }, () => {
  appendFileSync("../order.log", "analytics:" + process.pid + "\\n");
  return 1;
});
export default defineDefinitions({ assets: [mart] });
`;
const BROKEN = `import { defineDefinitions } from "strata";
throw new Error("broken on purpose");
export default defineDefinitions({});
`;

let dir: string;
let storage: Storage;
let locations: WorkspaceLocations;
let server: StrataApp;

const write = (rel: string, content: string) => {
  mkdirSync(dirname(join(dir, rel)), { recursive: true });
  writeFileSync(join(dir, rel), content);
};
const request = async <T>(method: string, path: string, body?: unknown) => {
  const res = await server.app.request(path, {
    method,
    ...(body !== undefined ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as T };
};
const byName = async () => new Map((await request<LocationsResponse>("GET", "/api/locations")).body.locations.map((l) => [l.name, l]));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "strata-server-ws-"));
  write("workspace.yaml", "locations: [ingestion, analytics, broken]\n");
  for (const [name, config] of [["ingestion", INGESTION], ["analytics", ANALYTICS], ["broken", BROKEN]] as const) {
    write(`${name}/package.json`, JSON.stringify({ name, private: true, type: "module" }));
    write(`${name}/strata.config.ts`, config);
  }
  const instanceDir = join(dir, ".strata");
  mkdirSync(instanceDir, { recursive: true });
  storage = await openSqliteStorage(join(instanceDir, "strata.db"));
  const managers = ["ingestion", "analytics", "broken"].map(
    (name) =>
      new LocationManager(
        { root: join(dir, name), entry: join(dir, name, "strata.config.ts"), location: name, workspace: true },
        { instanceDir, env: childEnv(), onOutput: () => undefined, stopGraceMs: 1000 },
      ),
  );
  locations = new WorkspaceLocations(managers, { root: dir, name: "ws" });
  await locations.start();
  server = createApp({ storage, locations, instanceDir, streamIntervalMs: 50, webDist: join(dir, "no-web") });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await server?.ctx.launcher.drain().catch(() => undefined);
  await locations?.close();
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("a workspace behind the API", () => {
  it("lists every location with its status; the broken one shows its error", async () => {
    const l = await byName();
    expect([...l.keys()]).toEqual(["ingestion", "analytics", "broken"]);
    expect(l.get("ingestion")).toMatchObject({ status: "loaded", assetCount: 1 });
    expect(l.get("analytics")).toMatchObject({ status: "loaded", assetCount: 1 });
    expect(l.get("broken")).toMatchObject({ status: "error", assetCount: 0 });
    expect(l.get("broken")!.error!.message).toMatch(/broken on purpose/);
  });

  it("shows the working locations' assets together, with the dep across locations", async () => {
    const r = await request<AssetsResponse>("GET", "/api/assets");
    expect(r.status).toBe(200);
    const keys = r.body.assets.map((a) => a.key).sort();
    expect(keys).toEqual(["mart/orders", "raw/orders"]);
    const graph = await request<{ edges: unknown }>("GET", "/api/graph");
    expect(JSON.stringify(graph.body)).toContain("raw/orders");
    const detail = await request<{ upstream?: string[]; asset?: { upstream?: string[] } }>("GET", `/api/assets/${encodeURIComponent("mart/orders")}`);
    expect(detail.status).toBe(200);
    expect(JSON.stringify(detail.body)).toContain("raw/orders");
  });

  it("launches a selection spanning two locations as two runs, upstream location first, each in its own location", async () => {
    const r = await request<LaunchResponse>("POST", "/api/runs", { assetKeys: ["mart/orders", "raw/orders"] });
    expect(r.status).toBe(202);
    expect(r.body.runs).toHaveLength(2);
    const [first, second] = r.body.runs!;
    expect(r.body.runId).toBe(first!.runId);
    const runs = await Promise.all([first!.runId, second!.runId].map((id) => storage.getRun(id)));
    expect(runs.map((x) => x!.location)).toEqual(["ingestion", "analytics"]);
    expect(runs.map((x) => x!.assetKeys)).toEqual([["raw/orders"], ["mart/orders"]]);
    await waitFor(async () => (await storage.getRun(second!.runId))?.status === "SUCCESS", 60_000);
    expect((await storage.getRun(first!.runId))!.status).toBe("SUCCESS");
    // Executed in order, in two different processes (each location's own).
    const log = readFileSync(join(dir, "order.log"), "utf8").trim().split("\n");
    expect(log.map((l) => l.split(":")[0])).toEqual(["ingestion", "analytics"]);
    expect(new Set(log.map((l) => l.split(":")[1])).size).toBe(2);
  }, 90_000);

  it("backfills partitions of assets in two locations: each run in its assets' location, upstream first", async () => {
    const shards = `import { staticPartitions } from "strata";
export const shards = asset({ key: "raw/shards", partitions: staticPartitions(["eu", "us"]) }, () => 1);
export default defineDefinitions({ assets: [raw, shards] });`;
    const regions = `import { staticPartitions } from "strata";
export const regions = asset({ key: "mart/regions", deps: ["raw/shards"], partitions: staticPartitions(["eu", "us"]) }, () => 1);
export default defineDefinitions({ assets: [mart, regions] });`;
    write("ingestion/strata.config.ts", INGESTION.replace("export default defineDefinitions({ assets: [raw] });", shards));
    write("analytics/strata.config.ts", ANALYTICS.replace("export default defineDefinitions({ assets: [mart] });", regions));
    try {
      for (const name of ["ingestion", "analytics"]) expect((await request<LocationView>("POST", `/api/locations/${name}/reload`)).body.status).toBe("loaded");
      const r = await request<{ backfillId: string; runs: number }>("POST", "/api/backfills", { selection: "raw/shards or mart/regions", partitions: { all: true } });
      expect(r.status, JSON.stringify(r.body)).toBe(202);
      expect(r.body.runs).toBe(4);
      await waitFor(async () => (await storage.getBackfill(r.body.backfillId))?.status === "COMPLETED", 60_000);
      const runs = await storage.listRuns({ tags: { "strata/backfill": r.body.backfillId } });
      const of = (key: string) => runs.filter((x) => x.assetKeys.join() === key);
      expect(of("raw/shards").map((x) => [x.location, x.status])).toEqual([["ingestion", "SUCCESS"], ["ingestion", "SUCCESS"]]);
      expect(of("mart/regions").map((x) => [x.location, x.status])).toEqual([["analytics", "SUCCESS"], ["analytics", "SUCCESS"]]);
      for (const p of ["eu", "us"]) {
        const [up] = of("raw/shards").filter((x) => x.partitionKey === p);
        const [down] = of("mart/regions").filter((x) => x.partitionKey === p);
        expect(down!.startedAt!).toBeGreaterThanOrEqual(up!.endedAt!);
      }
    } finally {
      write("ingestion/strata.config.ts", INGESTION);
      write("analytics/strata.config.ts", ANALYTICS);
      for (const name of ["ingestion", "analytics"]) await request<LocationView>("POST", `/api/locations/${name}/reload`);
    }
  }, 120_000);

  it("cancels the downstream location's run, with the reason, when the upstream location's run fails", async () => {
    write("fail-ingestion", "");
    try {
      const r = await request<LaunchResponse>("POST", "/api/runs", { selection: "raw/orders or mart/orders" });
      expect(r.status).toBe(202);
      const [first, second] = r.body.runs!;
      expect(second!.status).toBe("NOT_STARTED");
      await waitFor(async () => (await storage.getRun(second!.runId))?.status === "CANCELED", 60_000);
      expect((await storage.getRun(first!.runId))!.status).toBe("FAILURE");
      const [canceled] = await storage.getEvents(second!.runId, { types: ["RUN_CANCELED"] });
      expect(canceled!.message).toMatch(new RegExp(`Not run: run ${first!.runId} of upstream code location "ingestion" ended FAILURE`));
    } finally {
      rmSync(join(dir, "fail-ingestion"));
    }
  }, 90_000);

  it("with a daemon's run queue live, records every part QUEUED, each after the parts it depends on (strata/after_run)", async () => {
    await storage.setValue("daemon/heartbeat/queue", JSON.stringify({ at: Date.now(), pid: process.pid, intervalMs: 500 }));
    try {
      const r = await request<LaunchResponse>("POST", "/api/runs", { selection: "raw/orders or mart/orders" });
      expect(r.status).toBe(202);
      const [first, second] = r.body.runs!;
      expect([first!.status, second!.status]).toEqual(["QUEUED", "QUEUED"]);
      const stored = await Promise.all([first!.runId, second!.runId].map((id) => storage.getRun(id)));
      expect(stored.map((x) => [x!.location, x!.status, x!.tags["strata/workspace_part"], x!.tags["strata/after_run"]])).toEqual([
        ["ingestion", "QUEUED", "1/2", undefined],
        ["analytics", "QUEUED", "2/2", first!.runId],
      ]);
      // Nothing starts them but the queue.
      await new Promise((res) => setTimeout(res, 300));
      expect((await storage.getRun(first!.runId))!.status).toBe("QUEUED");
      for (const id of [second!.runId, first!.runId]) expect((await request("POST", `/api/runs/${id}/cancel`, {})).status).toBe(200);
    } finally {
      await storage.setValue("daemon/heartbeat/queue", JSON.stringify({ at: 0, pid: 0, intervalMs: 500 }));
    }
  });

  it("keeps the working locations launchable while one is broken", async () => {
    const r = await request<LaunchResponse>("POST", "/api/runs", { assetKeys: ["raw/orders"] });
    expect(r.status).toBe(202);
    expect(r.body.runs).toBeUndefined();
    await waitFor(async () => (await storage.getRun(r.body.runId))?.status === "SUCCESS", 60_000);
  }, 90_000);

  it("reloads one location alone; fixing the broken one adds its assets", async () => {
    const before = await byName();
    write("broken/strata.config.ts", `import { asset, defineDefinitions } from "strata";\nexport default defineDefinitions({ assets: [asset({ key: "fixed/report", deps: ["mart/orders"] }, () => 1)] });\n`);
    const r = await request<LocationView>("POST", "/api/locations/broken/reload");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ name: "broken", status: "loaded", version: 1, assetCount: 1 });
    const after = await byName();
    // The others were not reloaded.
    expect(after.get("ingestion")!.version).toBe(before.get("ingestion")!.version);
    expect(after.get("analytics")!.version).toBe(before.get("analytics")!.version);
    const keys = (await request<AssetsResponse>("GET", "/api/assets")).body.assets.map((a) => a.key).sort();
    expect(keys).toEqual(["fixed/report", "mart/orders", "raw/orders"]);
    const missing = await request<{ error: { code: string } }>("POST", "/api/locations/nope/reload");
    expect(missing.status).toBe(404);
  }, 60_000);

  it("marks a location that redefines another's asset key, and keeps the first one's", async () => {
    write("broken/strata.config.ts", `import { asset, defineDefinitions } from "strata";\nexport default defineDefinitions({ assets: [asset({ key: "raw/orders" }, () => 1)] });\n`);
    const r = await request<LocationView>("POST", "/api/locations/broken/reload");
    expect(r.body.status).toBe("error");
    expect(r.body.error).toMatchObject({ code: "DEFS_DUPLICATE_KEY" });
    expect(r.body.error!.message).toMatch(/defined by two code locations: ingestion .* and broken/);
    expect((await byName()).get("ingestion")!.status).toBe("loaded");
  }, 60_000);

  it("refuses a launch touching a location whose latest edit is broken (its last good assets stay shown), not the others", async () => {
    write("analytics/strata.config.ts", ANALYTICS + "\nthrow new Error('analytics edit is broken');\n");
    const r = await request<LocationView>("POST", "/api/locations/analytics/reload");
    expect(r.body.status).toBe("error");
    const keys = (await request<AssetsResponse>("GET", "/api/assets")).body.assets.map((a) => a.key);
    expect(keys).toContain("mart/orders");
    const refused = await request<{ error: { code: string; message: string } }>("POST", "/api/runs", { assetKeys: ["raw/orders", "mart/orders"] });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/code location "analytics" failed to load.*analytics edit is broken/);
    const ok = await request<LaunchResponse>("POST", "/api/runs", { assetKeys: ["raw/orders"] });
    expect(ok.status).toBe(202);
    await waitFor(async () => (await storage.getRun(ok.body.runId))?.status === "SUCCESS", 60_000);
  }, 90_000);

  it("keeps serving when an edit closes a cycle across locations: the location just reloaded is marked", async () => {
    write("ingestion/strata.config.ts", INGESTION.replace('{ key: "raw/orders", group: "bronze" }', '{ key: "raw/orders", group: "bronze", deps: ["mart/orders"] }'));
    const r = await request<LocationView>("POST", "/api/locations/ingestion/reload");
    expect(r.body.status).toBe("error");
    expect(r.body.error).toMatchObject({ code: "DEFS_CYCLE" });
    expect(r.body.error!.message).toMatch(/cycle across code locations/);
    const assets = await request<AssetsResponse>("GET", "/api/assets");
    expect(assets.status).toBe(200);
    // Ingestion's assets left out; "broken"'s own raw/orders no longer clashes, so it is back.
    expect(assets.body.assets.map((a) => a.key).sort()).toEqual(["mart/orders", "raw/orders"]);
    expect(locations.locationOf("raw/orders")).toBe("broken");
    expect((await byName()).get("broken")!.status).toBe("loaded");
  }, 60_000);
});
