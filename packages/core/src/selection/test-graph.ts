import { AssetGraph } from "../graph.ts";
import type { AssetNodeSnapshot } from "../snapshot.ts";

/** Attributes a test asset may set; everything else gets a neutral default. */
export interface TestAssetAttrs {
  group?: string;
  kinds?: string[];
  tags?: Record<string, string>;
  owners?: string[];
  location?: string;
}

/** Test-only: an asset node with the given key, dependency keys and attributes. */
export function testAsset(key: string, deps: string[] = [], attrs: TestAssetAttrs = {}): AssetNodeSnapshot {
  return {
    key,
    node: key,
    deps: deps.map((d) => ({ key: d })),
    group: attrs.group ?? "default",
    kinds: attrs.kinds ?? [],
    tags: attrs.tags ?? {},
    owners: attrs.owners ?? [],
    metadata: {},
    resources: [],
    io: "default",
    canSubset: false,
    checks: [],
    ...(attrs.location === undefined ? {} : { location: attrs.location }),
  };
}

/** Test-only: a graph over the given assets in code location `location`. */
export function testGraph(assets: AssetNodeSnapshot[], location = "test"): AssetGraph {
  return AssetGraph.fromSnapshot({
    version: 1,
    location,
    root: "/",
    assets,
    checks: [],
    resources: [],
    executor: { maxConcurrent: 8, tagConcurrencyLimits: [] },
    pools: {},
  });
}
