import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { asset, multiAsset, type AssetOptions } from "./asset.ts";
import { assetCheck, type AssetCheckOptions } from "./asset-check.ts";
import { BUILTIN_RESOURCES, buildSnapshot } from "./build-snapshot.ts";
import { defineDefinitions, type DefinitionsInput } from "./definitions.ts";
import { env } from "./env.ts";
import { StrataError } from "./errors.ts";
import { resource, secret } from "./resource.ts";

const THIS_FILE = fileURLToPath(import.meta.url);
const ROOT = dirname(THIS_FILE);
const REL = "build-snapshot.test.ts";
const noop = () => undefined;

function callerLine(): number {
  const frame = new Error().stack!.split("\n")[2]!;
  return Number(/:(\d+):\d+\)?$/.exec(frame)![1]);
}

function build(input: DefinitionsInput) {
  return buildSnapshot(defineDefinitions(input), { location: "test", root: ROOT });
}

function buildError(input: DefinitionsInput): StrataError {
  try {
    build(input);
  } catch (err) {
    expect(err).toBeInstanceOf(StrataError);
    return err as StrataError;
  }
  throw new Error("expected buildSnapshot to throw");
}

describe("buildSnapshot: a valid project", () => {
  const warehouse = resource({
    description: "Warehouse",
    config: z.object({ url: z.string(), token: secret(z.string()) }),
    create: (c) => c,
  });
  const ordersOptions: AssetOptions<Record<string, never>> = {
    key: "raw/orders",
    group: "bronze",
    kinds: ["json"],
    tags: { tier: "1" },
    owners: ["team:data"],
    checks: [{ name: "not_empty", blocking: true }],
  };
  const [orders, ordersLine] = [asset(ordersOptions, noop), callerLine()];
  const totals = asset(
    {
      key: "mart/totals",
      ins: { orders },
      resources: ["warehouse"],
      retry: { maxRetries: 2 },
      pool: "db",
      description: "Totals",
      codeVersion: "1",
      metadata: { n: 1 },
    },
    noop,
  );
  const m = multiAsset(
    { name: "pair", specs: [{ key: "p" }, { key: "q", deps: ["p"] }], canSubset: true },
    noop,
  );
  const freshOptions: AssetCheckOptions = {
    asset: totals,
    name: "fresh",
    severity: "WARN",
    resources: ["warehouse"],
    description: "Recent",
  };
  const [fresh, freshLine] = [assetCheck(freshOptions, () => true), callerLine()];
  const snap = build({
    assets: [orders, totals, m],
    checks: [fresh],
    resources: { warehouse: warehouse.configure({ url: "https://db.test", token: env("TOKEN") }) },
    executor: { maxConcurrent: 3 },
    pools: { db: 1 },
  });

  it("describes the project", () => {
    expect(snap.version).toBe(1);
    expect(snap.location).toBe("test");
    expect(snap.root).toBe(ROOT);
    expect(snap.executor).toEqual({ maxConcurrent: 3, tagConcurrencyLimits: [] });
    expect(snap.pools).toEqual({ db: 1 });
    expect(snap.assets.map((a) => a.key)).toEqual(["raw/orders", "mart/totals", "p", "q"]);
  });

  it("describes each asset node", () => {
    const [o, t, p, q] = snap.assets;
    expect(o).toEqual({
      key: "raw/orders",
      node: "raw__orders",
      deps: [],
      group: "bronze",
      kinds: ["json"],
      tags: { tier: "1" },
      owners: ["team:data"],
      metadata: {},
      resources: [],
      io: "io_manager",
      canSubset: false,
      checks: ["raw/orders:not_empty"],
      codeRef: expect.objectContaining({ file: THIS_FILE, line: ordersLine }),
      location: "test",
    });
    expect(t).toMatchObject({
      node: "mart__totals",
      deps: [{ key: "raw/orders", input: "orders" }],
      resources: ["warehouse"],
      retry: { maxRetries: 2 },
      pool: "db",
      description: "Totals",
      codeVersion: "1",
      metadata: { n: { type: "int", value: 1 } },
      checks: ["mart/totals:fresh"],
    });
    expect(p).toMatchObject({ node: "pair", canSubset: true, deps: [] });
    expect(q).toMatchObject({ node: "pair", canSubset: true, deps: [{ key: "p" }] });
  });

  it("describes inline and standalone checks", () => {
    expect(snap.checks).toEqual([
      {
        key: "raw/orders:not_empty",
        asset: "raw/orders",
        name: "not_empty",
        blocking: true,
        severity: "ERROR",
        node: "raw__orders",
        inline: true,
        resources: [],
        codeRef: expect.objectContaining({ line: ordersLine }),
      },
      {
        key: "mart/totals:fresh",
        asset: "mart/totals",
        name: "fresh",
        blocking: false,
        severity: "WARN",
        description: "Recent",
        node: "mart__totals__check__fresh",
        inline: false,
        resources: ["warehouse"],
        codeRef: expect.objectContaining({ file: THIS_FILE, line: freshLine }),
      },
    ]);
  });

  it("describes resources without secret values", () => {
    expect(snap.resources).toEqual([
      {
        name: "warehouse",
        description: "Warehouse",
        fields: [
          { name: "url", secret: false, value: "https://db.test" },
          { name: "token", env: "TOKEN", secret: true },
        ],
      },
    ]);
  });

  it("is plain JSON", () => {
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  });

  it("does not share arrays with the definitions", () => {
    snap.assets[0]!.tags.extra = "x";
    snap.assets[0]!.kinds.push("more");
    expect(orders.specs[0]!.tags).toEqual({ tier: "1" });
    expect(orders.specs[0]!.kinds).toEqual(["json"]);
  });

  it("knows the built-in io_manager resource", () => {
    expect(BUILTIN_RESOURCES.has("io_manager")).toBe(true);
    expect(() => build({ assets: [asset({ key: "x", io: "io_manager" }, noop)] })).not.toThrow();
  });

  it("keeps absolute paths when the root does not contain the code", () => {
    const [a, line] = [asset({ key: "a", deps: ["missing"] }, noop), callerLine()];
    const run = () =>
      buildSnapshot(defineDefinitions({ assets: [a] }), { location: "l", root: "/elsewhere" });
    expect(run).toThrow(expect.objectContaining({ where: `${THIS_FILE}:${line}` }));
  });
});

