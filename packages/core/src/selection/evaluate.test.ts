import { describe, expect, it } from "vitest";
import { evaluateSelection } from "./evaluate.ts";
import { parseSelection } from "./parser.ts";
import { selectAssets } from "./select-assets.ts";
import { testAsset as a, testGraph } from "./test-graph.ts";

//   raw/orders ── stg/orders ──┐
//   raw/customers ── stg/customers ── mart/revenue ──┐
//   raw/events ── mart/sessions ─────────────────────┴── report/daily
//   isolated
const graph = testGraph([
  a("raw/orders", [], { group: "bronze", kinds: ["duckdb"], tags: { tier: "gold" }, owners: ["team:data"] }),
  a("raw/customers", [], {
    group: "bronze",
    kinds: ["duckdb"],
    tags: { tier: "silver" },
    owners: ["a@b.com"],
  }),
  a("raw/events", [], { group: "bronze", kinds: ["python"], tags: { pii: "" }, location: "other" }),
  a("stg/orders", ["raw/orders"], { group: "silver", kinds: ["duckdb", "dbt"] }),
  a("stg/customers", ["raw/customers"], {
    group: "silver",
    kinds: ["dbt"],
    owners: ["team:data", "a@b.com"],
  }),
  a("mart/revenue", ["stg/orders", "stg/customers"], { group: "gold", tags: { tier: "gold" } }),
  a("mart/sessions", ["raw/events"], { group: "gold", location: "test" }),
  a("report/daily", ["mart/revenue", "mart/sessions"], { group: "gold", kinds: ["python"] }),
  a("isolated", [], { group: "misc" }),
]);

const sel = (s: string) => [...selectAssets(s, graph)].sort();

describe("evaluateSelection: attributes", () => {
  it("selects by exact key, bare or with key:", () => {
    expect(sel("raw/orders")).toEqual(["raw/orders"]);
    expect(sel("key:raw/orders")).toEqual(["raw/orders"]);
    expect(sel('"raw/orders"')).toEqual(["raw/orders"]);
    expect(sel("raw/nope")).toEqual([]);
    expect(sel("raw")).toEqual([]);
  });

  it("expands key wildcards across slashes", () => {
    expect(sel('key:"raw/*"')).toEqual(["raw/customers", "raw/events", "raw/orders"]);
    expect(sel("raw/*")).toEqual(["raw/customers", "raw/events", "raw/orders"]);
    expect(sel("*/orders")).toEqual(["raw/orders", "stg/orders"]);
    expect(sel("*s*/*")).toEqual(["stg/customers", "stg/orders"]);
    expect(sel("*a*s*")).toEqual(["mart/sessions", "raw/customers", "raw/events", "raw/orders"]);
    expect(sel("key:*")).toHaveLength(9);
  });

  it("selects everything with *", () => {
    expect(sel("*")).toHaveLength(9);
  });

  it("selects by tag presence and by tag value", () => {
    expect(sel("tag:tier")).toEqual(["mart/revenue", "raw/customers", "raw/orders"]);
    expect(sel("tag:tier=gold")).toEqual(["mart/revenue", "raw/orders"]);
    expect(sel('tag:"tier"="silver"')).toEqual(["raw/customers"]);
    expect(sel("tag:tier=bronze")).toEqual([]);
    expect(sel("tag:pii")).toEqual(["raw/events"]);
    expect(sel('tag:pii=""')).toEqual(["raw/events"]);
    expect(sel("tag:constructor")).toEqual([]);
  });

  it("selects by group, kind and owner", () => {
    expect(sel("group:gold")).toEqual(["mart/revenue", "mart/sessions", "report/daily"]);
    expect(sel("kind:duckdb")).toEqual(["raw/customers", "raw/orders", "stg/orders"]);
    expect(sel("kind:dbt")).toEqual(["stg/customers", "stg/orders"]);
    expect(sel('owner:"team:data"')).toEqual(["raw/orders", "stg/customers"]);
    expect(sel("owner:a@b.com")).toEqual(["raw/customers", "stg/customers"]);
  });

  it("does not treat * as a wildcard outside keys", () => {
    expect(sel("group:*")).toEqual([]);
    expect(sel("group:gol*")).toEqual([]);
  });

  it("matches code_location on the asset, falling back to the snapshot's location", () => {
    expect(sel("code_location:other")).toEqual(["raw/events"]);
    expect(sel("code_location:test")).toHaveLength(8);
    expect(sel("code_location:nowhere")).toEqual([]);
  });
});

