import { describe, expect, it } from "vitest";
import { asset, type AssetsDefinition } from "./asset.ts";
import { buildSnapshot } from "./build-snapshot.ts";
import { defineDefinitions } from "./definitions.ts";
import { AssetGraph } from "./graph.ts";
import { summarizePartitionStatus, type PartitionDisplayStatus, type PartitionFact, type PartitionFactList } from "./partition-status.ts";
import {
  allPartitions,
  dailyPartitions,
  dynamicPartitions,
  getPartitionKeys,
  lastPartition,
  multiPartitions,
  multiToSingleDimension,
  staticMapping,
  staticPartitions,
  timeWindowMapping,
  upstreamKeysFor,
  weeklyPartitions,
} from "./partitions/index.ts";

const now = Date.UTC(2024, 2, 1);
const ctx = { now };
const days = dailyPartitions({ start: "2024-01-01" });
const weeks = weeklyPartitions({ start: "2024-01-01", dayOffset: 1 });
const regions = staticPartitions(["us", "eu", "apac"]);
const regionDays = multiPartitions({ date: days, region: regions });

function graphOf(assets: AssetsDefinition[]): AssetGraph {
  return AssetGraph.fromSnapshot(buildSnapshot(defineDefinitions({ assets }), { location: "test", root: process.cwd() }));
}

const up = asset({ key: "up", partitions: days }, () => undefined);
const upRegions = asset({ key: "up_regions", partitions: regions }, () => undefined);
const upMulti = asset({ key: "up_multi", partitions: regionDays }, () => undefined);
const graph = graphOf([
  up,
  upRegions,
  upMulti,
  asset({ key: "same_day", partitions: days, ins: { u: up } }, () => undefined),
  asset({ key: "yesterday", partitions: days, ins: { u: { asset: up, partitionMapping: timeWindowMapping({ startOffset: -1, endOffset: -1 }) } } }, () => undefined),
  asset({ key: "weekly", partitions: weeks, ins: { u: up } }, () => undefined),
  asset({ key: "all_days", partitions: regions, ins: { u: { asset: up, partitionMapping: allPartitions() } } }, () => undefined),
  asset({ key: "last_day", partitions: days, ins: { u: { asset: up, partitionMapping: lastPartition() } } }, () => undefined),
  asset({ key: "regions_static", partitions: regions, ins: { u: { asset: upRegions, partitionMapping: staticMapping({ us: ["us", "eu"], eu: "apac" }) } } }, () => undefined),
  asset({ key: "by_region", partitions: regions, ins: { u: { asset: upMulti, partitionMapping: multiToSingleDimension({ dimension: "region" }) } } }, () => undefined),
  asset({ key: "two_parents", partitions: days, ins: { a: up, y: { asset: up, partitionMapping: timeWindowMapping({ startOffset: -2, endOffset: -1 }) } } }, () => undefined),
]);

/** The definition of "stale", checked key by key against every upstream key (no shortcuts). */
function reference(assetKey: string, facts: Map<string, PartitionFact>, upstream: Map<string, Map<string, PartitionFact>>): PartitionDisplayStatus[] {
  const def = graph.partitionsOf(assetKey)!;
  return getPartitionKeys(def, ctx).map((key) => {
    const f = facts.get(key);
    if (!f) return "missing";
    if (f.status !== "materialized") return f.status;
    for (const p of graph.parents(assetKey)) {
      for (const m of graph.mappingsFor(assetKey, p)) {
        for (const uk of upstreamKeysFor(m, graph.partitionsOf(p)!, def, key, ctx)) {
          if ((upstream.get(p)?.get(uk)?.lastMaterializedAt ?? 0) > (f.lastMaterializedAt ?? 0)) return "stale";
        }
      }
    }
    return "materialized";
  });
}

/** Deterministic pseudo-random facts: some missing, failed, in progress; timestamps spread so some are newer upstream. */
function randomFacts(keys: string[], seed: number, spread: number): Map<string, PartitionFact> {
  let h = seed;
  const rnd = () => ((h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0) % 10_000) / 10_000;
  const out = new Map<string, PartitionFact>();
  for (const k of keys) {
    const r = rnd();
    if (r < 0.15) continue;
    if (r < 0.22) out.set(k, { status: "failed" });
    else if (r < 0.25) out.set(k, { status: "in_progress", lastMaterializedAt: Math.floor(rnd() * spread) });
    else out.set(k, { status: "materialized", lastMaterializedAt: 1000 + Math.floor(rnd() * spread) });
  }
  // A key that is not (or no longer) in the definition must be ignored, not throw.
  out.set("1999-01-01", { status: "materialized", lastMaterializedAt: 1e12 });
  return out;
}

