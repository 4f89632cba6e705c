import { describe, expect, it } from "vitest";
import { z } from "zod";
import { asset } from "./asset.ts";
import { assetCheck } from "./asset-check.ts";
import { defineDefinitions, isDefinitions, mergeDefinitions } from "./definitions.ts";
import { StrataError } from "./errors.ts";
import { ioManager, type IOManager } from "./io-manager.ts";
import { resource } from "./resource.ts";
import { DEFAULT_EXECUTOR } from "./snapshot.ts";

function thrown(fn: () => unknown): StrataError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StrataError);
    return err as StrataError;
  }
  throw new Error("expected a StrataError");
}

const SETUP = { instanceDir: "/tmp/i", runId: "r", log: () => {} };
const a = asset({ key: "a" }, () => 1);
const b = asset({ key: "b", deps: [a] }, () => 2);
const aCheck = assetCheck({ asset: a, name: "ok" }, () => true);
const memoryIO: IOManager = { handleOutput: () => undefined, loadInput: () => 1 };

describe("defineDefinitions", () => {
  it("defaults to empty definitions with the default executor", () => {
    const d = defineDefinitions();
    expect(d).toEqual({
      kind: "definitions",
      assets: [],
      checks: [],
      resources: {},
      executor: DEFAULT_EXECUTOR,
      pools: {},
      schedules: [],
      sensors: [],
    });
    expect(isDefinitions(d)).toBe(true);
    expect(isDefinitions({ assets: [] })).toBe(false);
  });

  it("keeps assets, checks, executor settings and pools, frozen", () => {
    const d = defineDefinitions({
      assets: [a, b],
      checks: [aCheck],
      executor: { maxConcurrent: 2, tagConcurrencyLimits: [{ key: "db", limit: 1 }] },
      pools: { warehouse: 3 },
    });
    expect(d.assets).toEqual([a, b]);
    expect(d.checks).toEqual([aCheck]);
    expect(d.executor).toEqual({ maxConcurrent: 2, tagConcurrencyLimits: [{ key: "db", limit: 1 }] });
    expect(d.pools).toEqual({ warehouse: 3 });
    for (const part of [d, d.assets, d.checks, d.resources, d.executor, d.pools])
      expect(Object.isFrozen(part)).toBe(true);
  });

  it("fills unset executor settings from the defaults", () => {
    expect(defineDefinitions({ executor: { maxConcurrent: 3 } }).executor).toEqual({
      maxConcurrent: 3,
      tagConcurrencyLimits: [],
    });
  });

  it("does not share the caller's arrays", () => {
    const assets = [a];
    const d = defineDefinitions({ assets });
    assets.push(b);
    expect(d.assets).toEqual([a]);
  });

  it("rejects values that are not assets or checks, by position", () => {
    const e1 = thrown(() => defineDefinitions({ assets: [a, aCheck as never] }));
    expect(e1.code).toBe("DEFS_INVALID");
    expect(e1.message).toBe("assets[1] is not an asset definition (got a check)");
    expect(e1.hint).toContain("asset() or multiAsset()");
    expect(thrown(() => defineDefinitions({ assets: [undefined as never] })).message).toContain(
      "(got undefined)",
    );
    expect(thrown(() => defineDefinitions({ assets: [{} as never] })).message).toContain("(got an object)");
    expect(thrown(() => defineDefinitions({ assets: ["a" as never] })).message).toContain("(got string)");
    const e2 = thrown(() => defineDefinitions({ checks: [a as never] }));
    expect(e2.message).toBe("checks[0] is not a check definition (got a assets)");
    expect(e2.hint).toContain("assetCheck()");
  });

  it.each([0, -1, 1.5, Number.NaN])("rejects executor.maxConcurrent %s", (n) => {
    expect(thrown(() => defineDefinitions({ executor: { maxConcurrent: n } })).message).toContain(
      "executor.maxConcurrent must be a whole number ≥ 1",
    );
  });

  it.each([
    { key: "", limit: 1 },
    { key: "db", limit: 0 },
    { key: "db", limit: 1.5 },
  ])("rejects the tag limit %j", (l) => {
    const err = thrown(() => defineDefinitions({ executor: { tagConcurrencyLimits: [l] } }));
    expect(err.message).toBe(`Invalid tag concurrency limit ${JSON.stringify(l)}`);
    expect(err.hint).toContain("limit: N ≥ 1");
  });

  it.each([0, -2, 2.5])("rejects pool limit %s", (n) => {
    expect(thrown(() => defineDefinitions({ pools: { db: n } })).message).toBe(
      `Pool "db" limit must be a whole number ≥ 1 (got ${n})`,
    );
  });

  it("wraps plain values and I/O managers as resources and keeps resource definitions", async () => {
    const configured = resource({ config: z.object({ n: z.number() }), create: (c) => c.n }).configure({
      n: 1,
    });
    const settings = { region: "eu" };
    const d = defineDefinitions({ resources: { configured, settings, io: memoryIO, answer: 42 } });
    expect(d.resources.configured).toBe(configured);
    expect(d.resources.settings!.kind).toBe("resource");
    expect(await d.resources.settings!.create(undefined, SETUP)).toBe(settings);
    expect(await d.resources.io!.create(undefined, SETUP)).toBe(memoryIO);
    expect(d.resources.io!.description).toBe("I/O manager");
    expect(await d.resources.answer!.create(undefined, SETUP)).toBe(42);
  });
});

