import { describe, expect, it } from "vitest";
import { asset, multiAsset, type AssetsDefinition } from "./asset.ts";
import { assetCheck, type AssetCheckDefinition } from "./asset-check.ts";
import { buildSnapshot } from "./build-snapshot.ts";
import { defineDefinitions } from "./definitions.ts";
import { StrataError } from "./errors.ts";
import { AssetGraph } from "./graph.ts";
import { assetsToReexecute, planRun, type ExecutionPlan, type PlanStep } from "./planner.ts";

/** Process CPU time in ms: timing bounds must not fail because a shared machine is busy. */
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const noop = () => undefined;
const pass = () => true;

function graphOf(assets: AssetsDefinition[], checks: AssetCheckDefinition[] = []): AssetGraph {
  const resources = { warehouse: { url: "x" }, slack: {} };
  return AssetGraph.fromSnapshot(
    buildSnapshot(defineDefinitions({ assets, checks, resources }), { location: "test", root: "/" }),
  );
}

function step(plan: ExecutionPlan, key: string): PlanStep {
  const s = plan.steps.find((x) => x.key === key);
  if (!s) throw new Error(`no step ${key} in ${plan.steps.map((x) => x.key).join(", ")}`);
  return s;
}

function planError(fn: () => unknown): StrataError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StrataError);
    return err as StrataError;
  }
  throw new Error("expected a StrataError");
}

/** raw/orders ──> stg/orders ──> mart/totals <── raw/customers */
const rawOrders = asset(
  {
    key: "raw/orders",
    tags: { source: "api" },
    pool: "api",
    retry: { maxRetries: 2 },
    checks: [{ name: "has_rows", blocking: true }],
  },
  noop,
);
const rawCustomers = asset({ key: "raw/customers", checks: [{ name: "unique_ids" }] }, noop);
const stgOrders = asset({ key: "stg/orders", ins: { rawOrders }, resources: ["warehouse"] }, noop);
const totals = asset({ key: "mart/totals", deps: [stgOrders, rawCustomers] }, noop);
const stgNotNull = assetCheck(
  { asset: stgOrders, name: "not_null", blocking: true, resources: ["slack"] },
  pass,
);
const stgWarn = assetCheck({ asset: stgOrders, name: "row_count_warn", severity: "WARN" }, pass);
const totalsCheck = assetCheck({ asset: totals, name: "sums_match" }, pass);
const g = graphOf([totals, stgOrders, rawCustomers, rawOrders], [stgNotNull, stgWarn, totalsCheck]);
const ALL = ["raw/orders", "raw/customers", "stg/orders", "mart/totals"];