describe("DEFS_CYCLE", () => {
  it("prints the cycle in flow order and points at its first asset", () => {
    const [a, line] = [asset({ key: "a", deps: ["c"] }, noop), callerLine()];
    const b = asset({ key: "b", deps: ["a"] }, noop);
    const c = asset({ key: "c", deps: ["b"] }, noop);
    const err = buildError({ assets: [a, b, c] });
    expect(err.code).toBe("DEFS_CYCLE");
    expect(err.message).toBe("Assets form a cycle: a -> b -> c -> a");
    expect(err.assetKey).toBe("a");
    expect(err.where).toBe(`${REL}:${line}`);
    expect(err.hint).toContain("Remove one of these deps");
  });

  it("prints only the cycle, not the path that leads into it", () => {
    const root = asset({ key: "root" }, noop);
    const x = asset({ key: "x", deps: [root, "y"] }, noop);
    const y = asset({ key: "y", ins: { x } }, noop);
    const z = asset({ key: "z", deps: [y] }, noop);
    expect(buildError({ assets: [root, x, y, z] }).message).toBe("Assets form a cycle: x -> y -> x");
  });

  it("reports an asset that depends on itself", () => {
    expect(buildError({ assets: [asset({ key: "self", deps: ["self"] }, noop)] }).message).toBe(
      "Assets form a cycle: self -> self",
    );
  });

  it("reports a cycle between steps through a multi-asset", () => {
    const specs = [{ key: "x" }, { key: "y", deps: ["z"] }];
    const [m, line] = [multiAsset({ name: "m", specs }, noop), callerLine()];
    const z = asset({ key: "z", deps: ["x"] }, noop);
    const err = buildError({ assets: [m, z] });
    expect(err.code).toBe("DEFS_CYCLE");
    expect(err.message).toBe("Steps form a cycle through a multi-asset: m -> z -> m");
    expect(err.assetKey).toBe("x");
    expect(err.where).toBe(`${REL}:${line}`);
    expect(err.hint).toContain("Split the multi-asset");
  });

  it("allows assets of one multi-asset to depend on each other", () => {
    const m = multiAsset({ specs: [{ key: "x" }, { key: "y", deps: ["x"] }] }, noop);
    expect(() => build({ assets: [m] })).not.toThrow();
  });
});

