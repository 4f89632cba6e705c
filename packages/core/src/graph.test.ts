import { describe, expect, it } from "vitest";
import { asset, multiAsset, type AssetsDefinition } from "./asset.ts";
import { assetCheck, type AssetCheckDefinition } from "./asset-check.ts";
import { buildSnapshot } from "./build-snapshot.ts";
import { defineDefinitions } from "./definitions.ts";
import { StrataError } from "./errors.ts";
import { AssetGraph, findCycle, kahn } from "./graph.ts";

/** Process CPU time in ms: timing bounds must not fail because a shared machine is busy. */
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const noop = () => undefined;

function graphOf(assets: AssetsDefinition[], checks: AssetCheckDefinition[] = []): AssetGraph {
  return AssetGraph.fromSnapshot(
    buildSnapshot(defineDefinitions({ assets, checks }), { location: "test", root: "/" }),
  );
}

/**
 *   a ─┬─> b ──> d ──> e
 *      └─> c ──┘
 *   x (isolated)
 */
const a = asset({ key: "a" }, noop);
const b = asset({ key: "b", deps: [a] }, noop);
const c = asset({ key: "c", ins: { a } }, noop);
const d = asset({ key: "d", deps: [b, c, "b"], ins: { fromB: b } }, noop);
const e = asset({ key: "e", deps: [d], checks: [{ name: "inline" }] }, noop);
const x = asset({ key: "x" }, noop);
const standalone = assetCheck({ asset: d, name: "solo", blocking: true }, () => true);
const g = graphOf([a, b, c, d, e, x], [standalone]);

describe("AssetGraph basics", () => {
  it("knows its nodes", () => {
    expect(g.size).toBe(6);
    expect([...g.keys()]).toEqual(["a", "b", "c", "d", "e", "x"]);
    expect([...g.assets()].map((n) => n.key)).toEqual(["a", "b", "c", "d", "e", "x"]);
    expect(g.has("d")).toBe(true);
    expect(g.has("nope")).toBe(false);
    expect(g.get("d").key).toBe("d");
    expect(g.find("nope")).toBeUndefined();
    expect(g.snapshot.assets).toHaveLength(6);
  });

  it("throws PLAN_INVALID for an unknown key in get()", () => {
    expect(() => g.get("nope")).toThrow(StrataError);
    expect(() => g.get("nope")).toThrow('Unknown asset "nope"');
  });

  it("lists each parent and child once, however often it is referenced", () => {
    expect(g.parents("d")).toEqual(["b", "c"]);
    expect(g.children("a")).toEqual(["b", "c"]);
    expect(g.children("b")).toEqual(["d"]);
    expect(g.parents("a")).toEqual([]);
    expect(g.parents("unknown")).toEqual([]);
    expect(g.children("unknown")).toEqual([]);
  });

  it("knows roots and sinks", () => {
    expect([...g.keys()].filter((k) => g.isRoot(k))).toEqual(["a", "x"]);
    expect([...g.keys()].filter((k) => g.isSink(k))).toEqual(["e", "x"]);
  });

  it("finds checks by key and by asset", () => {
    expect(g.check("d:solo")).toMatchObject({ asset: "d", inline: false, blocking: true });
    expect(g.check("e:inline")).toMatchObject({ asset: "e", inline: true });
    expect(g.check("d:nope")).toBeUndefined();
    expect([...g.checks()].map((ch) => ch.key)).toEqual(["e:inline", "d:solo"]);
    expect(g.checksOf("d").map((ch) => ch.key)).toEqual(["d:solo"]);
    expect(g.checksOf("a")).toEqual([]);
    expect(g.checksOf("unknown")).toEqual([]);
  });

  it("ignores deps on keys that are not in the snapshot", () => {
    const snap = buildSnapshot(defineDefinitions({ assets: [a, b] }), { location: "t", root: "/" });
    snap.assets[1]!.deps.push({ key: "ghost" });
    const g2 = AssetGraph.fromSnapshot(snap);
    expect(g2.parents("b")).toEqual(["a"]);
  });
});

describe("upstream and downstream", () => {
  it("include the start keys and everything reachable", () => {
    expect([...g.upstream(["e"])].sort()).toEqual(["a", "b", "c", "d", "e"]);
    expect([...g.downstream(["a"])].sort()).toEqual(["a", "b", "c", "d", "e"]);
    expect([...g.downstream(["x"])]).toEqual(["x"]);
  });

  it("stop after the given depth", () => {
    expect([...g.upstream(["e"], 0)]).toEqual(["e"]);
    expect([...g.upstream(["e"], 1)].sort()).toEqual(["d", "e"]);
    expect([...g.upstream(["e"], 2)].sort()).toEqual(["b", "c", "d", "e"]);
    expect([...g.upstream(["e"], 3)].sort()).toEqual(["a", "b", "c", "d", "e"]);
    expect([...g.downstream(["a"], 1)].sort()).toEqual(["a", "b", "c"]);
    expect([...g.downstream(["b"], 1)].sort()).toEqual(["b", "d"]);
  });

  it("count depth as the shortest distance", () => {
    // f depends on a directly and through b: it is one level down from a.
    const f = asset({ key: "f", deps: [a, b] }, noop);
    const g2 = graphOf([a, b, f]);
    expect([...g2.downstream(["a"], 1)].sort()).toEqual(["a", "b", "f"]);
  });

  it("start from several keys, ignoring unknown and repeated ones", () => {
    expect([...g.upstream(["b", "c", "b", "ghost"], 1)].sort()).toEqual(["a", "b", "c"]);
    expect([...g.downstream(["ghost"])]).toEqual([]);
    expect([...g.downstream(new Set(["d", "x"]))].sort()).toEqual(["d", "e", "x"]);
  });
});