describe("planRun: steps and order", () => {
  const plan = planRun(g, ALL);

  it("orders steps so every step comes after the steps it depends on", () => {
    const pos = new Map(plan.steps.map((s, i) => [s.key, i]));
    expect(pos.size).toBe(plan.steps.length);
    for (const s of plan.steps)
      for (const d of s.dependsOn) expect(pos.get(d)!).toBeLessThan(pos.get(s.key)!);
    expect(pos.get("raw__orders")!).toBeLessThan(pos.get("stg__orders")!);
    expect(pos.get("stg__orders")!).toBeLessThan(pos.get("mart__totals")!);
  });

  it("lists the planned assets and checks", () => {
    expect([...plan.assetKeys].sort()).toEqual([...ALL].sort());
    expect([...plan.checkKeys].sort()).toEqual(
      [
        "raw/orders:has_rows",
        "raw/customers:unique_ids",
        "stg/orders:not_null",
        "stg/orders:row_count_warn",
        "mart/totals:sums_match",
      ].sort(),
    );
  });

  it("copies resources, tags, pool and retry onto asset steps", () => {
    expect(step(plan, "raw__orders")).toMatchObject({
      kind: "asset",
      assetKeys: ["raw/orders"],
      tags: { source: "api" },
      pool: "api",
      retry: { maxRetries: 2 },
      resources: [],
    });
    expect(step(plan, "stg__orders").resources).toEqual(["warehouse"]);
    expect("pool" in step(plan, "stg__orders")).toBe(false);
    expect("retry" in step(plan, "stg__orders")).toBe(false);
  });

  it("runs inline checks in the asset's own step", () => {
    expect(step(plan, "raw__orders").checkKeys).toEqual(["raw/orders:has_rows"]);
    expect(step(plan, "raw__customers").checkKeys).toEqual(["raw/customers:unique_ids"]);
    expect(plan.steps.some((s) => s.key.includes("has_rows"))).toBe(false);
  });

  it("runs standalone checks as their own steps after the asset", () => {
    const c = step(plan, "stg__orders__check__not_null");
    expect(c).toEqual({
      key: "stg__orders__check__not_null",
      kind: "check",
      assetKeys: [],
      checkKeys: ["stg/orders:not_null"],
      dependsOn: ["stg__orders"],
      upstreamAssets: ["stg/orders"],
      blockingChecks: [],
      resources: ["slack"],
      tags: {},
    });
    expect(step(plan, "mart__totals__check__sums_match").dependsOn).toEqual(["mart__totals"]);
  });

  it("makes blocking checks on upstream assets dependencies of the downstream step", () => {
    const stg = step(plan, "stg__orders");
    // Inline blocking check: already covered by the dependency on its asset's step.
    expect(stg.dependsOn).toEqual(["raw__orders"]);
    expect(stg.blockingChecks).toEqual(["raw/orders:has_rows"]);
    expect(stg.upstreamAssets).toEqual(["raw/orders"]);

    const mart = step(plan, "mart__totals");
    // Standalone blocking check: its step must finish before the downstream step starts.
    expect([...mart.dependsOn].sort()).toEqual([
      "raw__customers",
      "stg__orders",
      "stg__orders__check__not_null",
    ]);
    // Non-blocking checks (unique_ids, the WARN one) do not gate anything.
    expect(mart.blockingChecks).toEqual(["stg/orders:not_null"]);
    expect([...mart.upstreamAssets].sort()).toEqual(["raw/customers", "stg/orders"]);
  });

  it("root steps have no dependencies", () => {
    for (const k of ["raw__orders", "raw__customers"]) {
      expect(step(plan, k)).toMatchObject({ dependsOn: [], upstreamAssets: [], blockingChecks: [] });
    }
  });
});

describe("planRun: partial selections", () => {
  it("only counts upstream assets produced in this run", () => {
    const plan = planRun(g, ["stg/orders", "mart/totals"]);
    expect(plan.steps.map((s) => s.key).filter((k) => !k.includes("check"))).toEqual([
      "stg__orders",
      "mart__totals",
    ]);
    expect(step(plan, "stg__orders")).toMatchObject({
      dependsOn: [],
      upstreamAssets: [],
      blockingChecks: [],
    });
    expect(step(plan, "mart__totals").upstreamAssets).toEqual(["stg/orders"]);
    expect(plan.checkKeys).not.toContain("raw/orders:has_rows");
  });

  it("ignores blocking checks of upstream assets outside the run", () => {
    const plan = planRun(g, ["stg/orders"]);
    expect(step(plan, "stg__orders").blockingChecks).toEqual([]);
  });

  it("plans nothing for an empty selection", () => {
    expect(planRun(g, [])).toEqual({ steps: [], assetKeys: [], checkKeys: [] });
  });

  it("rejects an unknown asset", () => {
    const err = planError(() => planRun(g, ["raw/orders", "nope"]));
    expect(err.code).toBe("PLAN_INVALID");
    expect(err.message).toBe('Unknown asset "nope" in selection');
  });

  it("accepts any iterable and repeated keys", () => {
    const plan = planRun(g, new Set(["raw/orders", "raw/orders"]));
    expect(plan.assetKeys).toEqual(["raw/orders"]);
    expect(plan.steps).toHaveLength(1);
  });
});

