/**
 * The executor with real SQLite storage: failure isolation, retries with backoff, blocking
 * checks, bounded concurrency, tag limits and named pools shared across runs.
 */
import { describe, expect, it } from "vitest";
import { asset, assetCheck, MaterializeResult } from "@strata/core";
import { harnessPerTest, ofType, OverlapCounter, project, runProject, sleep, stepKeys } from "../helpers/engine.ts";

const h = harnessPerTest();

describe("failure isolation", () => {
  it("a failed asset skips only its downstream; siblings still run; the run ends FAILURE", async () => {
    const ran: string[] = [];
    const root = asset({ name: "root" }, () => (ran.push("root"), 1));
    const bad = asset({ name: "bad", deps: [root] }, () => {
      ran.push("bad");
      throw new Error("boom in bad");
    });
    const child = asset({ name: "child", deps: [bad] }, () => void ran.push("child"));
    const grandchild = asset({ name: "grandchild", deps: [child] }, () => void ran.push("grandchild"));
    const sibling = asset({ name: "sibling", deps: [root] }, async () => {
      await sleep(20);
      ran.push("sibling");
    });
    const nephew = asset({ name: "nephew", deps: [sibling] }, () => void ran.push("nephew"));
    const p = project({ assets: [root, bad, child, grandchild, sibling, nephew] });

    const { status, run, events } = await runProject(h, p);
    expect(status).toBe("FAILURE");
    expect(run.status).toBe("FAILURE");
    expect(run.endedAt).toBeGreaterThan(0);
    expect(ran.sort()).toEqual(["bad", "nephew", "root", "sibling"]);
    expect(stepKeys(events, "STEP_SUCCESS")).toEqual(["nephew", "root", "sibling"]);
    expect(stepKeys(events, "STEP_FAILURE")).toEqual(["bad"]);
    expect(stepKeys(events, "STEP_SKIPPED")).toEqual(["child", "grandchild"]);
    const failure = ofType(events, "STEP_FAILURE")[0]!;
    expect(failure.data?.error?.message).toBe("boom in bad");
    expect(failure.data?.error?.stack).toContain("execution.test.ts");
    expect(ofType(events, "STEP_SKIPPED").find((e) => e.stepKey === "child")?.data?.reason).toMatch(/bad was not materialized/);
    const final = events.at(-1)!;
    expect(final.type).toBe("RUN_FAILURE");
    expect(final.message).toMatch(/1 step\(s\) failed: bad/);
    expect(final.message).toMatch(/2 step\(s\) skipped/);
    // The asset index remembers the failure for "bad" and has no materialisation for it.
    const [rec] = await h.storage.getAssetRecords(["bad"]);
    expect(rec?.lastMaterialization).toBeUndefined();
  });
});

describe("retries", () => {
  it("retries with backoff: fails twice then succeeds, with STEP_UP_FOR_RETRY events and delays respected", async () => {
    const attempts: { n: number; at: number }[] = [];
    const flaky = asset({ name: "flaky", retry: { maxRetries: 3, delayMs: 60, backoff: "exponential" } }, (ctx) => {
      attempts.push({ n: ctx.retryNumber, at: Date.now() });
      if (attempts.length <= 2) throw new Error(`transient ${attempts.length}`);
      return "ok";
    });
    const after = asset({ name: "after", ins: { flaky } }, (_c, { flaky }) => `${flaky}!`);
    const { status, events } = await runProject(h, project({ assets: [flaky, after] }));

    expect(status).toBe("SUCCESS");
    expect(attempts.map((a) => a.n)).toEqual([0, 1, 2]);
    const retries = ofType(events, "STEP_UP_FOR_RETRY");
    expect(retries.map((e) => e.data?.retry)).toEqual([
      { attempt: 1, delayMs: 60 },
      { attempt: 2, delayMs: 120 },
    ]);
    expect(retries[0]!.message).toContain("transient 1");
    expect(retries[0]!.data?.error?.message).toBe("transient 1");
    // Delays respected (timers may fire late, never early; allow a little slack).
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(55);
    expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(115);
    expect(attempts[2]!.at - attempts[0]!.at).toBeLessThan(2_000);
    expect(ofType(events, "STEP_FAILURE")).toHaveLength(0);
    expect(stepKeys(events, "STEP_SUCCESS")).toEqual(["after", "flaky"]);
  });

  it("fails the step after maxRetries and skips its downstream", async () => {
    let calls = 0;
    const never = asset({ name: "never", retry: { maxRetries: 2, delayMs: 1 } }, () => {
      calls++;
      throw new Error("always");
    });
    const down = asset({ name: "down", deps: [never] }, () => 1);
    const { status, events } = await runProject(h, project({ assets: [never, down] }));
    expect(status).toBe("FAILURE");
    expect(calls).toBe(3);
    expect(ofType(events, "STEP_UP_FOR_RETRY")).toHaveLength(2);
    expect(stepKeys(events, "STEP_FAILURE")).toEqual(["never"]);
    expect(stepKeys(events, "STEP_SKIPPED")).toEqual(["down"]);
  });
});