describe("toposort", () => {
  it("puts every parent before its children", () => {
    const order = g.toposort();
    expect([...order].sort()).toEqual(["a", "b", "c", "d", "e", "x"]);
    const pos = new Map(order.map((k, i) => [k, i]));
    for (const k of order) for (const p of g.parents(k)) expect(pos.get(p)!).toBeLessThan(pos.get(k)!);
  });

  it("is computed once", () => {
    expect(g.toposort()).toBe(g.toposort());
  });

  it("orders assets of a multi-asset that depend on each other", () => {
    const m = multiAsset({ specs: [{ key: "late", deps: ["early"] }, { key: "early" }] }, noop);
    expect(graphOf([m]).toposort()).toEqual(["early", "late"]);
  });

  it("throws DEFS_CYCLE naming the cycle on a cyclic snapshot", () => {
    const snap = buildSnapshot(defineDefinitions({ assets: [a, b, c] }), { location: "t", root: "/" });
    snap.assets[0]!.deps.push({ key: "b" });
    const cyclic = AssetGraph.fromSnapshot(snap);
    expect(cyclic.findCycle()).toEqual(["a", "b", "a"]);
    expect(() => cyclic.toposort()).toThrow("Assets form a cycle: a -> b -> a");
    try {
      cyclic.toposort();
    } catch (err) {
      expect((err as StrataError).code).toBe("DEFS_CYCLE");
    }
  });

  it("findCycle is undefined for an acyclic graph", () => {
    expect(g.findCycle()).toBeUndefined();
  });
});

describe("kahn and findCycle helpers", () => {
  const edges: Record<string, string[]> = { a: [], b: ["a"], c: ["b"], d: ["a", "c"] };
  const children = (k: string) => Object.keys(edges).filter((c) => edges[c]!.includes(k));

  it("kahn orders parents first", () => {
    expect(kahn(["d", "c", "b", "a"], (k) => edges[k]!, children)).toEqual(["a", "b", "c", "d"]);
  });

  it("kahn returns fewer items when there is a cycle", () => {
    const cyc: Record<string, string[]> = { a: ["c"], b: ["a"], c: ["b"], r: [] };
    const kids = (k: string) => Object.keys(cyc).filter((c) => cyc[c]!.includes(k));
    expect(kahn(["a", "b", "c", "r"], (k) => cyc[k]!, kids)).toEqual(["r"]);
  });

  it("findCycle returns a closed path, reversed into flow order", () => {
    expect(findCycle(["a", "b", "c", "d"], (k) => edges[k]!)).toBeUndefined();
    const cyc: Record<string, string[]> = { a: ["c"], b: ["a"], c: ["b"] };
    expect(findCycle(["a", "b", "c"], (k) => cyc[k]!)).toEqual(["a", "b", "c", "a"]);
    expect(findCycle(["s"], () => ["s"])).toEqual(["s", "s"]);
  });

  it("findCycle handles diamonds without reporting a cycle", () => {
    const diamond: Record<string, string[]> = { top: [], l: ["top"], r: ["top"], bottom: ["l", "r"] };
    expect(findCycle(["bottom", "l", "r", "top"], (k) => diamond[k]!)).toBeUndefined();
  });
});

describe("a 10,000-deep chain", () => {
  const N = 10_000;
  const chain: AssetsDefinition[] = [];
  for (let i = 0; i < N; i++) {
    const codeRef = { file: "/proj/chain.ts", line: i + 1 };
    chain.push(asset({ key: `n${i}`, deps: i === 0 ? [] : [`n${i - 1}`], codeRef }, noop));
  }

  it("builds, sorts and walks without stack overflow in well under a second", () => {
    const t0 = cpuNow();
    const snap = buildSnapshot(defineDefinitions({ assets: chain }), { location: "test", root: "/" });
    const buildMs = cpuNow() - t0;
    const t1 = cpuNow();
    const big = AssetGraph.fromSnapshot(snap);
    const order = big.toposort();
    const up = big.upstream([`n${N - 1}`]);
    const down = big.downstream(["n0"]);
    const cycle = big.findCycle();
    const graphMs = cpuNow() - t1;
    expect(order).toHaveLength(N);
    expect(order[0]).toBe("n0");
    expect(order[N - 1]).toBe(`n${N - 1}`);
    expect(up.size).toBe(N);
    expect(down.size).toBe(N);
    expect(cycle).toBeUndefined();
    expect(big.upstream([`n${N - 1}`], 10).size).toBe(11);
    // Graph work is tens of ms; validation (cold JIT, GC on a loaded machine) gets a looser
    // bound that still catches anything quadratic. bench/ measures the real budget.
    expect(graphMs).toBeLessThan(500);
    expect(buildMs).toBeLessThan(3000);
  });

  it("reports a cycle closing the whole chain without stack overflow", () => {
    const closing = asset(
      { key: "n0", deps: [`n${N - 1}`], codeRef: { file: "/proj/chain.ts", line: 1 } },
      noop,
    );
    const err = (() => {
      try {
        graphOf([closing, ...chain.slice(1)]);
      } catch (e) {
        return e as StrataError;
      }
      throw new Error("expected a cycle");
    })();
    expect(err.code).toBe("DEFS_CYCLE");
    expect(err.message.startsWith("Assets form a cycle: n0 -> n1 -> n2 -> ")).toBe(true);
    expect(err.message.endsWith(`-> n${N - 1} -> n0`)).toBe(true);
  });
});
