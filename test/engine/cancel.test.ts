/**
 * Cancellation: through the AbortSignal given to executeRun (what Ctrl-C does in the worker)
 * and through the run's status in storage (what `strata runs cancel` does from another process).
 */
import { describe, expect, it } from "vitest";
import { asset } from "@strata/core";
import { createRun, executeRun } from "@strata/engine";
import { waitUntil } from "../helpers/run-cli.ts";
import { harnessPerTest, ofType, project, sleep } from "../helpers/engine.ts";

const h = harnessPerTest();

/** An asset that waits until its signal aborts (recording what it saw), and one downstream. */
function slowGraph() {
  const seen = { started: false, aborted: false, reason: undefined as unknown, downstreamRan: false, siblingFinished: false };
  const slow = asset({ name: "slow" }, (ctx) => {
    seen.started = true;
    return new Promise((_resolve, reject) => {
      const t = setTimeout(() => reject(new Error("not canceled in time")), 10_000);
      ctx.signal.addEventListener("abort", () => {
        clearTimeout(t);
        seen.aborted = ctx.signal.aborted;
        reject(new Error("stopped by abort"));
      });
    });
  });
  const down = asset({ name: "down", deps: [slow] }, () => {
    seen.downstreamRan = true;
  });
  const quick = asset({ name: "quick" }, () => {
    seen.siblingFinished = true;
  });
  return { seen, p: project({ assets: [slow, down, quick] }) };
}

describe("cancellation", () => {
  it("via AbortSignal: the in-flight step sees ctx.signal aborted, downstream never starts, run ends CANCELED", async () => {
    const { seen, p } = slowGraph();
    const { run } = await createRun(h.storage, p.graph, {});
    const controller = new AbortController();
    const done = executeRun({ defs: p.defs, graph: p.graph, run, storage: h.storage, instanceDir: h.dir, env: {}, signal: controller.signal });
    await waitUntil(() => seen.started);
    controller.abort();
    const status = await done;

    expect(status).toBe("CANCELED");
    expect(seen.aborted).toBe(true);
    expect(seen.downstreamRan).toBe(false);
    const stored = await h.storage.getRun(run.runId);
    expect(stored?.status).toBe("CANCELED");
    expect(stored?.endedAt).toBeGreaterThan(0);
    const events = await h.storage.getEvents(run.runId);
    expect(events.at(-1)?.type).toBe("RUN_CANCELED");
    expect(events.some((e) => e.type === "STEP_START" && e.stepKey === "down")).toBe(false);
    const failure = ofType(events, "STEP_FAILURE").find((e) => e.stepKey === "slow");
    expect(failure?.message).toMatch(/canceled/);
  });

  it("via storage status CANCELING (as `strata runs cancel` sets it): picked up by the heartbeat", async () => {
    const { seen, p } = slowGraph();
    const { run } = await createRun(h.storage, p.graph, {});
    const t0 = Date.now();
    const done = executeRun({ defs: p.defs, graph: p.graph, run, storage: h.storage, instanceDir: h.dir, env: {}, heartbeatMs: 40 });
    await waitUntil(() => seen.started);
    const requested = await h.storage.transitionRun(run.runId, "CANCELING", {
      fromStatuses: ["STARTED"],
      event: { runId: run.runId, type: "RUN_CANCELING", timestamp: Date.now(), level: "warn", message: "Cancellation requested" },
    });
    expect(requested).toBe(true);
    const status = await done;
    expect(status).toBe("CANCELED");
    expect(seen.aborted).toBe(true);
    expect(seen.downstreamRan).toBe(false);
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect((await h.storage.getRun(run.runId))?.status).toBe("CANCELED");
    const types = (await h.storage.getEvents(run.runId)).map((e) => e.type);
    expect(types).toContain("RUN_CANCELING");
    expect(types.at(-1)).toBe("RUN_CANCELED");
  });

  it("a step that ignores its signal does not keep the run open past the grace period", async () => {
    let stepReturned = false;
    const stuck = asset({ name: "stuck" }, async () => {
      await sleep(700);
      stepReturned = true;
    });
    const p = project({ assets: [stuck] });
    const { run } = await createRun(h.storage, p.graph, {});
    const controller = new AbortController();
    const done = executeRun({ defs: p.defs, graph: p.graph, run, storage: h.storage, instanceDir: h.dir, env: {}, signal: controller.signal, cancelGraceMs: 100 });
    await waitUntil(async () => (await h.storage.getEvents(run.runId, { types: ["STEP_START"] })).length > 0);
    const t0 = Date.now();
    controller.abort();
    expect(await done).toBe("CANCELED");
    expect(Date.now() - t0).toBeLessThan(600);
    expect(stepReturned).toBe(false);
    expect((await h.storage.getRun(run.runId))?.status).toBe("CANCELED");
    // Let the abandoned step finish before the storage closes.
    await waitUntil(() => stepReturned);
    await sleep(20);
  });

  it("aborting before the run starts ends it CANCELED without running any step", async () => {
    const { seen, p } = slowGraph();
    const { run } = await createRun(h.storage, p.graph, {});
    const status = await executeRun({ defs: p.defs, graph: p.graph, run, storage: h.storage, instanceDir: h.dir, env: {}, signal: AbortSignal.abort() });
    expect(status).toBe("CANCELED");
    expect(seen.started).toBe(false);
    expect(seen.siblingFinished).toBe(false);
  });
});