describe("planRun: check options", () => {
  it("includeChecks: false plans no checks and no blocking gates", () => {
    const plan = planRun(g, ALL, { includeChecks: false });
    expect(plan.checkKeys).toEqual([]);
    expect(
      plan.steps.every(
        (s) => s.kind === "asset" && s.checkKeys.length === 0 && s.blockingChecks.length === 0,
      ),
    ).toBe(true);
    expect(step(plan, "mart__totals").dependsOn.sort()).toEqual(["raw__customers", "stg__orders"]);
  });

  it("checkKeys plans only the listed checks", () => {
    const plan = planRun(g, ALL, { checkKeys: ["stg/orders:row_count_warn", "raw/orders:has_rows"] });
    expect([...plan.checkKeys].sort()).toEqual(["raw/orders:has_rows", "stg/orders:row_count_warn"]);
    expect(step(plan, "raw__customers").checkKeys).toEqual([]);
    expect(plan.steps.filter((s) => s.kind === "check").map((s) => s.key)).toEqual([
      "stg__orders__check__row_count_warn",
    ]);
    expect(step(plan, "mart__totals").blockingChecks).toEqual([]);
    expect(step(plan, "stg__orders").blockingChecks).toEqual(["raw/orders:has_rows"]);
  });

  it("checkKeys can run a standalone check alone, without materialising its asset", () => {
    const plan = planRun(g, [], { checkKeys: ["stg/orders:not_null"] });
    expect(plan.assetKeys).toEqual([]);
    expect(plan.checkKeys).toEqual(["stg/orders:not_null"]);
    expect(plan.steps).toEqual([
      expect.objectContaining({
        key: "stg__orders__check__not_null",
        kind: "check",
        dependsOn: [],
        upstreamAssets: [],
      }),
    ]);
  });

  it("checkKeys skips inline checks of assets not in the run (their asset's function reports them)", () => {
    const plan = planRun(g, ["stg/orders"], { checkKeys: ["raw/orders:has_rows"] });
    expect(plan.checkKeys).toEqual([]);
    expect(plan.steps.map((s) => s.key)).toEqual(["stg__orders"]);
  });

  it("checkKeys rejects an unknown check", () => {
    const err = planError(() => planRun(g, ALL, { checkKeys: ["raw/orders:nope"] }));
    expect(err.code).toBe("PLAN_INVALID");
    expect(err.message).toBe('Unknown check "raw/orders:nope"');
  });

  it("checkKeys overrides includeChecks: false", () => {
    const plan = planRun(g, ALL, { includeChecks: false, checkKeys: ["mart/totals:sums_match"] });
    expect(plan.checkKeys).toEqual(["mart/totals:sums_match"]);
  });
});

describe("planRun: multi-assets", () => {
  const src = asset({ key: "src" }, noop);
  const fixed = multiAsset(
    { name: "fixed", specs: [{ key: "f/a", deps: [src] }, { key: "f/b" }, { key: "f/c", deps: ["f/a"] }] },
    noop,
  );
  const flexible = multiAsset(
    { name: "flex", canSubset: true, specs: [{ key: "x/a" }, { key: "x/b", deps: ["f/b"] }] },
    noop,
  );
  const after = asset({ key: "after", deps: ["f/c", "x/b"] }, noop);
  const mg = graphOf([src, fixed, flexible, after]);

  it("runs all assets of a multi-asset in one step, in dependency order", () => {
    const plan = planRun(mg, ["src", "f/a", "f/b", "f/c", "x/a", "x/b", "after"]);
    const fixedKeys = step(plan, "fixed").assetKeys;
    expect([...fixedKeys].sort()).toEqual(["f/a", "f/b", "f/c"]);
    expect(fixedKeys.indexOf("f/a")).toBeLessThan(fixedKeys.indexOf("f/c"));
    expect(step(plan, "fixed").dependsOn).toEqual(["src"]);
    expect(step(plan, "fixed").upstreamAssets).toEqual(["src"]);
    expect(step(plan, "flex").dependsOn).toEqual(["fixed"]);
    expect(step(plan, "flex").upstreamAssets).toEqual(["f/b"]);
    expect(step(plan, "after").dependsOn.sort()).toEqual(["fixed", "flex"]);
    expect(plan.steps.map((s) => s.key)).toEqual(["src", "fixed", "flex", "after"]);
  });

  it("rejects a subset of a multi-asset that cannot subset, saying what to add", () => {
    const err = planError(() => planRun(mg, ["f/a", "f/c"]));
    expect(err.code).toBe("PLAN_SUBSET");
    expect(err.message).toBe('"fixed" produces f/a, f/b, f/c together and cannot run for only some of them');
    expect(err.assetKey).toBe("f/a");
    expect(err.hint).toBe("Also select f/b, or declare the multi-asset with canSubset: true.");
  });

  it("allows a subset of a multi-asset that can subset", () => {
    const plan = planRun(mg, ["x/b"]);
    expect(plan.steps).toHaveLength(1);
    expect(step(plan, "flex").assetKeys).toEqual(["x/b"]);
    expect(step(plan, "flex").dependsOn).toEqual([]);
  });

  it("puts inline checks of a multi-asset into its step", () => {
    const m = multiAsset(
      {
        name: "mm",
        specs: [
          { key: "m1", checks: [{ name: "c1" }] },
          { key: "m2", checks: [{ name: "c2" }] },
        ],
      },
      noop,
    );
    const plan = planRun(graphOf([m]), ["m1", "m2"]);
    expect(step(plan, "mm").checkKeys.sort()).toEqual(["m1:c1", "m2:c2"]);
  });
});

