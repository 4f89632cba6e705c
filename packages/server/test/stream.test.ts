/** GET /api/stream (SSE): live run events, run status changes, asset updates, location reloads. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventRecord, LaunchResponse } from "../src/index.ts";
import { EventHub } from "../src/index.ts";
import { openFixture, waitFor, type Fixture } from "./fixture.ts";

let f: Fixture;
beforeAll(async () => {
  f = await openFixture();
}, 60_000);
afterAll(() => f?.close());

interface SseMessage {
  event: string;
  data: unknown;
  id?: string;
}

/** Reads an SSE response until `until` says stop (or the timeout); then cancels the stream. */
async function readSse(
  path: string,
  until: (msgs: SseMessage[]) => boolean,
  timeoutMs = 20_000,
): Promise<SseMessage[]> {
  const res = await f.server.app.request(path);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const msgs: SseMessage[] = [];
  let buf = "";
  const deadline = Date.now() + timeoutMs;
  // One read in flight at a time: a read abandoned to a timeout would lose its chunk.
  let pending: Promise<ReadableStreamReadResult<string>> | undefined;
  try {
    while (!until(msgs)) {
      if (Date.now() > deadline)
        throw new Error(`SSE: condition not met; got ${msgs.map((m) => m.event).join(",")}`);
      pending ??= reader.read();
      const next = await Promise.race([
        pending,
        new Promise<"tick">((r) => setTimeout(() => r("tick"), 200)),
      ]);
      if (next === "tick") continue;
      pending = undefined;
      if (next.done) break;
      buf += next.value;
      let i: number;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const m: SseMessage = { event: "message", data: undefined };
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) m.event = line.slice(7);
          else if (line.startsWith("data: ")) m.data = JSON.parse(line.slice(6));
          else if (line.startsWith("id: ")) m.id = line.slice(4);
        }
        if (m.data !== undefined) msgs.push(m);
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return msgs;
}

describe("GET /api/stream", () => {
  it("streams a launched run's events live, in order, ending with RUN_SUCCESS", async () => {
    const launch = await f.post<LaunchResponse>("/api/runs", { selection: "raw/events or silver/events" });
    expect(launch.status, launch.text).toBe(202);
    const runId = launch.body.runId;
    const msgs = await readSse(`/api/stream?runId=${runId}`, (m) =>
      m.some((x) => x.event === "run_event" && (x.data as EventRecord).type === "RUN_SUCCESS"),
    );
    expect(msgs[0]!.event).toBe("hello");
    const events = msgs.filter((m) => m.event === "run_event").map((m) => m.data as EventRecord);
    expect(events.every((e) => e.runId === runId)).toBe(true);
    const ids = events.map((e) => e.id);
    expect(ids).toEqual([...new Set(ids)].sort((a, b) => a - b));
    // Nothing missing: exactly the stored log up to the end of the run.
    expect(ids).toEqual((await f.storage.getEvents(runId)).map((e) => e.id));
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        "STEP_START",
        "ASSET_MATERIALIZATION",
        "ASSET_CHECK_EVALUATION",
        "RUN_SUCCESS",
      ]),
    );
    expect(msgs.filter((m) => m.event === "run_event").map((m) => Number(m.id))).toEqual(ids);
  });

  it("sends run status changes and asset updates to every client", async () => {
    const collected = readSse("/api/stream", (m) =>
      m.some((x) => x.event === "run" && (x.data as { status: string }).status === "SUCCESS"),
    );
    // Launch once the client has subscribed (the hello arrives right after).
    await waitFor(() => f.server.ctx.hub.listenerCount > 0);
    const launch = await f.post<LaunchResponse>("/api/runs", { assetKeys: ["raw/events"] });
    const msgs = await collected;
    const runs = msgs
      .filter((m) => m.event === "run")
      .map((m) => m.data as { runId: string; status: string });
    expect(runs.every((r) => r.runId === launch.body.runId)).toBe(true);
    expect(runs.map((r) => r.status)).toContain("SUCCESS");
    const assets = msgs
      .filter((m) => m.event === "asset")
      .map((m) => m.data as { assetKey: string; type: string });
    expect(assets).toContainEqual(
      expect.objectContaining({ assetKey: "raw/events", type: "ASSET_MATERIALIZATION" }),
    );
    expect(msgs.some((m) => m.event === "run_event")).toBe(false);
  });

  it("replays a finished run's log from `after`", async () => {
    const [run] = await f.storage.listRuns({ limit: 1 });
    const log = await f.storage.getEvents(run!.runId);
    const after = log[2]!.id;
    const msgs = await readSse(
      `/api/stream?runId=${run!.runId}&after=${after}`,
      (m) => m.filter((x) => x.event === "run_event").length >= log.length - 3,
    );
    expect(msgs.filter((m) => m.event === "run_event").map((m) => (m.data as EventRecord).id)).toEqual(
      log.slice(3).map((e) => e.id),
    );
  });

  it("announces location reloads with the new version", async () => {
    const before = f.locations.state.version;
    const collected = readSse("/api/stream", (m) =>
      m.some(
        (x) =>
          x.event === "location" &&
          (x.data as { version: number; status: string }).version === before + 1 &&
          (x.data as { status: string }).status === "loaded",
      ),
    );
    await waitFor(() => f.server.ctx.hub.listenerCount > 0);
    await f.post("/api/locations/fixture/reload");
    const msgs = await collected;
    const states = msgs
      .filter((m) => m.event === "location")
      .map((m) => (m.data as { status: string }).status);
    expect(states).toEqual(expect.arrayContaining(["loading", "loaded"]));
  });

  it("shares one poll loop between clients and stops polling when the last leaves", async () => {
    const hub = new EventHub(f.storage, { intervalMs: 20 });
    const seen: number[][] = [[], []];
    const stops = await Promise.all(
      seen.map((s) => hub.subscribe((events) => s.push(...events.map((e) => e.id)))),
    );
    expect(hub.listenerCount).toBe(2);
    const [run] = await f.storage.listRuns({ limit: 1 });
    const stored = await f.storage.storeEvents([
      { runId: run!.runId, type: "LOG", timestamp: Date.now(), level: "info", message: "hub test" },
    ]);
    await waitFor(() => seen[0]!.length > 0 && seen[1]!.length > 0, 5000, 10);
    expect(seen).toEqual([[stored[0]!.id], [stored[0]!.id]]);
    for (const stop of stops) stop();
    expect(hub.listenerCount).toBe(0);
    hub.close();
  });
});
