/**
 * Resources at run time: secrets redacted from everything stored, ENV_MISSING failing only the
 * assets that need the resource, lazy creation and teardown.
 */
import { describe, expect, it } from "vitest";
import { asset, assetCheck, env, MaterializeResult, resource, secret } from "@strata/core";
import { materialize } from "@strata/engine";
import { z } from "zod";
import { harnessPerTest, ofType, project, runProject, stepKeys } from "../helpers/engine.ts";

const h = harnessPerTest();

const SECRET = "sk-live-7f3a9c2e11";
const LITERAL_SECRET = "hunter2-literal-pw";

describe("secrets", () => {
  it("never stores a secret: logged, thrown, put in metadata or check results, it becomes ***", async () => {
    const api = resource({
      config: z.object({ token: z.string(), password: secret(z.string()), region: z.string() }),
      create: ({ token, password, region }) => ({ token, password, region }),
    });
    type Api = { token: string; password: string; region: string };
    const logs = asset({ name: "logs_it", resources: ["api"], checks: [{ name: "leaky" }] }, (ctx) => {
      const { token, password, region } = ctx.resource<Api>("api");
      ctx.log.info(`using token ${token}`, { token, region, nested: { list: [password] } });
      ctx.addMetadata({ header: `Bearer ${token}` });
      return new MaterializeResult({
        value: { token },
        metadata: { auth: { token, password }, plain: password },
        checkResults: [{ checkName: "leaky", passed: false, description: `saw ${token}` }],
      });
    });
    const throws = asset({ name: "throws_it", resources: ["api"] }, (ctx) => {
      const { token } = ctx.resource<Api>("api");
      throw new Error(`request failed with token=${token}`);
    });
    const standalone = assetCheck({ asset: logs, name: "check_leak", resources: ["api"] }, (ctx) => {
      ctx.log.warn(ctx.resource<Api>("api").password);
      return { passed: true, metadata: { pw: ctx.resource<Api>("api").password } };
    });
    const p = project({
      assets: [logs, throws],
      checks: [standalone],
      resources: { api: api.configure({ token: env("API_TOKEN", { secret: true }), password: LITERAL_SECRET, region: "eu-west-1" }) },
    });
    const seen: string[] = [];
    const { status, events, run } = await runProject(h, p, {}, { env: { API_TOKEN: SECRET }, onEvent: (e) => seen.push(JSON.stringify(e)) });

    expect(status).toBe("FAILURE");
    const stored = JSON.stringify(events);
    expect(stored).not.toContain(SECRET);
    expect(stored).not.toContain(LITERAL_SECRET);
    // Listeners (the CLI's live view) get redacted events too.
    expect(seen.join("\n")).not.toContain(SECRET);
    expect(seen.join("\n")).not.toContain(LITERAL_SECRET);
    // Redacted, not dropped: the rest of each message survives.
    expect(ofType(events, "LOG").map((e) => e.message)).toContain("using token ***");
    const failure = ofType(events, "STEP_FAILURE")[0]!;
    expect(failure.message).toContain("request failed with token=***");
    expect(failure.data?.error?.stack ?? "").not.toContain(SECRET);
    const md = ofType(events, "ASSET_MATERIALIZATION")[0]!.data!.metadata!;
    expect(md.header).toEqual({ type: "text", value: "Bearer ***" });
    expect(md.plain).toEqual({ type: "text", value: "***" });
    // Non-secret config values are not redacted.
    expect(stored).toContain("eu-west-1");
    // The indexes built from the events are clean too.
    const index = JSON.stringify([await h.storage.getAssetRecords(), await h.storage.getCheckStatus(), await h.storage.getRun(run.runId)]);
    expect(index).not.toContain(SECRET);
    expect(index).not.toContain(LITERAL_SECRET);
    // The snapshot (what the UI sees) names the env var but never holds the value.
    const snap = JSON.stringify(p.graph.snapshot);
    expect(snap).toContain("API_TOKEN");
    expect(snap).not.toContain(LITERAL_SECRET);
  });
});

describe("environment and lifecycle", () => {
  it("ENV_MISSING fails only the assets that need that resource", async () => {
    const warehouse = resource({ config: z.object({ url: z.string() }), create: ({ url }) => ({ url }) });
    const needs = asset({ name: "needs_wh", resources: ["warehouse"] }, () => 1);
    const downstream = asset({ name: "after_wh", deps: [needs] }, () => 2);
    const independent = asset({ name: "independent" }, () => 3);
    const p = project({ assets: [needs, downstream, independent], resources: { warehouse: warehouse.configure({ url: env("WAREHOUSE_URL") }) } });
    const { status, events } = await runProject(h, p, {}, { env: {} });

    expect(status).toBe("FAILURE");
    expect(stepKeys(events, "STEP_FAILURE")).toEqual(["needs_wh"]);
    expect(stepKeys(events, "STEP_SUCCESS")).toEqual(["independent"]);
    expect(stepKeys(events, "STEP_SKIPPED")).toEqual(["after_wh"]);
    const err = ofType(events, "STEP_FAILURE")[0]!.data!.error!;
    expect(err.code).toBe("ENV_MISSING");
    expect(err.message).toContain("WAREHOUSE_URL");
    expect(err.message).toContain('"warehouse"');

    // The same project succeeds once the variable is set.
    const again = await runProject(h, p, {}, { env: { WAREHOUSE_URL: "postgres://x" } });
    expect(again.status).toBe("SUCCESS");
  });

  it("creates resources lazily once per run and tears them down in reverse order at the end", async () => {
    const log: string[] = [];
    const mk = (name: string) =>
      resource({
        create: () => (log.push(`create ${name}`), { name }),
        teardown: (v: { name: string }) => void log.push(`teardown ${v.name}`),
      });
    const a = asset({ name: "a", resources: ["first"] }, () => void log.push("run a"));
    const b = asset({ name: "b", deps: [a], resources: ["first", "second"] }, () => void log.push("run b"));
    const p = project({ assets: [a, b], resources: { first: mk("first"), second: mk("second"), unused: mk("unused") } });
    const { status } = await runProject(h, p);
    expect(status).toBe("SUCCESS");
    expect(log).toEqual(["create first", "run a", "create second", "run b", "teardown second", "teardown first"]);
  });

  it("tears resources down even when the run fails, and a failing teardown is reported, not thrown", async () => {
    const log: string[] = [];
    const r = resource({
      create: () => ({}),
      teardown: () => {
        log.push("teardown");
        throw new Error("teardown exploded");
      },
    });
    const a = asset({ name: "a", resources: ["r"] }, () => {
      throw new Error("asset failed");
    });
    const { status, events } = await runProject(h, project({ assets: [a], resources: { r } }));
    expect(status).toBe("FAILURE");
    expect(log).toEqual(["teardown"]);
    expect(events.some((e) => e.type === "ENGINE_EVENT" && e.message.includes("teardown exploded"))).toBe(true);
  });

  it("materialize() accepts plain values as resources (test doubles)", async () => {
    const a = asset({ name: "a", resources: ["clock"] }, (ctx) => ctx.resource<{ now(): number }>("clock").now());
    const result = await materialize([a], { resources: { clock: { now: () => 1234 } } });
    expect(result.output("a")).toBe(1234);
  });
});