describe("planRun: a 10,000-step chain", () => {
  it("plans in order without stack overflow", () => {
    const chain: AssetsDefinition[] = [];
    for (let i = 0; i < 10_000; i++) {
      chain.push(
        asset(
          { key: `n${i}`, deps: i === 0 ? [] : [`n${i - 1}`], codeRef: { file: "/c.ts", line: i + 1 } },
          noop,
        ),
      );
    }
    const big = graphOf(chain);
    const t0 = cpuNow();
    const plan = planRun(big, big.keys());
    const ms = cpuNow() - t0;
    expect(plan.steps).toHaveLength(10_000);
    expect(plan.steps[0]!.key).toBe("n0");
    expect(plan.steps[9_999]!.dependsOn).toEqual(["n9998"]);
    expect(plan.steps.every((s, i) => s.key === `n${i}`)).toBe(true);
    expect(ms).toBeLessThan(1000);
  });
});

describe("assetsToReexecute", () => {
  it("returns planned assets that were not materialised, in plan order", () => {
    expect(assetsToReexecute(["a", "b", "c", "d"], new Set(["a", "c"]))).toEqual(["b", "d"]);
  });

  it("returns nothing when everything was materialised, and everything when nothing was", () => {
    expect(assetsToReexecute(["a", "b"], new Set(["a", "b", "extra"]))).toEqual([]);
    expect(assetsToReexecute(new Set(["a", "b"]), new Set())).toEqual(["a", "b"]);
  });
});

describe("blocking checks on assets outside the run", () => {
  it("gate the downstream when the check itself is in the run", async () => {
    const { asset, assetCheck, defineDefinitions, buildSnapshot, AssetGraph, planRun } = await import("./index.ts");
    const up = asset({ name: "up" }, () => 1);
    const down = asset({ name: "down", deps: [up] }, () => 1);
    const gate = assetCheck({ asset: up, name: "gate", blocking: true }, () => true);
    const graph = AssetGraph.fromSnapshot(
      buildSnapshot(defineDefinitions({ assets: [up, down], checks: [gate] }), { location: "t", root: "/" }),
    );
    const plan = planRun(graph, ["down"], { checkKeys: ["up:gate"] });
    const downStep = plan.steps.find((s) => s.key === "down")!;
    expect(downStep.blockingChecks).toEqual(["up:gate"]);
    expect(downStep.dependsOn).toEqual(["up__check__gate"]);
    expect(downStep.upstreamAssets).toEqual([]);
    expect(plan.steps.map((s) => s.key)).toEqual(["up__check__gate", "down"]);
  });
});