describe("DEFS_DUPLICATE_KEY", () => {
  it("names the key and both places", () => {
    const [first, l1] = [asset({ key: "raw/orders" }, noop), callerLine()];
    const [second, l2] = [asset({ key: "raw/orders", group: "other" }, noop), callerLine()];
    const err = buildError({ assets: [first, second] });
    expect(err.code).toBe("DEFS_DUPLICATE_KEY");
    expect(err.message).toBe('Asset key "raw/orders" is defined twice');
    expect(err.assetKey).toBe("raw/orders");
    expect(err.where).toBe(`${REL}:${l2}`);
    expect(err.hint).toBe(
      `First defined at ${REL}:${l1}, again at ${REL}:${l2}. Rename one, or use keyPrefix.`,
    );
  });

  it("catches a key produced by an asset and a multi-asset", () => {
    const [m, l1] = [multiAsset({ name: "m", specs: [{ key: "a" }, { key: "b" }] }, noop), callerLine()];
    const [b, l2] = [asset({ key: "b" }, noop), callerLine()];
    const err = buildError({ assets: [m, b] });
    expect(err.message).toBe('Asset key "b" is defined twice');
    expect(err.hint).toContain(`${REL}:${l1}`);
    expect(err.hint).toContain(`${REL}:${l2}`);
  });

  it("catches two definitions with one step name and says where the other is", () => {
    const [m1, l1] = [multiAsset({ name: "load", specs: [{ key: "a" }] }, noop), callerLine()];
    const [m2, l2] = [multiAsset({ name: "load", specs: [{ key: "b" }] }, noop), callerLine()];
    const err = buildError({ assets: [m1, m2] });
    expect(err.code).toBe("DEFS_DUPLICATE_KEY");
    expect(err.message).toBe('Two definitions are named "load"');
    expect(err.assetKey).toBe("b");
    expect(err.where).toBe(`${REL}:${l2}`);
    expect(err.hint).toBe(`The other is at ${REL}:${l1}. Give one a different name or key.`);
  });

  it("catches the same definition listed twice", () => {
    const a = asset({ key: "a" }, noop);
    expect(buildError({ assets: [a, a] }).message).toBe('Asset key "a" is defined twice');
  });

  it("catches a check name used twice on one asset, inline or standalone", () => {
    const a = asset({ key: "a", checks: [{ name: "ok" }] }, noop);
    const [c, line] = [assetCheck({ asset: a, name: "ok" }, () => true), callerLine()];
    const err = buildError({ assets: [a], checks: [c] });
    expect(err.code).toBe("DEFS_DUPLICATE_KEY");
    expect(err.message).toBe('Check "ok" is defined twice on "a"');
    expect(err.assetKey).toBe("a");
    expect(err.where).toBe(`${REL}:${line}`);
    const [twice, l2] = [asset({ key: "t", checks: [{ name: "x" }, { name: "x" }] }, noop), callerLine()];
    const e2 = buildError({ assets: [twice] });
    expect(e2.message).toBe('Check "x" is defined twice on "t"');
    expect(e2.where).toBe(`${REL}:${l2}`);
  });

  it("allows one check name on different assets", () => {
    const a = asset({ key: "a" }, noop);
    const b = asset({ key: "b" }, noop);
    const snap = build({
      assets: [a, b],
      checks: [
        assetCheck({ asset: a, name: "ok" }, () => true),
        assetCheck({ asset: b, name: "ok" }, () => true),
      ],
    });
    expect(snap.checks.map((c) => c.key)).toEqual(["a:ok", "b:ok"]);
  });
});

describe("DEFS_UNKNOWN_DEP", () => {
  const orders = asset({ key: "raw/orders" }, noop);

  it("suggests the closest key", () => {
    const [b, line] = [asset({ key: "mart/b", deps: ["raw/ordrs"] }, noop), callerLine()];
    const err = buildError({ assets: [orders, b] });
    expect(err.code).toBe("DEFS_UNKNOWN_DEP");
    expect(err.message).toBe('Asset "mart/b" depends on unknown asset "raw/ordrs"');
    expect(err.assetKey).toBe("mart/b");
    expect(err.where).toBe(`${REL}:${line}`);
    expect(err.hint).toBe('Did you mean "raw/orders"?');
  });

  it("says what to do when nothing is close", () => {
    const err = buildError({
      assets: [orders, asset({ key: "b", ins: { x: "something/else/entirely" } }, noop)],
    });
    expect(err.message).toContain('unknown asset "something/else/entirely"');
    expect(err.hint).toBe("Define that asset, or remove the dependency.");
  });

  it("reports a check on an unknown asset, suggesting the closest key", () => {
    const [c, line] = [assetCheck({ asset: "raw/order", name: "ok" }, () => true), callerLine()];
    const err = buildError({ assets: [orders], checks: [c] });
    expect(err.code).toBe("DEFS_UNKNOWN_DEP");
    expect(err.message).toBe('Check "ok" is on unknown asset "raw/order"');
    expect(err.assetKey).toBe("raw/order");
    expect(err.where).toBe(`${REL}:${line}`);
    expect(err.hint).toBe('Did you mean "raw/orders"?');
    expect(
      buildError({
        assets: [orders],
        checks: [assetCheck({ asset: "zzzzzzzzzzzzzzzz", name: "ok" }, () => true)],
      }).hint,
    ).toBe("Define the asset, or fix the key.");
  });
});

