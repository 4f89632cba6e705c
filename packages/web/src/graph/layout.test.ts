import { describe, expect, it } from "vitest";
import { countCrossings, layout, NODE_H } from "./layout.ts";
import { filterCatalog, indexCatalog } from "../lib/catalog.ts";
import type { AssetSummary } from "../lib/api.ts";

describe("layered layout", () => {
  it("puts every node one layer after its deepest upstream, without overlaps, groups in separate bands", () => {
    const nodes = ["a", "b", "c", "d", "e"].map((key, i) => ({ key, group: i < 2 ? "raw" : "mart" }));
    const edges: [number, number][] = [[0, 2], [1, 2], [2, 3], [0, 3], [3, 4]];
    const r = layout({ nodes, edges });
    expect([...r.layer]).toEqual([0, 0, 1, 2, 3]);
    for (const [a, b] of edges) expect(r.x[b]!).toBeGreaterThan(r.x[a]!);
    expect(Math.abs(r.y[0]! - r.y[1]!)).toBeGreaterThanOrEqual(NODE_H);
    const [g1, g2] = r.groups;
    expect(g1!.y1 <= g2!.y0 || g2!.y1 <= g1!.y0).toBe(true);
  });

  it("survives a cycle and reduces crossings compared with key order", () => {
    const r = layout({ nodes: [{ key: "x", group: "g" }, { key: "y", group: "g" }], edges: [[0, 1], [1, 0]] });
    expect(r.layers).toBeGreaterThan(0);
    // two crossing pairs by name order: a1→b2, a2→b1
    const nodes = ["a1", "a2", "b1", "b2"].map((key) => ({ key, group: "g" }));
    const edges: [number, number][] = [[0, 3], [1, 2]];
    expect(countCrossings(layout({ nodes, edges, sweeps: 0 }), edges)).toBe(1);
    expect(countCrossings(layout({ nodes, edges }), edges)).toBe(0);
  });

  it("lays out 10,000 nodes and 15,000 edges quickly", () => {
    const n = 10_000;
    const nodes = Array.from({ length: n }, (_, i) => ({ key: `k${i}`, group: `g${i % 20}` }));
    const edges: [number, number][] = [];
    for (let i = 0; edges.length < 15_000; i++) edges.push([i % (n - 50), (i % (n - 50)) + 1 + (i % 49)]);
    const r = layout({ nodes, edges });
    expect(r.x.length).toBe(n);
    expect(r.ms).toBeLessThan(3000);
  });
});

describe("catalog filter", () => {
  it("matches every term across key, group, kinds, owners and tags, and facets exactly", () => {
    const mk = (key: string, group: string, kinds: string[], owners: string[]): AssetSummary => ({ key, group, kinds, owners, tags: { tier: "gold" }, status: "materialized", checks: [] });
    const rows = indexCatalog([mk("mart/orders", "mart", ["SQL"], ["team:data"]), mk("raw/orders", "raw", ["python"], []), mk("mart/users", "mart", ["sql"], [])]);
    expect(filterCatalog(rows, { q: "ORDERS sql" }).map((r) => r.a.key)).toEqual(["mart/orders"]);
    expect(filterCatalog(rows, { q: "", group: "mart", kind: "sql" }).map((r) => r.a.key)).toEqual(["mart/orders", "mart/users"]);
    expect(filterCatalog(rows, { q: "", tag: "tier=gold", owner: "team:data" })).toHaveLength(1);
  });
});