describe("evaluateSelection: traversal", () => {
  it("walks all levels upstream or downstream, including the start", () => {
    expect(sel("+mart/revenue")).toEqual([
      "mart/revenue",
      "raw/customers",
      "raw/orders",
      "stg/customers",
      "stg/orders",
    ]);
    expect(sel("raw/orders+")).toEqual(["mart/revenue", "raw/orders", "report/daily", "stg/orders"]);
  });

  it("limits the depth", () => {
    expect(sel("1+report/daily")).toEqual(["mart/revenue", "mart/sessions", "report/daily"]);
    expect(sel("2+report/daily")).toEqual([
      "mart/revenue",
      "mart/sessions",
      "raw/events",
      "report/daily",
      "stg/customers",
      "stg/orders",
    ]);
    expect(sel("raw/orders+1")).toEqual(["raw/orders", "stg/orders"]);
    expect(sel("raw/orders+2")).toEqual(["mart/revenue", "raw/orders", "stg/orders"]);
    expect(sel("0+raw/orders+0")).toEqual(["raw/orders"]);
  });

  it("unions both directions for +x+ instead of chaining them", () => {
    expect(sel("+stg/orders+")).toEqual(["mart/revenue", "raw/orders", "report/daily", "stg/orders"]);
    expect(sel("1+mart/revenue+1")).toEqual(["mart/revenue", "report/daily", "stg/customers", "stg/orders"]);
    // Upstream of the downstream would pull in everything feeding report/daily.
    expect(sel("+(stg/orders+)")).toHaveLength(8);
  });

  it("traverses from every member of a compound selection", () => {
    expect(sel("(raw/orders or raw/events)+1")).toEqual([
      "mart/sessions",
      "raw/events",
      "raw/orders",
      "stg/orders",
    ]);
    expect(sel("+group:silver")).toEqual(["raw/customers", "raw/orders", "stg/customers", "stg/orders"]);
    expect(sel("roots(*)+1")).toEqual([
      "isolated",
      "mart/sessions",
      "raw/customers",
      "raw/events",
      "raw/orders",
      "stg/customers",
      "stg/orders",
    ]);
  });

  it("returns nothing when traversing from nothing", () => {
    expect(sel("+missing+")).toEqual([]);
  });
});

describe("evaluateSelection: boolean operators", () => {
  it("intersects, unites and complements", () => {
    expect(sel("group:bronze and kind:duckdb")).toEqual(["raw/customers", "raw/orders"]);
    expect(sel("group:silver or tag:tier=gold")).toEqual([
      "mart/revenue",
      "raw/orders",
      "stg/customers",
      "stg/orders",
    ]);
    expect(sel("not group:gold and not group:bronze")).toEqual(["isolated", "stg/customers", "stg/orders"]);
    expect(sel("not *")).toEqual([]);
    expect(sel("not not raw/orders")).toEqual(["raw/orders"]);
  });

  it("honours precedence: not > and > or", () => {
    expect(sel("raw/orders or raw/events and kind:duckdb")).toEqual(["raw/orders"]);
    expect(sel("(raw/orders or raw/events) and kind:python")).toEqual(["raw/events"]);
    expect(sel("not group:gold and tag:tier")).toEqual(["raw/customers", "raw/orders"]);
    expect(sel("not (group:gold and tag:tier)")).toHaveLength(8);
  });

  it("short-circuits an empty intersection", () => {
    expect(sel("missing and *")).toEqual([]);
    expect(sel("kind:duckdb and group:bronze and tag:tier=silver")).toEqual(["raw/customers"]);
  });

  it("combines traversal with set operations", () => {
    expect(sel("+report/daily and not +mart/revenue")).toEqual([
      "mart/sessions",
      "raw/events",
      "report/daily",
    ]);
    expect(sel("+mart/revenue and raw/orders+")).toEqual(["mart/revenue", "raw/orders", "stg/orders"]);
  });
});

describe("evaluateSelection: roots and sinks", () => {
  it("finds roots and sinks of the whole graph", () => {
    expect(sel("roots(*)")).toEqual(["isolated", "raw/customers", "raw/events", "raw/orders"]);
    expect(sel("sinks(*)")).toEqual(["isolated", "report/daily"]);
  });

  it("is relative to the selection, not the whole graph", () => {
    expect(sel("roots(group:silver or group:gold)")).toEqual([
      "mart/sessions",
      "stg/customers",
      "stg/orders",
    ]);
    expect(sel("sinks(group:bronze or group:silver)")).toEqual(["raw/events", "stg/customers", "stg/orders"]);
    expect(sel("roots(stg/orders+)")).toEqual(["stg/orders"]);
    expect(sel("sinks(+mart/revenue)")).toEqual(["mart/revenue"]);
    expect(sel("roots(group:gold)")).toEqual(["mart/revenue", "mart/sessions"]);
  });

  it("nests with traversal and booleans", () => {
    expect(sel("sinks(raw/orders+2) or roots(+report/daily) and kind:python")).toEqual([
      "mart/revenue",
      "raw/events",
    ]);
    expect(sel("+sinks(group:bronze)")).toEqual(["raw/customers", "raw/events", "raw/orders"]);
    expect(sel("roots(sinks(*))")).toEqual(["isolated", "report/daily"]);
    expect(sel("roots(missing)")).toEqual([]);
  });
});

describe("evaluateSelection", () => {
  it("returns a fresh set each time, safe to mutate", () => {
    const first = evaluateSelection(parseSelection("*"), graph);
    first.clear();
    expect(evaluateSelection(parseSelection("*"), graph).size).toBe(9);
    const single = selectAssets("raw/orders", graph);
    single.add("x");
    expect(sel("raw/orders")).toEqual(["raw/orders"]);
  });

  it("never selects a dependency that is not in the graph", () => {
    const g = testGraph([a("x", ["outside"])]);
    expect([...selectAssets("+x", g)]).toEqual(["x"]);
    expect([...selectAssets("outside", g)]).toEqual([]);
  });
});
