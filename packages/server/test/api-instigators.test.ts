/** Schedules, sensors, tick history, start/stop and daemon heartbeats through `app.request()`. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  ApiErrorBody,
  DaemonResponse,
  OverviewResponse,
  ScheduleView,
  SchedulesResponse,
  SensorView,
  SensorsResponse,
  TicksResponse,
} from "../src/index.ts";
import { openFixture, type Fixture } from "./fixture.ts";

const CONFIG = `import { asset, defineDefinitions, schedule, sensor } from "strata";

export const a = asset({ key: "a" }, () => 1);
export const nightly = schedule({ name: "nightly", cron: "0 3 * * *", timezone: "UTC", target: "*", description: "Rebuild at 03:00" });
export const poll = sensor({ name: "poll", intervalSeconds: 60, target: [a], defaultStatus: "RUNNING" }, () => ({ skipReason: "nothing new" }));

export default defineDefinitions({ assets: [a], schedules: [nightly], sensors: [poll] });
`;

const TOKEN = "instigator-token-0123456789";
let f: Fixture;
let locked: Fixture;

beforeAll(async () => {
  [f, locked] = await Promise.all([
    openFixture({ files: { "strata.config.ts": CONFIG } }),
    openFixture({ files: { "strata.config.ts": CONFIG }, app: { token: TOKEN } }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([f?.close(), locked?.close()]);
});

describe("schedules and sensors", () => {
  it("GET /api/schedules lists cron, status (default STOPPED), no next tick while stopped", async () => {
    const { status, body } = await f.get<SchedulesResponse>("/api/schedules");
    expect(status).toBe(200);
    expect(body.daemonRunning).toBe(false);
    expect(body.schedules).toEqual([
      expect.objectContaining({
        kind: "schedule",
        name: "nightly",
        cron: "0 3 * * *",
        timezone: "UTC",
        status: "STOPPED",
        defaultStatus: "STOPPED",
        assetKeys: ["a"],
        description: "Rebuild at 03:00",
      }),
    ]);
    expect(body.schedules[0]!.nextTickAt).toBeUndefined();
    expect(body.schedules[0]!.where).toMatch(/^strata\.config\.ts:\d+$/);
  });

  it("GET /api/sensors lists interval, status and next tick", async () => {
    const before = Date.now();
    const { body } = await f.get<SensorsResponse>("/api/sensors");
    expect(body.sensors).toEqual([
      expect.objectContaining({ kind: "sensor", name: "poll", intervalSeconds: 60, status: "RUNNING", targetAssetKeys: ["a"] }),
    ]);
    expect(body.sensors[0]!.nextTickAt).toBeGreaterThanOrEqual(before);
  });

  it("POST start/stop changes the stored status (what the daemon and the CLI read)", async () => {
    const started = await f.post<ScheduleView>("/api/schedules/nightly/start");
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ name: "nightly", status: "RUNNING" });
    const next = started.body.nextTickAt!;
    expect(new Date(next).getUTCHours()).toBe(3);
    expect(next).toBeGreaterThan(Date.now());
    expect(await f.storage.getValue("instigator/nightly/status")).toBe("RUNNING");
    // starting resets the catch-up cursor: ticks missed while stopped are not launched
    expect(JSON.parse((await f.storage.getValue("instigator/nightly/state"))!)).toMatchObject({ lastTickTime: expect.any(Number) });
    expect((await f.get<SchedulesResponse>("/api/schedules")).body.schedules[0]!.status).toBe("RUNNING");

    const stopped = await f.post<ScheduleView>("/api/schedules/nightly/stop");
    expect(stopped.body).toMatchObject({ status: "STOPPED" });
    expect(stopped.body.nextTickAt).toBeUndefined();

    const sensor = await f.post<SensorView>("/api/sensors/poll/stop");
    expect(sensor.body).toMatchObject({ kind: "sensor", name: "poll", status: "STOPPED" });
    expect((await f.get<SensorsResponse>("/api/sensors")).body.sensors[0]!.status).toBe("STOPPED");
    expect((await f.post<SensorView>("/api/sensors/poll/start")).body.status).toBe("RUNNING");
  });

  it("unknown names are 404s with the defined names as a hint; a schedule is not a sensor", async () => {
    const r = await f.post<ApiErrorBody>("/api/schedules/nope/start");
    expect(r.status).toBe(404);
    expect(r.body.error).toMatchObject({ code: "NOT_FOUND", hint: "Defined: nightly." });
    expect((await f.post("/api/sensors/nightly/start")).status).toBe(404);
    expect((await f.get("/api/instigators/nope/ticks")).status).toBe(404);
  });

  it("GET /api/instigators/:name/ticks returns the history newest first, with the last tick in the list", async () => {
    expect((await f.get<TicksResponse>("/api/instigators/poll/ticks")).body).toEqual({ name: "poll", ticks: [] });
    const base = { instigatorName: "poll", instigatorType: "sensor" as const, runIds: [], runKeys: [] };
    for (let i = 0; i < 3; i++) {
      await f.storage.createTick({
        ...base,
        tickId: `sensor:poll:${i}`,
        status: i === 2 ? "FAILURE" : "SKIPPED",
        ...(i === 2 ? { error: "boom" } : { skipReason: "nothing new" }),
        data: { runs: [] },
        createdAt: 1000 + i,
        updatedAt: 1000 + i,
        endedAt: 1000 + i,
      });
    }
    const { body } = await f.get<TicksResponse>("/api/instigators/poll/ticks?limit=2");
    expect(body.ticks.map((t) => [t.tickId, t.status])).toEqual([
      ["sensor:poll:2", "FAILURE"],
      ["sensor:poll:1", "SKIPPED"],
    ]);
    expect(body.ticks[0]).not.toHaveProperty("data");
    expect(body.ticks[0]!.error).toBe("boom");
    expect((await f.get("/api/instigators/poll/ticks?limit=0")).status).toBe(400);
    const sensors = await f.get<SensorsResponse>("/api/sensors");
    expect(sensors.body.sensors[0]!.lastTick).toMatchObject({ tickId: "sensor:poll:2", status: "FAILURE" });
  });

  it("GET /api/daemon and the overview read the daemon's real heartbeats (daemon/heartbeat/<loop>)", async () => {
    const empty = await f.get<DaemonResponse>("/api/daemon");
    expect(empty.body.running).toBe(false);
    expect(empty.body.loops.map((l) => l.loop)).toContain("schedules");
    expect(empty.body.loops.every((l) => !l.healthy && l.heartbeat === undefined)).toBe(true);
    const at = Date.now();
    await f.storage.setValue("daemon/heartbeat/schedules", JSON.stringify({ at, pid: 42, intervalMs: 1000, lastDurationMs: 3 }));
    await f.storage.setValue(
      "daemon/heartbeat/sensors",
      JSON.stringify({ at: at - 3_600_000, pid: 42, intervalMs: 250, lastError: "sensor poll: boom", lastErrorAt: at - 3_600_000 }),
    );
    const { body } = await f.get<DaemonResponse>("/api/daemon");
    expect(body.running).toBe(true);
    expect(body.lastHeartbeatAt).toBe(at);
    expect(body.loops.find((l) => l.loop === "schedules")).toEqual({
      loop: "schedules",
      healthy: true,
      heartbeat: { at, pid: 42, intervalMs: 1000, lastDurationMs: 3 },
    });
    expect(body.loops.find((l) => l.loop === "sensors")).toMatchObject({ healthy: false, heartbeat: { lastError: "sensor poll: boom" } });
    const overview = await f.get<OverviewResponse>("/api/overview");
    expect(overview.body.daemon).toEqual(body);
    expect((await f.get<SchedulesResponse>("/api/schedules")).body.daemonRunning).toBe(true);
  });

  it("mutations need the token when one is set; reads too", async () => {
    expect((await locked.post("/api/schedules/nightly/start")).status).toBe(401);
    expect((await locked.post("/api/schedules/nightly/start", {}, { authorization: "Bearer wrong-token-0123456789" })).status).toBe(401);
    expect((await locked.get("/api/schedules")).status).toBe(401);
    const ok = await locked.post<ScheduleView>("/api/schedules/nightly/start", {}, { authorization: `Bearer ${TOKEN}` });
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe("RUNNING");
    const cross = await f.post("/api/schedules/nightly/start", {}, { origin: "https://evil.example" });
    expect(cross.status).toBe(403);
  });

  it("the routes are in the OpenAPI description", async () => {
    const { body } = await f.get<{ paths: Record<string, Record<string, { security?: unknown }>> }>("/api/openapi.json");
    for (const p of ["/api/schedules", "/api/sensors", "/api/daemon", "/api/instigators/{name}/ticks"]) expect(body.paths[p]?.get).toBeDefined();
    for (const p of ["/api/schedules/{name}/start", "/api/schedules/{name}/stop", "/api/sensors/{name}/start", "/api/sensors/{name}/stop"])
      expect(body.paths[p]?.post?.security).toEqual([{ bearer: [] }]);
  });
});
