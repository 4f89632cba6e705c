import { describe, expect, it } from "vitest";
import { asset, multiAsset, type AssetsDefinition } from "./asset.ts";
import { assetCheck } from "./asset-check.ts";
import { buildSnapshot } from "./build-snapshot.ts";
import { defineDefinitions } from "./definitions.ts";
import { externalAsset, externalAssets } from "./external-asset.ts";
import { AssetGraph } from "./graph.ts";
import { MaterializeResult, PartialMaterialization } from "./materialize-result.ts";
import { planRun } from "./planner.ts";

const graphOf = (assets: AssetsDefinition[], checks: ReturnType<typeof assetCheck>[] = []) =>
  AssetGraph.fromSnapshot(buildSnapshot(defineDefinitions({ assets, checks }), { location: "t", root: "/" }));

describe("externalAsset", () => {
  const events = externalAsset({ key: "app/events", description: "Loaded by the app", group: "sources" });
  const stg = asset({ key: "stg/events", deps: [events] }, () => 1);

  it("resolves deps on it and is marked external in the snapshot", () => {
    const g = graphOf([events, stg]);
    expect(g.get("app/events").external).toBe(true);
    expect(g.get("app/events").description).toBe("Loaded by the app");
    expect(g.get("stg/events").external).toBeUndefined();
    expect(g.parents("stg/events")).toEqual(["app/events"]);
  });

  it("without it, a dep on the source key is unknown", () => {
    expect(() => graphOf([stg])).toThrow(/unknown asset "app\/events"/);
  });

  it("is left out of plans that select it with others, and refused alone", () => {
    const g = graphOf([events, stg]);
    const plan = planRun(g, ["app/events", "stg/events"]);
    expect(plan.assetKeys).toEqual(["stg/events"]);
    expect(plan.steps.map((s) => s.key)).toEqual(["stg__events"]);
    expect(() => planRun(g, ["app/events"])).toThrow(expect.objectContaining({ code: "PLAN_INVALID", message: expect.stringContaining("external") }));
  });

  it("its standalone checks run when it is selected, alone or with others, with no asset step", () => {
    const fresh = assetCheck({ asset: events, name: "freshness" }, () => true);
    const g = graphOf([events, stg], [fresh]);
    const alone = planRun(g, ["app/events"]);
    expect(alone.assetKeys).toEqual([]);
    expect(alone.checkKeys).toEqual(["app/events:freshness"]);
    expect(alone.steps).toEqual([expect.objectContaining({ kind: "check", checkKeys: ["app/events:freshness"], dependsOn: [], upstreamAssets: [] })]);
    const both = planRun(g, ["app/events", "stg/events"]);
    expect(both.checkKeys).toEqual(["app/events:freshness"]);
    expect(both.steps.map((s) => s.kind).sort()).toEqual(["asset", "check"]);
    // Not selected: not run; explicitly chosen checks still win; includeChecks: false still refuses.
    expect(planRun(g, ["stg/events"]).checkKeys).toEqual([]);
    expect(planRun(g, ["app/events"], { checkKeys: ["app/events:freshness"] }).checkKeys).toEqual(["app/events:freshness"]);
    expect(() => planRun(g, ["app/events"], { includeChecks: false })).toThrow(expect.objectContaining({ code: "PLAN_INVALID" }));
  });

  it("refuses to run if called anyway, and keeps the flag through withAttributes", () => {
    expect(() => events.fn({} as never, {})).toThrow(/cannot be materialised/);
    expect(events.withAttributes({ group: "raw" }).external).toBe(true);
    expect(externalAssets([{ key: "a" }, { key: "b" }]).map((d) => [d.key, d.external])).toEqual([["a", true], ["b", true]]);
  });
});

describe("multiAsset spec codeRef and PartialMaterialization", () => {
  it("a spec may point at its own file", () => {
    const m = multiAsset({ specs: [{ key: "a", codeRef: { file: "/p/models/a.sql", line: 1 } }, { key: "b" }] }, () => []);
    expect(m.specs[0]!.codeRef).toEqual({ file: "/p/models/a.sql", line: 1 });
    expect(m.specs[1]!.codeRef?.file).not.toBe("/p/models/a.sql");
  });

  it("carries the produced results and the cause", () => {
    const cause = new Error("model b failed");
    const e = new PartialMaterialization([new MaterializeResult({ assetKey: "a" })], cause);
    expect(e.message).toBe("model b failed");
    expect(e.cause).toBe(cause);
    expect(e.results).toHaveLength(1);
  });
});