describe("summarizePartitionStatus", () => {
  const assets = ["same_day", "yesterday", "weekly", "all_days", "last_day", "regions_static", "by_region", "two_parents"];
  for (const assetKey of assets) {
    it(`matches the key-by-key definition of stale for ${assetKey}`, () => {
      const keys = getPartitionKeys(graph.partitionsOf(assetKey)!, ctx);
      let stale = 0;
      // Spreads: upstream mostly older (few candidates), interleaved, and mostly newer (all checked).
      for (const [seed, upShift] of [
        [1, -5000],
        [2, 0],
        [3, 400],
        [4, 5000],
      ] as const) {
        const facts = randomFacts(keys, seed, 1000);
        const upstream = new Map<string, Map<string, PartitionFact>>();
        for (const p of graph.parents(assetKey)) {
          const upFacts = randomFacts(getPartitionKeys(graph.partitionsOf(p)!, ctx), seed * 7 + p.length, 1000);
          for (const f of upFacts.values()) if (f.lastMaterializedAt !== undefined) f.lastMaterializedAt += upShift;
          upstream.set(p, upFacts);
        }
        const summary = summarizePartitionStatus(graph, assetKey, facts, upstream, ctx);
        const expected = reference(assetKey, facts, upstream);
        const got = summary.ranges.flatMap((r) => Array<PartitionDisplayStatus>(r.count).fill(r.status));
        expect(got).toEqual(expected);
        expect(summary.counts.stale).toBe(expected.filter((s) => s === "stale").length);
        stale += summary.counts.stale;
      }
      expect(stale).toBeGreaterThan(0);
    });
  }

  it("gives the same summary from fact lists as from maps, in any key order", () => {
    const toList = (m: Map<string, PartitionFact>, order: (a: string, b: string) => number): PartitionFactList => {
      const keys = [...m.keys()].sort(order);
      return { keys, facts: keys.map((k) => m.get(k)!) };
    };
    const asc = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const desc = (a: string, b: string) => asc(b, a);
    for (const assetKey of assets) {
      const facts = randomFacts(getPartitionKeys(graph.partitionsOf(assetKey)!, ctx), 9, 1000);
      const upstream = new Map<string, Map<string, PartitionFact>>();
      for (const p of graph.parents(assetKey)) upstream.set(p, randomFacts(getPartitionKeys(graph.partitionsOf(p)!, ctx), 11, 1000));
      const fromMaps = summarizePartitionStatus(graph, assetKey, facts, upstream, ctx);
      for (const order of [asc, desc]) {
        const upLists = new Map([...upstream].map(([p, m]) => [p, toList(m, order)] as const));
        expect(summarizePartitionStatus(graph, assetKey, toList(facts, order), upLists, ctx)).toEqual(fromMaps);
      }
    }
  });

  it("ignores facts of dynamic partitions removed from their set", () => {
    const customers = dynamicPartitions("customers");
    const g = graphOf([asset({ key: "per_customer", partitions: customers }, () => undefined)]);
    const dynamic = (keys: string[]) => ({ getKeys: () => keys, hasKey: (_n: string, k: string) => keys.includes(k) });
    const facts = new Map<string, PartitionFact>([
      ["acme", { status: "materialized", lastMaterializedAt: 1 }],
      ["gone", { status: "failed" }],
      ["globex", { status: "in_progress" }],
    ]);
    const s = summarizePartitionStatus(g, "per_customer", facts, new Map(), { now, dynamic: dynamic(["acme", "globex", "initech"]) });
    expect(s.total).toBe(3);
    expect(s.counts).toEqual({ materialized: 1, stale: 0, failed: 0, in_progress: 1, missing: 1 });
    expect(s.ranges.map((r) => [r.start, r.status])).toEqual([
      ["acme", "materialized"],
      ["globex", "in_progress"],
      ["initech", "missing"],
    ]);
  });

  it("reports a day stale when its upstream day was materialised later, and nothing else", () => {
    const facts = new Map<string, PartitionFact>([
      ["2024-01-01", { status: "materialized", lastMaterializedAt: 10 }],
      ["2024-01-02", { status: "materialized", lastMaterializedAt: 10 }],
    ]);
    const upstream = new Map([
      [
        "up",
        new Map<string, PartitionFact>([
          ["2024-01-01", { status: "materialized", lastMaterializedAt: 5 }],
          ["2024-01-02", { status: "materialized", lastMaterializedAt: 20 }],
        ]),
      ],
    ]);
    const s = summarizePartitionStatus(graph, "same_day", facts, upstream, ctx);
    expect(s.counts).toMatchObject({ materialized: 1, stale: 1 });
    expect(s.ranges.slice(0, 2).map((r) => [r.status, r.count])).toEqual([
      ["materialized", 1],
      ["stale", 1],
    ]);
  });
});