describe("mergeDefinitions", () => {
  it("concatenates assets and checks in order", () => {
    const m = mergeDefinitions(
      defineDefinitions({ assets: [a], checks: [aCheck] }),
      defineDefinitions({ assets: [b] }),
    );
    expect(m.assets).toEqual([a, b]);
    expect(m.checks).toEqual([aCheck]);
    expect(isDefinitions(m)).toBe(true);
  });

  it("merges no definitions into empty ones", () => {
    expect(mergeDefinitions()).toEqual(defineDefinitions());
  });

  it("accepts one resource shared by several definitions", () => {
    const shared = resource({ create: () => 1 });
    const m = mergeDefinitions(
      defineDefinitions({ resources: { r: shared } }),
      defineDefinitions({ resources: { r: shared, s: shared } }),
    );
    expect(m.resources).toEqual({ r: shared, s: shared });
  });

  it("accepts the same plain value or I/O manager given to two definitions", () => {
    const settings = { region: "eu" };
    const m = mergeDefinitions(
      defineDefinitions({ resources: { settings, io: memoryIO, n: 1 } }),
      defineDefinitions({ resources: { settings, io: memoryIO, n: 1 } }),
    );
    expect(Object.keys(m.resources)).toEqual(["settings", "io", "n"]);
  });

  it("rejects one name bound to two different resources", () => {
    const err = thrown(() =>
      mergeDefinitions(
        defineDefinitions({ resources: { warehouse: resource({ create: () => 1 }) } }),
        defineDefinitions({ resources: { warehouse: resource({ create: () => 2 }) } }),
      ),
    );
    expect(err.code).toBe("DEFS_INVALID");
    expect(err.message).toBe('Resource "warehouse" is defined differently in two merged definitions');
    expect(err.hint).toContain("another name");
    // Differently configured copies of one resource are different resources.
    const base = resource({ config: z.object({ n: z.number() }), create: (c) => c.n });
    expect(() =>
      mergeDefinitions(
        defineDefinitions({ resources: { r: base.configure({ n: 1 }) } }),
        defineDefinitions({ resources: { r: base.configure({ n: 2 }) } }),
      ),
    ).toThrow(/defined differently/);
    expect(() =>
      mergeDefinitions(
        defineDefinitions({ resources: { v: { x: 1 } } }),
        defineDefinitions({ resources: { v: { x: 1 } } }),
      ),
    ).toThrow(/defined differently/);
    expect(() =>
      mergeDefinitions(
        defineDefinitions({ resources: { io: ioManager(memoryIO) } }),
        defineDefinitions({ resources: { io: ioManager(memoryIO) } }),
      ),
    ).toThrow(/defined differently/);
  });

  it("keeps executor settings set in any of the merged definitions", () => {
    const limits = [{ key: "db", limit: 1 }];
    const m = mergeDefinitions(
      defineDefinitions({ executor: { maxConcurrent: 2 } }),
      defineDefinitions({ executor: { tagConcurrencyLimits: limits } }),
      defineDefinitions({ assets: [a] }),
    );
    expect(m.executor).toEqual({ maxConcurrent: 2, tagConcurrencyLimits: limits });
    expect(
      mergeDefinitions(
        defineDefinitions({ executor: { maxConcurrent: 2 } }),
        defineDefinitions({ executor: { maxConcurrent: 5 } }),
      ).executor.maxConcurrent,
    ).toBe(5);
    expect(mergeDefinitions(defineDefinitions(), defineDefinitions()).executor).toEqual(DEFAULT_EXECUTOR);
  });

  it("merges pools, later definitions winning", () => {
    const m = mergeDefinitions(
      defineDefinitions({ pools: { a: 1, b: 2 } }),
      defineDefinitions({ pools: { b: 5, c: 3 } }),
    );
    expect(m.pools).toEqual({ a: 1, b: 5, c: 3 });
  });

  it("can merge merged definitions again", () => {
    const shared = { region: "eu" };
    const once = mergeDefinitions(defineDefinitions({ assets: [a], resources: { shared } }));
    const twice = mergeDefinitions(once, defineDefinitions({ assets: [b], resources: { shared } }));
    expect(twice.assets).toEqual([a, b]);
    expect(twice.resources.shared).toBe(once.resources.shared);
  });
});
