/** Action routes: launch, cancel, re-execute, backfills, reload, dynamic partitions, wipe. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  AssetDetailResponse,
  BackfillActionResponse,
  BackfillDetailResponse,
  BackfillsResponse,
  DynamicPartitionKeysResponse,
  DynamicPartitionsChangeResponse,
  LaunchResponse,
  LocationView,
  PartitionsResponse,
  RunDetailResponse,
} from "../src/index.ts";
import { enc, openFixture, waitFor, type Fixture } from "./fixture.ts";

type ErrorBody = { error: { code: string; message: string; hint?: string } };
let f: Fixture;

const statusOf = async (id: string) => (await f.storage.getRun(id))!.status;
const ended = async (id: string) => ["SUCCESS", "FAILURE", "CANCELED"].includes(await statusOf(id));

beforeAll(async () => {
  f = await openFixture();
}, 60_000);
afterAll(() => f?.close());

describe("POST /api/runs with a daemon's run queue live", () => {
  const beat = (b: { at: number; pid: number }) => f.storage.setValue("daemon/heartbeat/queue", JSON.stringify({ ...b, intervalMs: 500 }));
  afterAll(() => f?.storage.setValue("daemon/heartbeat/queue", JSON.stringify({ at: 0, pid: 0, intervalMs: 500 })));

  it("records the run QUEUED for the queue to start within its limits; it can be canceled before it starts", async () => {
    await beat({ at: Date.now(), pid: process.pid });
    const res = await f.post<LaunchResponse>("/api/runs", { selection: "raw/events" });
    expect(res.status, res.text).toBe(202);
    expect(res.body.run.status).toBe("QUEUED");
    await new Promise((r) => setTimeout(r, 300));
    expect(await statusOf(res.body.runId)).toBe("QUEUED");
    const canceled = await f.post<RunDetailResponse>(`/api/runs/${res.body.runId}/cancel`, {});
    expect(canceled.status, canceled.text).toBe(200);
    expect(await statusOf(res.body.runId)).toBe("CANCELED");
  });

  it("records backfill chunk runs QUEUED too; canceling the backfill cancels them before they start", async () => {
    await beat({ at: Date.now(), pid: process.pid });
    const res = await f.post<BackfillActionResponse>("/api/backfills", { selection: "regions", partitions: { keys: ["us", "eu"] }, maxConcurrentRuns: 2 });
    expect(res.status, res.text).toBe(202);
    const runsOf = () => f.storage.listRuns({ tags: { "strata/backfill": res.body.backfillId } });
    const runs = await waitFor(async () => ((await runsOf()).length === 2 ? runsOf() : undefined));
    expect(runs.map((r) => r.status)).toEqual(["QUEUED", "QUEUED"]);
    const cancel = await f.post<BackfillActionResponse>(`/api/backfills/${res.body.backfillId}/cancel`);
    expect(cancel.status, cancel.text).toBe(200);
    await waitFor(async () => (await f.storage.getBackfill(res.body.backfillId))!.status === "CANCELED");
    expect((await runsOf()).map((r) => r.status)).toEqual(["CANCELED", "CANCELED"]);
  });

  it("starts at once when the queue's heartbeat is stale or its process is gone (no daemon to wait for)", async () => {
    for (const b of [{ at: Date.now() - 60_000, pid: process.pid }, { at: Date.now(), pid: 2 ** 22 + 12345 }]) {
      await beat(b);
      const res = await f.post<LaunchResponse>("/api/runs", { selection: "raw/events" });
      expect(res.body.run.status).toBe("STARTING");
      await waitFor(() => ended(res.body.runId));
    }
  });
});

describe("POST /api/runs", () => {
  it("answers 202 before the run ends, and the run succeeds in the background", async () => {
    const res = await f.post<LaunchResponse>("/api/runs", { selection: "raw/events", tags: { who: "test" } });
    expect(res.status, res.text).toBe(202);
    expect(res.body.run).toMatchObject({
      status: "STARTING",
      assetKeys: ["raw/events"],
      tags: { who: "test", "strata/launched_by": "ui" },
    });
    await waitFor(() => ended(res.body.runId));
    expect(await statusOf(res.body.runId)).toBe("SUCCESS");
  });

  it("launches one partition, and the partition status follows", async () => {
    const res = await f.post<LaunchResponse>("/api/runs", { assetKeys: ["regions"], partitionKey: "eu" });
    expect(res.status, res.text).toBe(202);
    await waitFor(() => ended(res.body.runId));
    const parts = await f.get<PartitionsResponse>("/api/assets/regions/partitions");
    expect(parts.body.counts).toMatchObject({ materialized: 1, missing: 2 });
  });

  it("validates the body: unknown fields, both selection and keys, bad JSON, bad ranges, empty selections, unknown partitions", async () => {
    const cases: [unknown, number, string][] = [
      [{ selection: "*", assetKeys: ["raw/events"] }, 400, "VALIDATION"],
      [{ selectoin: "*" }, 400, "VALIDATION"],
      [{ assetKeys: [] }, 400, "VALIDATION"],
      [{ partitionRange: "a...b...c", assetKeys: ["regions"] }, 400, "VALIDATION"],
      [{ tags: { k: 1 } }, 400, "VALIDATION"],
      ["{not json", 400, "VALIDATION"],
      [{ selection: "group:nothing" }, 400, "SELECTION_EMPTY"],
      [{ selection: "((" }, 400, "SELECTION_SYNTAX"],
      [{ assetKeys: ["regions"], partitionKey: "mars" }, 400, "PARTITION_UNKNOWN_KEY"],
      [{ assetKeys: ["nope"] }, 400, "PLAN_INVALID"],
    ];
    for (const [body, status, code] of cases) {
      const res = await f.post<ErrorBody>("/api/runs", body);
      expect([res.status, res.body.error.code], JSON.stringify(body)).toEqual([status, code]);
      expect(res.body.error.message.length).toBeGreaterThan(5);
    }
    // Nothing was recorded for the rejected requests.
    expect((await f.storage.listRuns()).filter((r) => r.assetKeys.includes("nope"))).toEqual([]);
  });
});

describe("cancel and re-execute", () => {
  it("cancels a running run; cancelling it again is a 409", async () => {
    const res = await f.post<LaunchResponse>("/api/runs", { assetKeys: ["gold/slow"] });
    await waitFor(
      async () => (await f.storage.getEvents(res.body.runId, { types: ["STEP_START"] })).length > 0,
    );
    const cancel = await f.post<{ run: { status: string } }>(`/api/runs/${res.body.runId}/cancel`);
    expect(cancel.status, cancel.text).toBe(200);
    expect(cancel.body.run.status).toBe("CANCELING");
    await waitFor(() => ended(res.body.runId), 15_000);
    expect(await statusOf(res.body.runId)).toBe("CANCELED");
    const again = await f.post<ErrorBody>(`/api/runs/${res.body.runId}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("RUN_INVALID_STATE");
    expect((await f.post(`/api/runs/nope/cancel`)).status).toBe(404);
  });

  it("re-executes a failed run from failure, linking parent and child", async () => {
    const res = await f.post<LaunchResponse>("/api/runs", { selection: "+gold/fails" });
    await waitFor(() => ended(res.body.runId));
    expect(await statusOf(res.body.runId)).toBe("FAILURE");
    const detail = await f.get<RunDetailResponse>(`/api/runs/${res.body.runId}`);
    expect(detail.body.canReexecuteFromFailure).toBe(true);
    const failed = detail.body.steps.find((s) => s.status === "failed")!;
    expect(failed.error?.message).toContain("boom: the warehouse is down");

    const re = await f.post<LaunchResponse>(`/api/runs/${res.body.runId}/reexecute`, { fromFailure: true });
    expect(re.status, re.text).toBe(202);
    expect(re.body.run).toMatchObject({
      parentRunId: res.body.runId,
      rootRunId: res.body.runId,
      assetKeys: ["gold/fails"],
    });
    await waitFor(() => ended(re.body.runId));
    const all = await f.post<LaunchResponse>(`/api/runs/${res.body.runId}/reexecute`, {});
    expect(all.status).toBe(202);
    expect(all.body.run.assetKeys.sort()).toEqual(["gold/fails", "raw/events", "silver/events"]);
    await waitFor(() => ended(all.body.runId));
    expect(
      (await f.post<ErrorBody>(`/api/runs/${res.body.runId}/reexecute`, { fromFailure: "yes" })).status,
    ).toBe(400);
  });

  it("refuses to re-execute a successful run from failure (409)", async () => {
    const res = await f.post<LaunchResponse>("/api/runs", { assetKeys: ["raw/events"] });
    await waitFor(() => ended(res.body.runId));
    const re = await f.post<ErrorBody>(`/api/runs/${res.body.runId}/reexecute`, { fromFailure: true });
    expect(re.status).toBe(409);
    expect(re.body.error.code).toBe("RUN_INVALID_STATE");
  });
});

describe("backfills", () => {
  it("creates a backfill that runs in the background to COMPLETED", async () => {
    const res = await f.post<BackfillActionResponse>("/api/backfills", {
      selection: "regions",
      partitions: { keys: ["us", "apac"] },
      maxConcurrentRuns: 2,
    });
    expect(res.status, res.text).toBe(202);
    expect(res.body.runs).toBe(2);
    await waitFor(
      async () => (await f.storage.getBackfill(res.body.backfillId))!.status === "COMPLETED",
      30_000,
    );
    const detail = await f.get<BackfillDetailResponse>(`/api/backfills/${res.body.backfillId}`);
    expect(detail.body.backfill).toMatchObject({ status: "COMPLETED", runs: 2, counts: { SUCCESS: 2 } });
    expect(detail.body.assets.regions).toEqual([{ start: "us", end: "apac", count: 2, status: "SUCCESS" }]);
    expect(detail.body.chunks.every((c) => c.runId)).toBe(true);
    const list = await f.get<BackfillsResponse>("/api/backfills");
    expect(list.body.backfills.map((b) => b.backfillId)).toContain(res.body.backfillId);
    const parts = await f.get<PartitionsResponse>("/api/assets/regions/partitions");
    expect(parts.body.counts.missing).toBe(0);

    const cancel = await f.post<ErrorBody>(`/api/backfills/${res.body.backfillId}/cancel`);
    expect(cancel.status).toBe(409);
    const resume = await f.post<ErrorBody>(`/api/backfills/${res.body.backfillId}/resume`);
    expect(resume.status).toBe(409);
  });

  it("cancels a running backfill", async () => {
    await f.post("/api/dynamic-partitions/tenants", { add: ["t1", "t2", "t3"] });
    // gold/slow is unpartitioned: use a partitioned selection whose run is slow enough to cancel.
    const res = await f.post<BackfillActionResponse>("/api/backfills", {
      selection: "tenants",
      partitions: { all: true },
      maxConcurrentRuns: 1,
    });
    expect(res.status, res.text).toBe(202);
    const cancel = await f.post<BackfillActionResponse>(`/api/backfills/${res.body.backfillId}/cancel`);
    expect(cancel.status, cancel.text).toBe(200);
    expect(["CANCELING", "CANCELED"]).toContain(cancel.body.status);
    await waitFor(
      async () => (await f.storage.getBackfill(res.body.backfillId))!.status === "CANCELED",
      30_000,
    );
  });

  it("validates backfill requests and 404s unknown backfills", async () => {
    const none = await f.post<ErrorBody>("/api/backfills", { selection: "regions" });
    expect(none.status).toBe(400);
    expect(none.body.error.message).toContain("partitions");
    expect(
      (await f.post<ErrorBody>("/api/backfills", { selection: "regions", partitions: { range: "zz...aa" } }))
        .status,
    ).toBe(400);
    expect(
      (
        await f.post<ErrorBody>("/api/backfills", {
          selection: "regions",
          partitions: { all: true },
          maxConcurrentRuns: 0,
        })
      ).status,
    ).toBe(400);
    expect((await f.get<ErrorBody>("/api/backfills/bf-nope")).status).toBe(404);
    expect((await f.post<ErrorBody>("/api/backfills/bf-nope/cancel")).status).toBe(404);
    expect((await f.get<ErrorBody>("/api/backfills?status=DONE")).status).toBe(400);
  });
});

describe("locations, dynamic partitions, wipe", () => {
  it("reloads the location and bumps its version", async () => {
    const before = f.locations.state.version;
    const res = await f.post<LocationView>("/api/locations/fixture/reload");
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ status: "loaded", version: before + 1 });
    expect((await f.post<ErrorBody>("/api/locations/other/reload")).status).toBe(404);
  });

  it("adds and removes dynamic partition keys of declared sets", async () => {
    const add = await f.post<DynamicPartitionsChangeResponse>("/api/dynamic-partitions/tenants", {
      add: ["acme", "globex", "acme"],
    });
    expect(add.body).toEqual({ name: "tenants", added: 2, removed: 0, count: 5 });
    const rm = await f.post<DynamicPartitionsChangeResponse>("/api/dynamic-partitions/tenants", {
      remove: ["acme", "nope"],
    });
    expect(rm.body).toEqual({ name: "tenants", added: 0, removed: 1, count: 4 });
    expect((await f.get<DynamicPartitionKeysResponse>("/api/dynamic-partitions/tenants")).body.keys).toEqual([
      "t1",
      "t2",
      "t3",
      "globex",
    ]);
    expect((await f.post<ErrorBody>("/api/dynamic-partitions/tenants", {})).status).toBe(400);
    const typo = await f.post<ErrorBody>("/api/dynamic-partitions/tenant", { add: ["x"] });
    expect(typo.status).toBe(400);
    expect(typo.body.error).toMatchObject({
      code: "PARTITION_INVALID",
      message: expect.stringContaining('did you mean "tenants"'),
    });
  });

  it("wipes an asset's history", async () => {
    const before = await f.get<AssetDetailResponse>(`/api/assets/${enc("raw/events")}`);
    expect(before.body.latestMaterialization).toBeDefined();
    const res = await f.post(`/api/assets/${enc("raw/events")}/wipe`);
    expect(res.status, res.text).toBe(200);
    const after = await f.get<AssetDetailResponse>(`/api/assets/${enc("raw/events")}`);
    expect(after.body.latestMaterialization).toBeUndefined();
    expect(after.body.asset.status).toBe("missing");
    expect((await f.post(`/api/assets/${enc("nope")}/wipe`)).status).toBe(404);
  });
});