describe("DEFS_UNKNOWN_RESOURCE", () => {
  const warehouse = resource({ create: () => 1 });

  it("names the asset and suggests the closest resource", () => {
    const [a, line] = [asset({ key: "a", resources: ["warehose"] }, noop), callerLine()];
    const err = buildError({ assets: [a], resources: { warehouse } });
    expect(err.code).toBe("DEFS_UNKNOWN_RESOURCE");
    expect(err.message).toBe('Asset "a" needs resource "warehose", which is not defined');
    expect(err.assetKey).toBe("a");
    expect(err.where).toBe(`${REL}:${line}`);
    expect(err.hint).toBe('Did you mean "warehouse"?');
  });

  it("says how to add a resource when nothing is close", () => {
    const err = buildError({ assets: [asset({ key: "a", resources: ["slack"] }, noop)] });
    expect(err.hint).toBe("Add it to defineDefinitions({ resources: { slack: ... } }).");
  });

  it("checks I/O manager keys", () => {
    const [a, line] = [asset({ key: "a", io: "duck_io" }, noop), callerLine()];
    const err = buildError({ assets: [a], resources: { warehouse } });
    expect(err.code).toBe("DEFS_UNKNOWN_RESOURCE");
    expect(err.message).toBe('Asset "a" (as its I/O manager) needs resource "duck_io", which is not defined');
    expect(err.where).toBe(`${REL}:${line}`);
    expect(() => build({ assets: [a], resources: { duck_io: warehouse } })).not.toThrow();
  });

  it("checks multi-asset I/O managers and resources", () => {
    const err = buildError({ assets: [multiAsset({ specs: [{ key: "m" }], resources: ["db"] }, noop)] });
    expect(err.message).toBe('Asset "m" needs resource "db", which is not defined');
  });

  it("checks the resources of standalone checks", () => {
    const a = asset({ key: "a" }, noop);
    const resources = ["warehous"];
    const [c, line] = [assetCheck({ asset: a, name: "ok", resources }, () => true), callerLine()];
    const err = buildError({ assets: [a], checks: [c], resources: { warehouse } });
    expect(err.code).toBe("DEFS_UNKNOWN_RESOURCE");
    expect(err.message).toBe('Check "a:ok" needs resource "warehous", which is not defined');
    expect(err.assetKey).toBe("a");
    expect(err.where).toBe(`${REL}:${line}`);
    expect(err.hint).toBe('Did you mean "warehouse"?');
  });
});

describe("DEFS_INVALID_CONFIG", () => {
  const db = resource({ config: z.object({ port: z.number().int(), host: z.string() }), create: (c) => c });

  it("reports a bad literal, pointing at the configure() call", () => {
    const a = asset({ key: "a", resources: ["db"] }, noop);
    const [bad, line] = [db.configure({ port: "5432" as never }), callerLine()];
    const err = buildError({ assets: [asset({ key: "u" }, noop), a], resources: { db: bad } });
    expect(err.code).toBe("DEFS_INVALID_CONFIG");
    expect(err.message).toContain('Resource "db" config field "port" is invalid');
    expect(err.where).toBe(`${REL}:${line}`);
    expect(err.hint).toBe("Fix the value passed to configure().");
  });

  it("points at an asset that uses the resource when the resource's place is unknown", () => {
    const [a, line] = [asset({ key: "a", resources: ["db"] }, noop), callerLine()];
    const bad = { ...db.configure({ port: "5432" as never }), codeRef: undefined };
    const err = buildError({ assets: [asset({ key: "u" }, noop), a], resources: { db: bad } });
    expect(err.code).toBe("DEFS_INVALID_CONFIG");
    expect(err.where).toBe(`${REL}:${line}`);
    expect(err.hint).toBe("Fix the value passed to configure().");
  });

  it("reports an unknown config field", () => {
    const [bad, line] = [db.configure({ prot: 1 } as never), callerLine()];
    const err = buildError({ resources: { db: bad } });
    expect(err.code).toBe("DEFS_INVALID_CONFIG");
    expect(err.message).toBe('Resource "db" has no config field "prot"');
    expect(err.where).toBe(`${REL}:${line}`);
    expect(err.hint).toBe("Known fields: port, host");
  });

  it("leaves env refs to run start", () => {
    expect(() =>
      build({ resources: { db: db.configure({ port: env("PORT") as never, host: env("HOST") }) } }),
    ).not.toThrow();
  });
});
