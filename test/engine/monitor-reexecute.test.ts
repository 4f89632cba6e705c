/**
 * Run liveness (heartbeats, reaping runs whose worker died) and re-execution from failure.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { asset, assetCheck, newRunId, type RunRecord, type RunStatus } from "@strata/core";
import { createRun, executeRun, reapDeadRuns, reexecutionRequest, STALE_AFTER_MS } from "@strata/engine";
import { waitUntil } from "../helpers/run-cli.ts";
import { harnessPerTest, ofType, project, runProject, sleep, stepKeys } from "../helpers/engine.ts";

const h = harnessPerTest();

describe("heartbeat", () => {
  it("the worker records its pid/host and heartbeats while the run is in progress", async () => {
    const long = asset({ name: "long" }, () => sleep(250));
    const p = project({ assets: [long] });
    const { run } = await createRun(h.storage, p.graph, {});
    const done = executeRun({ defs: p.defs, graph: p.graph, run, storage: h.storage, instanceDir: h.dir, env: {}, heartbeatMs: 30 });
    const first = await waitUntil(async () => (await h.storage.getRun(run.runId))?.heartbeatAt);
    const later = await waitUntil(async () => {
      const at = (await h.storage.getRun(run.runId))?.heartbeatAt;
      return at !== undefined && at > first ? at : undefined;
    });
    expect(later).toBeGreaterThan(first);
    const during = (await h.storage.getRun(run.runId))!;
    expect(during.status).toBe("STARTED");
    expect(during.workerPid).toBe(process.pid);
    expect(during.workerHost).toBe(hostname());
    expect(await done).toBe("SUCCESS");
  });
});

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", ""]);
  return r.pid!;
}

async function startedRun(status: RunStatus, fields: { pid: number; host: string; heartbeatAt: number }): Promise<RunRecord> {
  const now = Date.now();
  const run: RunRecord = {
    runId: newRunId(),
    status: "STARTING",
    selection: "*",
    assetKeys: ["a"],
    checkKeys: [],
    tags: {},
    location: "test",
    createdAt: fields.heartbeatAt,
    updatedAt: now,
    config: {},
  };
  await h.storage.createRun(run);
  expect(
    await h.storage.transitionRun(run.runId, "STARTED", {
      fromStatuses: ["STARTING"],
      fields: { workerPid: fields.pid, workerHost: fields.host, startedAt: fields.heartbeatAt },
    }),
  ).toBe(true);
  await h.storage.heartbeat(run.runId, fields.heartbeatAt);
  if (status === "CANCELING") await h.storage.transitionRun(run.runId, "CANCELING", { fromStatuses: ["STARTED"] });
  return run;
}

describe("reapDeadRuns", () => {
  it("fails runs whose worker died (dead pid here, stale heartbeat elsewhere) and leaves live ones", async () => {
    const now = Date.now();
    const here = hostname();
    const deadHere = await startedRun("STARTED", { pid: deadPid(), host: here, heartbeatAt: now });
    const staleElsewhere = await startedRun("STARTED", { pid: 1234, host: "other-host", heartbeatAt: now - STALE_AFTER_MS - 5_000 });
    const liveHere = await startedRun("STARTED", { pid: process.pid, host: here, heartbeatAt: now - STALE_AFTER_MS - 5_000 });
    const freshElsewhere = await startedRun("STARTED", { pid: 1234, host: "other-host", heartbeatAt: now - 1_000 });
    const cancelingDead = await startedRun("CANCELING", { pid: deadPid(), host: here, heartbeatAt: now });
    await h.storage.claimPoolSlot("p", 1, deadHere.runId, "a");

    const reaped = await reapDeadRuns(h.storage, { host: here, now });
    expect(reaped.map((r) => r.runId).sort()).toEqual([deadHere.runId, staleElsewhere.runId, cancelingDead.runId].sort());

    const status = async (r: RunRecord) => (await h.storage.getRun(r.runId))!.status;
    expect(await status(deadHere)).toBe("FAILURE");
    expect(await status(staleElsewhere)).toBe("FAILURE");
    expect(await status(cancelingDead)).toBe("CANCELED");
    expect(await status(liveHere)).toBe("STARTED");
    expect(await status(freshElsewhere)).toBe("STARTED");

    const events = await h.storage.getEvents(deadHere.runId);
    expect(events.at(-1)).toMatchObject({ type: "RUN_FAILURE", level: "error" });
    expect(events.at(-1)!.message).toMatch(/pid \d+\) is no longer running/);
    expect((await h.storage.getEvents(staleElsewhere.runId)).at(-1)!.message).toMatch(/has not sent a heartbeat/);
    // A dead run's pool slots are freed so other runs are not blocked forever.
    expect(await h.storage.getPoolUsage()).toEqual([]);
    // Reaping again changes nothing.
    expect(await reapDeadRuns(h.storage, { host: here, now })).toEqual([]);
  });
});

describe("re-execution from failure", () => {
  it("runs only failed and skipped assets, loading upstream values stored by the previous run", async () => {
    const calls: Record<string, number> = {};
    const count = (k: string) => (calls[k] = (calls[k] ?? 0) + 1);
    let broken = true;
    const source = asset({ name: "source" }, () => ({ n: count("source"), token: "from-first-run" }));
    const middle = asset({ name: "middle", ins: { source } }, (_c, { source }) => {
      count("middle");
      if (broken) throw new Error("middle is broken");
      return `${source.token}:${source.n}`;
    });
    const leaf = asset({ name: "leaf", ins: { middle } }, (_c, { middle }) => (count("leaf"), `${middle}!`));
    const other = asset({ name: "other" }, () => void count("other"));
    const p = project({ assets: [source, middle, leaf, other] });

    const first = await runProject(h, p, { tags: { team: "data" } });
    expect(first.status).toBe("FAILURE");
    expect(stepKeys(first.events, "STEP_SKIPPED")).toEqual(["leaf"]);

    broken = false;
    const request = await reexecutionRequest(h.storage, p.graph, first.run);
    expect(request.assetKeys?.sort()).toEqual(["leaf", "middle"]);
    const second = await runProject(h, p, request);

    expect(second.status).toBe("SUCCESS");
    expect(calls).toEqual({ source: 1, other: 1, middle: 2, leaf: 1 });
    expect(second.run.parentRunId).toBe(first.run.runId);
    expect(second.run.rootRunId).toBe(first.run.runId);
    expect(second.run.tags).toEqual({ team: "data", "strata/parent_run_id": first.run.runId });
    expect(ofType(second.events, "ASSET_MATERIALIZATION").map((e) => e.assetKey).sort()).toEqual(["leaf", "middle"]);
    // `middle` read `source` as stored by the first run.
    const [leafRecord] = await h.storage.getAssetRecords(["leaf"]);
    expect(leafRecord?.lastMaterialization?.runId).toBe(second.run.runId);
    const stored = JSON.parse(readFileSync(join(h.dir, "storage", "leaf.json"), "utf8")) as string;
    expect(stored).toBe("from-first-run:1!");
  });

  it("re-runs standalone checks that failed in the parent, not those that passed", async () => {
    let good = false;
    const src = asset({ name: "src" }, () => 1);
    const fails = asset({ name: "fails" }, () => {
      if (!good) throw new Error("not yet");
    });
    const evaluated: string[] = [];
    const okCheck = assetCheck({ asset: src, name: "ok" }, () => (evaluated.push("ok"), true));
    const badCheck = assetCheck({ asset: src, name: "flaky_check", severity: "WARN" }, () => (evaluated.push("flaky_check"), good));
    const p = project({ assets: [src, fails], checks: [okCheck, badCheck] });
    const first = await runProject(h, p);
    expect(first.status).toBe("FAILURE");
    expect(evaluated.sort()).toEqual(["flaky_check", "ok"]);

    good = true;
    evaluated.length = 0;
    const request = await reexecutionRequest(h.storage, p.graph, first.run);
    expect(request.checkKeys).toEqual(["src:flaky_check"]);
    const second = await runProject(h, p, request);
    expect(second.status).toBe("SUCCESS");
    expect(evaluated).toEqual(["flaky_check"]);
    expect(stepKeys(second.events, "STEP_SUCCESS")).toEqual(["fails", "src__check__flaky_check"]);
  });

  it("refuses to re-execute a successful run, and a re-execution of a re-execution keeps the root", async () => {
    let fail = 2;
    const flaky = asset({ name: "flaky" }, () => {
      if (fail-- > 0) throw new Error("not yet");
    });
    const p = project({ assets: [flaky] });
    const r1 = await runProject(h, p);
    const r2 = await runProject(h, p, await reexecutionRequest(h.storage, p.graph, r1.run));
    expect(r2.status).toBe("FAILURE");
    const r3 = await runProject(h, p, await reexecutionRequest(h.storage, p.graph, r2.run));
    expect(r3.status).toBe("SUCCESS");
    expect(r3.run.parentRunId).toBe(r2.run.runId);
    expect(r3.run.rootRunId).toBe(r1.run.runId);
    await expect(reexecutionRequest(h.storage, p.graph, r3.run)).rejects.toMatchObject({ code: "RUN_INVALID_STATE" });
  });
});
