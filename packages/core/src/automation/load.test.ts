import { describe, expect, it } from "vitest";
import { multiAsset } from "../asset.ts";
import { buildSnapshot } from "../build-snapshot.ts";
import { defineDefinitions, type DefinitionsInput } from "../definitions.ts";
import { type StrataError } from "../errors.ts";
import { AssetGraph } from "../graph.ts";
import { AutomationCondition as C, type AutomationConditionSnapshot } from "./condition.ts";
import { evaluateAutomation } from "./evaluate.ts";
import { freshnessPolicy } from "./freshness.ts";
import { MemoryAutomationView } from "./storage-view.ts";
import { node } from "./test-fixtures.ts";

const build = (assets: DefinitionsInput["assets"]) => buildSnapshot(defineDefinitions({ assets }), { location: "t", root: "/" });
const err = (fn: () => unknown): StrataError => {
  try {
    fn();
  } catch (e) {
    return e as StrataError;
  }
  throw new Error("did not throw");
};

describe("automation in definitions and snapshots", () => {
  it("asset options `automation` and `freshness` land in the snapshot and round-trip through JSON", () => {
    const snap = build([
      node("raw/orders"),
      node("mart/orders", ["raw/orders"], {
        automation: C.eager().or(C.onCron("0 6 * * *", "America/New_York")),
        freshness: freshnessPolicy.timeWindow({ failAfter: "1d", warnAfter: "12h" }),
      }),
    ]);
    const a = snap.assets.find((x) => x.key === "mart/orders")!;
    expect(a.automation).toEqual(C.eager().or(C.onCron("0 6 * * *", "America/New_York")).snapshot);
    expect(a.freshness).toEqual({ kind: "time_window", failAfterMs: 86_400_000, warnAfterMs: 43_200_000 });
    expect(snap.schedules).toEqual([]);
    expect(snap.sensors).toEqual([]);
    const json = JSON.parse(JSON.stringify(snap)) as typeof snap;
    expect(json).toEqual(snap);
    const back = C.from(json.assets.find((x) => x.key === "mart/orders")!.automation!);
    expect(back.snapshot).toEqual(a.automation);
    // The daemon evaluates from the parsed JSON alone.
    const r = evaluateAutomation(AssetGraph.fromSnapshot(json), undefined, new MemoryAutomationView(), undefined, Date.now());
    expect(r.evaluations.map((e) => e.assetKey)).toEqual(["mart/orders"]);
  });

  it("multi-asset specs and withAttributes keep the condition", () => {
    const m = multiAsset({ specs: [{ key: "m1", automation: C.onMissing() }, { key: "m2" }] }, () => undefined);
    const snap = build([m.withAttributes({ group: "g" })]);
    expect(snap.assets.map((a) => a.automation?.label)).toEqual(["on_missing", undefined]);
  });

  it("an unknown asset in an allow/ignore selection fails at load with file:line", () => {
    const e = err(() => build([node("raw/orders"), node("mart", ["raw/orders"], { automation: C.anyDepsMatch(C.missing()).allow(["raw/ordres"]) })]));
    expect(e.code).toBe("DEFS_UNKNOWN_DEP");
    expect(e.message).toBe('Asset "mart" automation condition any_deps_match.allow("raw/ordres") references unknown asset "raw/ordres"');
    expect(e.hint).toBe('Did you mean "raw/orders"?');
    expect(e.where).toMatch(/load\.test\.ts:\d+$/);
    const e2 = err(() => build([node("a"), node("b", ["a"], { automation: C.eager().and(C.allDepsMatch(C.missing()).ignore("tag:nothing")) })]));
    expect(e2.code).toBe("SELECTION_EMPTY");
  });

  it("rejects garbage automation and freshness options naming the asset", () => {
    const e = err(() => node("x", [], { automation: { type: "sometimes" } as unknown as C }));
    expect(e.message).toMatch(/Asset "x" has an invalid automation condition: Invalid automation condition at automation: unknown type "sometimes"/);
    expect(e.assetKey).toBe("x");
    expect(e.where).toMatch(/load\.test\.ts:\d+$/);
    // A plain JSON condition (e.g. from YAML) is accepted.
    const ok = node("y", [], { automation: { type: "missing" } as AutomationConditionSnapshot as unknown as C });
    expect(ok.specs[0]!.automation).toEqual({ type: "missing" });
    expect(() => node("z", [], { freshness: { kind: "time_window", failAfterMs: -5 } as never })).toThrow(/Asset "z" has an invalid freshness policy/);
  });
});