describe("blocking checks", () => {
  const build = (severity: "ERROR" | "WARN", standalone: boolean) => {
    const ran: string[] = [];
    const checks = standalone ? [] : [{ name: "valid", blocking: true, severity }];
    const source = asset({ name: "source", checks }, () =>
      standalone ? [1] : new MaterializeResult({ value: [1], checkResults: [{ checkName: "valid", passed: false }] }),
    );
    const sibling = asset({ name: "sibling" }, () => void ran.push("sibling"));
    const down = asset({ name: "down", ins: { source } }, () => void ran.push("down"));
    const further = asset({ name: "further", deps: [down] }, () => void ran.push("further"));
    const standaloneCheck = assetCheck({ asset: source, name: "valid", blocking: true, severity }, () => ({ passed: false }));
    return { ran, p: project({ assets: [source, sibling, down, further], checks: standalone ? [standaloneCheck] : [] }) };
  };

  for (const standalone of [false, true]) {
    const kind = standalone ? "standalone" : "inline";
    it(`a failing blocking ERROR check (${kind}) skips downstream and fails the run`, async () => {
      const { ran, p } = build("ERROR", standalone);
      const { status, events } = await runProject(h, p);
      expect(status).toBe("FAILURE");
      expect(ran).toEqual(["sibling"]);
      expect(stepKeys(events, "STEP_SKIPPED")).toEqual(["down", "further"]);
      expect(ofType(events, "STEP_SKIPPED").find((e) => e.stepKey === "down")?.data?.reason).toMatch(/blocking check source:valid failed/);
      expect(events.at(-1)?.message).toMatch(/blocking check\(s\) failed: source:valid/);
      // The asset itself was materialised: the check judges it, it doesn't undo it.
      expect(ofType(events, "ASSET_MATERIALIZATION").map((e) => e.assetKey)).toContain("source");
    });

    it(`a failing blocking WARN check (${kind}) does not skip downstream`, async () => {
      const { ran, p } = build("WARN", standalone);
      const { status, events } = await runProject(h, p);
      expect(status).toBe("SUCCESS");
      expect(ran.sort()).toEqual(["down", "further", "sibling"]);
      const evaluation = ofType(events, "ASSET_CHECK_EVALUATION")[0]!;
      expect(evaluation.data?.check).toMatchObject({ passed: false, severity: "WARN", blocking: true });
      expect(evaluation.level).toBe("warn");
    });
  }

  it("a standalone blocking check that throws blocks downstream too", async () => {
    const source = asset({ name: "source" }, () => 1);
    const down = asset({ name: "down", deps: [source] }, () => 2);
    const check = assetCheck({ asset: source, name: "explodes", blocking: true }, () => {
      throw new Error("check crashed");
    });
    const { status, events } = await runProject(h, project({ assets: [source, down], checks: [check] }));
    expect(status).toBe("FAILURE");
    expect(stepKeys(events, "STEP_FAILURE")).toEqual(["source__check__explodes"]);
    expect(stepKeys(events, "STEP_SKIPPED")).toEqual(["down"]);
  });
});

describe("concurrency", () => {
  it("maxConcurrent 2: never more than 2 steps overlap, and async steps do overlap", async () => {
    const counter = new OverlapCounter();
    const assets = Array.from({ length: 8 }, (_, i) => asset({ name: `a${i}` }, () => counter.around(() => sleep(25))));
    const { status } = await runProject(h, project({ assets, executor: { maxConcurrent: 2 } }));
    expect(status).toBe("SUCCESS");
    expect(counter.max).toBe(2);
  });

  it("default concurrency lets independent async steps run together", async () => {
    const counter = new OverlapCounter();
    const assets = Array.from({ length: 6 }, (_, i) => asset({ name: `a${i}` }, () => counter.around(() => sleep(25))));
    const t0 = Date.now();
    await runProject(h, project({ assets }));
    expect(counter.max).toBe(6);
    expect(Date.now() - t0).toBeLessThan(6 * 25);
  });

  it("tag concurrency limits: at most `limit` steps with the tag at once, others unaffected", async () => {
    const db = new OverlapCounter();
    const all = new OverlapCounter();
    const heavy = Array.from({ length: 5 }, (_, i) =>
      asset({ name: `heavy${i}`, tags: { resource: "db" } }, () => all.around(() => db.around(() => sleep(25)))),
    );
    const light = Array.from({ length: 3 }, (_, i) => asset({ name: `light${i}`, tags: { resource: "cpu" } }, () => all.around(() => sleep(25))));
    const { status } = await runProject(
      h,
      project({ assets: [...heavy, ...light], executor: { maxConcurrent: 8, tagConcurrencyLimits: [{ key: "resource", value: "db", limit: 2 }] } }),
    );
    expect(status).toBe("SUCCESS");
    expect(db.max).toBe(2);
    // The limit applies only to the tagged steps: light ones ran alongside.
    expect(all.max).toBeGreaterThanOrEqual(4);
  });

  it("a named pool with limit 1 is shared by two concurrent runs in the same instance: steps never overlap", async () => {
    const pool = new OverlapCounter();
    const make = (prefix: string) =>
      Array.from({ length: 3 }, (_, i) => asset({ name: `${prefix}${i}`, pool: "warehouse" }, () => pool.around(() => sleep(30))));
    const p1 = project({ assets: make("x"), pools: { warehouse: 1 } });
    const p2 = project({ assets: make("y"), pools: { warehouse: 1 } });
    // (Two connections in one thread would deadlock on SQLite's synchronous busy wait; runs of
    // one process share its storage. Pools across processes are covered by test/cli/runs.test.ts.)
    const [r1, r2] = await Promise.all([runProject(h, p1), runProject(h, p2)]);
    expect(r1.status).toBe("SUCCESS");
    expect(r2.status).toBe("SUCCESS");
    expect(pool.max).toBe(1);
    // All six steps ran.
    expect(ofType([...r1.events, ...r2.events], "STEP_SUCCESS")).toHaveLength(6);
    // Slots are released when runs end.
    expect(await h.storage.getPoolUsage()).toEqual([]);
  });
});
