/** Concurrency pools and queue limits (GET /api/concurrency, POST /api/concurrency/queue) and partition keys for the launch picker. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type ConcurrencyResponse, type LaunchResponse, type PartitionKeysResponse, type QueueSettingsResponse } from "../src/index.ts";
import { openFixture, waitFor, type Fixture } from "./fixture.ts";

const CONFIG = `import { asset, dailyPartitions, defineDefinitions, hourlyPartitions, multiPartitions, staticPartitions } from "strata";

const hold = async (ctx) => {
  for (let i = 0; i < 600 && !ctx.signal.aborted; i++) await new Promise((r) => setTimeout(r, 50));
  return 1;
};
export const first = asset({ key: "wh/first", pool: "warehouse" }, hold);
export const second = asset({ key: "wh/second", pool: "warehouse" }, hold);
export const after = asset({ key: "wh/after", pool: "warehouse", deps: ["wh/first"] }, hold);
export const days = asset({ key: "days", partitions: dailyPartitions({ start: "2024-01-01", end: "2024-01-11" }) }, (ctx) => ctx.partitionKey);
export const grid = asset(
  { key: "grid", partitions: multiPartitions({ date: dailyPartitions({ start: "2024-01-01", end: "2024-01-04" }), region: staticPartitions(["eu", "us"]) }) },
  (ctx) => ctx.partitionKey,
);

export const ticks = asset({ key: "ticks", partitions: hourlyPartitions({ start: "2020-01-01", end: new Date(Date.UTC(2020, 0, 1) + 50_000 * 3_600_000) }) }, (ctx) => ctx.partitionKey);

export default defineDefinitions({ assets: [first, second, after, days, grid, ticks], pools: { warehouse: 1, idle: 3 } });
`;

type ErrorBody = { error: { code: string; message: string; hint?: string } };
let f: Fixture;

beforeAll(async () => {
  f = await openFixture({ files: { "strata.config.ts": CONFIG } });
}, 60_000);
afterAll(() => f?.close());

describe("GET /api/concurrency", () => {
  it("lists declared pools with their limit and assets, and no usage when nothing runs", async () => {
    const res = await f.get<ConcurrencyResponse>("/api/concurrency");
    expect(res.status, res.text).toBe(200);
    expect(res.body.pools).toEqual([
      { name: "idle", limit: 3, assets: [], slots: [], waiting: [] },
      { name: "warehouse", limit: 1, assets: ["wh/first", "wh/second", "wh/after"], slots: [], waiting: [] },
    ]);
    expect(res.body.queue).toMatchObject({ maxConcurrentRuns: 10, inProgress: 0, queued: 0, tagConcurrencyLimits: [], queue: [] });
  });

  it("shows which run and step hold the slot, and which steps wait for it or for upstream steps", async () => {
    const launched = await f.post<LaunchResponse>("/api/runs", { assetKeys: ["wh/first", "wh/second", "wh/after"] });
    expect(launched.status, launched.text).toBe(202);
    const runId = launched.body.runId;
    try {
      const pool = await waitFor(async () => {
        const r = await f.get<ConcurrencyResponse>("/api/concurrency");
        const p = r.body.pools.find((x) => x.name === "warehouse")!;
        return p.slots.length === 1 && p.waiting.length === 2 ? p : undefined;
      }, 30_000);
      expect(pool.slots[0]).toMatchObject({ runId });
      const holder = pool.slots[0]!.assetKeys;
      expect([["wh/first"], ["wh/second"]]).toContainEqual(holder);
      const other = holder[0] === "wh/first" ? "wh/second" : "wh/first";
      expect(pool.waiting).toEqual(
        expect.arrayContaining([
          { runId, status: "STARTED", steps: [other.replace("/", "__")], assetKeys: [other], reason: "slot" },
          { runId, status: "STARTED", steps: ["wh__after"], assetKeys: ["wh/after"], reason: "upstream" },
        ]),
      );
      const idle = (await f.get<ConcurrencyResponse>("/api/concurrency")).body;
      expect(idle.queue.inProgress).toBe(1);
      expect(idle.pools.find((x) => x.name === "idle")).toMatchObject({ slots: [], waiting: [] });
    } finally {
      await f.post(`/api/runs/${runId}/cancel`);
      await waitFor(async () => (await f.storage.getRun(runId))!.status === "CANCELED", 30_000);
    }
    const after = await f.get<ConcurrencyResponse>("/api/concurrency");
    expect(after.body.pools.find((x) => x.name === "warehouse")).toMatchObject({ slots: [], waiting: [] });
  }, 60_000);
});

describe("POST /api/concurrency/queue", () => {
  it("sets the queue limits like `strata queue config`, keeping what the body leaves out", async () => {
    const set = await f.post<QueueSettingsResponse>("/api/concurrency/queue", { maxConcurrentRuns: 3 });
    expect(set.status, set.text).toBe(200);
    expect(set.body).toEqual({ maxConcurrentRuns: 3, tagConcurrencyLimits: [] });
    const tags = await f.post<QueueSettingsResponse>("/api/concurrency/queue", { tagConcurrencyLimits: [{ key: "team", value: "growth", limit: 2 }] });
    expect(tags.body).toEqual({ maxConcurrentRuns: 3, tagConcurrencyLimits: [{ key: "team", value: "growth", limit: 2 }] });
    const read = await f.get<ConcurrencyResponse>("/api/concurrency");
    expect(read.body.queue).toMatchObject({ maxConcurrentRuns: 3, tagConcurrencyLimits: [{ key: "team", value: "growth", limit: 2, inUse: 0 }] });
  });

  it("refuses bad limits with a clear 400", async () => {
    for (const body of [{}, { maxConcurrentRuns: -1 }, { maxConcurrentRuns: 1.5 }, { tagConcurrencyLimits: [{ key: "", limit: 1 }] }, { max: 2 }]) {
      const res = await f.post<ErrorBody>("/api/concurrency/queue", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("VALIDATION");
    }
  });

  it("is a documented mutation: OpenAPI lists both routes, the write needs the token and is refused read-only", async () => {
    const doc = (await f.get<{ paths: Record<string, Record<string, { security?: unknown }>> }>("/api/openapi.json")).body;
    expect(doc.paths["/api/concurrency"]?.get).toBeDefined();
    expect(doc.paths["/api/concurrency/queue"]?.post?.security).toEqual([{ bearer: [] }]);
    expect(doc.paths["/api/assets/{key}/partition-keys"]?.get).toBeDefined();

    const token = "t0k3n-for-the-concurrency-test-1234";
    const guarded = createApp({ storage: f.storage, locations: f.locations, instanceDir: f.instanceDir, token });
    const readOnly = createApp({ storage: f.storage, locations: f.locations, instanceDir: f.instanceDir, readOnly: true });
    try {
      const send = (app: typeof guarded, headers: Record<string, string> = {}) =>
        app.app.request("/api/concurrency/queue", { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ maxConcurrentRuns: 5 }) });
      expect((await send(guarded)).status).toBe(401);
      expect((await send(guarded, { authorization: `Bearer ${token}` })).status).toBe(200);
      const ro = await send(readOnly);
      expect(ro.status).toBe(403);
      expect(((await ro.json()) as ErrorBody).error.code).toBe("READ_ONLY");
      expect((await readOnly.app.request("/api/concurrency")).status).toBe(200);
    } finally {
      await guarded.close();
      await readOnly.close();
    }
  });
});

describe("GET /api/assets/:key/partition-keys", () => {
  it("gives a time-window definition's keys in order with its description", async () => {
    const res = await f.get<PartitionKeysResponse>("/api/assets/days/partition-keys");
    expect(res.status, res.text).toBe(200);
    expect(res.body.kind).toBe("time_window");
    expect(res.body.keys).toHaveLength(10);
    expect(res.body.keys[0]).toBe("2024-01-01");
    expect(res.body.keys[9]).toBe("2024-01-10");
    expect(res.body.description).toMatch(/2024-01-01 to 2024-01-10 \(daily, UTC\)/);
  });

  it("gives a multi-partition's dimensions and the product of their keys", async () => {
    const res = await f.get<PartitionKeysResponse>("/api/assets/grid/partition-keys");
    expect(res.body.kind).toBe("multi");
    expect(res.body.dimensions).toEqual([
      { name: "date", kind: "time_window", keys: ["2024-01-01", "2024-01-02", "2024-01-03"] },
      { name: "region", kind: "static", keys: ["eu", "us"] },
    ]);
    expect(res.body.keys.slice(0, 3)).toEqual(["2024-01-01|eu", "2024-01-01|us", "2024-01-02|eu"]);
  });

  it("lists 50,000 keys cheaply", async () => {
    await f.get("/api/assets/ticks/partition-keys"); // warm up
    const cpu = process.cpuUsage();
    const res = await f.get<PartitionKeysResponse>("/api/assets/ticks/partition-keys");
    const used = process.cpuUsage(cpu);
    expect(res.body.keys).toHaveLength(50_000);
    expect(res.body.keys[49_999]).toBe("2025-09-14-07:00");
    expect((used.user + used.system) / 1000).toBeLessThan(500);
  });

  it("says when the asset is unknown or not partitioned", async () => {
    const unknown = await f.get<ErrorBody>("/api/assets/dayz/partition-keys");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.hint).toBe('Did you mean "days"?');
    const flat = await f.get<ErrorBody>(`/api/assets/${encodeURIComponent("wh/first")}/partition-keys`);
    expect(flat.status).toBe(400);
    expect(flat.body.error.code).toBe("PARTITION_INVALID");
  });
});
