import { describe, expect, it } from "vitest";
import { asset, buildSnapshot, defineDefinitions, type DefinitionsSnapshot } from "@strata/core";
import { combineWorkspace, planAcrossLocations } from "./workspace.ts";

const snap = (location: string, file: string, assets: { key: string; deps?: string[] }[]): DefinitionsSnapshot =>
  buildSnapshot(
    defineDefinitions({ assets: assets.map((a, i) => asset({ key: a.key, deps: a.deps ?? [], codeRef: { file: `/ws/${file}`, line: i + 1 } }, () => 1)) }),
    { location, root: "/ws", allowUnknownDeps: true },
  );

describe("workspace validation", () => {
  it("lets a location depend on keys another location defines, and orders runs by location", () => {
    const ing = snap("ingestion", "ingestion/defs/a/defs.yaml", [{ key: "raw/orders" }]);
    const ana = snap("analytics", "analytics/defs/m/orders.sql", [{ key: "mart/orders", deps: ["raw/orders"] }]);
    const ws = combineWorkspace("/ws", [
      { name: "analytics", root: "/ws/analytics", snapshot: ana },
      { name: "ingestion", root: "/ws/ingestion", snapshot: ing },
    ]);
    expect(ws.locations.every((l) => !l.error)).toBe(true);
    expect(ws.snapshot.assets.map((a) => a.key).sort()).toEqual(["mart/orders", "raw/orders"]);
    expect(planAcrossLocations(ws.snapshot, ["mart/orders", "raw/orders"])).toEqual([
      { location: "ingestion", keys: ["raw/orders"] },
      { location: "analytics", keys: ["mart/orders"] },
    ]);
  });

  it("a duplicate key across locations names both locations and files; the first location keeps working", () => {
    const a = snap("ingestion", "ingestion/defs/a/defs.yaml", [{ key: "raw/orders" }]);
    const b = snap("analytics", "analytics/defs/b/defs.yaml", [{ key: "x" }, { key: "raw/orders" }]);
    const ws = combineWorkspace("/ws", [
      { name: "ingestion", root: "/ws/ingestion", snapshot: a },
      { name: "analytics", root: "/ws/analytics", snapshot: b },
    ]);
    expect(ws.locations[0]!.error).toBeUndefined();
    const err = ws.locations[1]!.error as Error & { code: string };
    expect(err.code).toBe("DEFS_DUPLICATE_KEY");
    expect(err.message).toBe(
      'Asset key "raw/orders" is defined by two code locations: ingestion (ingestion/defs/a/defs.yaml:1) and analytics (analytics/defs/b/defs.yaml:2)',
    );
    expect(ws.snapshot.assets.map((a) => a.key)).toEqual(["raw/orders"]);
  });

  it("an unknown dep is an error of the location declaring it, with a suggestion", () => {
    const a = snap("ingestion", "i.ts", [{ key: "raw/orders" }]);
    const b = snap("analytics", "a.ts", [{ key: "mart/x", deps: ["raw/order"] }]);
    const ws = combineWorkspace("/ws", [
      { name: "ingestion", root: "/ws/i", snapshot: a },
      { name: "analytics", root: "/ws/a", snapshot: b },
    ]);
    const err = ws.locations[1]!.error as Error & { code: string; hint: string };
    expect(err.code).toBe("DEFS_UNKNOWN_DEP");
    expect(err.message).toContain('depends on "raw/order", which no code location defines');
    expect(err.hint).toBe('Did you mean "raw/orders"?');
  });

  it("a location that failed to load does not stop the others", () => {
    const b = snap("analytics", "a.ts", [{ key: "mart/x", deps: ["raw/orders"] }]);
    const ws = combineWorkspace("/ws", [
      { name: "ingestion", root: "/ws/i", error: new Error("boom") },
      { name: "analytics", root: "/ws/a", snapshot: b },
    ]);
    expect(ws.locations[1]!.error).toBeUndefined();
    expect(ws.snapshot.assets.map((a) => a.key)).toEqual(["mart/x"]);
  });

  it("locations depending on each other both ways cannot be ordered", () => {
    const a = snap("one", "1.ts", [{ key: "a" }, { key: "c", deps: ["b"] }]);
    const b = snap("two", "2.ts", [{ key: "b", deps: ["a"] }]);
    const ws = combineWorkspace("/ws", [
      { name: "one", root: "/ws/1", snapshot: a },
      { name: "two", root: "/ws/2", snapshot: b },
    ]);
    expect(() => planAcrossLocations(ws.snapshot, ["a", "b", "c"])).toThrow(/code locations in a cycle/);
  });

  it("single-location buildSnapshot still rejects unknown deps", () => {
    const defs = defineDefinitions({ assets: [asset({ key: "m", deps: ["raw/x"] }, () => 1)] });
    expect(() => buildSnapshot(defs, { location: "l", root: "/" })).toThrow(/depends on unknown asset "raw\/x"/);
  });
});
