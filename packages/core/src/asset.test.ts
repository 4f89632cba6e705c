import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { asset, isAssetsDefinition, multiAsset, refKey, type AssetsDefinition } from "./asset.ts";
import { StrataError } from "./errors.ts";
import { MetadataValue } from "./metadata.ts";
import { AutomationCondition, type AutomationConditionSnapshot } from "./automation/condition.ts";
import { freshnessPolicy } from "./automation/freshness.ts";

const THIS_FILE = fileURLToPath(import.meta.url);
const noop = () => undefined;

/** The line this function is called from, read from a real stack trace. */
function callerLine(): number {
  const frame = new Error().stack!.split("\n")[2]!;
  return Number(/:(\d+):\d+\)?$/.exec(frame)![1]);
}

function thrown(fn: () => unknown): StrataError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StrataError);
    return err as StrataError;
  }
  throw new Error("expected a StrataError");
}

describe("asset keys", () => {
  it("takes a key string or parts", () => {
    expect(asset({ key: "raw/orders" }, noop).key).toBe("raw/orders");
    expect(asset({ key: ["raw", "customers"] }, noop).key).toBe("raw/customers");
  });

  it("combines name and keyPrefix", () => {
    expect(asset({ name: "orders" }, noop).key).toBe("orders");
    expect(asset({ name: "orders", keyPrefix: "raw" }, noop).key).toBe("raw/orders");
    expect(asset({ name: "orders", keyPrefix: ["wh", "raw"] }, noop).key).toBe("wh/raw/orders");
    expect(asset({ key: "orders", keyPrefix: "raw" }, noop).key).toBe("raw/orders");
  });

  it("names the step after the key", () => {
    const a = asset({ key: "raw/orders" }, noop);
    expect(a.name).toBe("raw__orders");
    expect(a.specs.map((s) => s.key)).toEqual(["raw/orders"]);
  });

  it("rejects both key and name, or neither, pointing at the definition", () => {
    const [e1, line] = [thrown(() => asset({ key: "a", name: "b" }, noop)), callerLine()];
    expect(e1.code).toBe("DEFS_INVALID");
    expect(e1.message).toContain("either `key` or `name`");
    expect(e1.where).toBe(`${THIS_FILE}:${line}`);
    expect(thrown(() => asset({}, noop)).message).toContain("needs a `key` or a `name`");
    expect(thrown(() => asset({ name: "" }, noop)).code).toBe("DEFS_INVALID");
  });

  it("rejects invalid keys", () => {
    expect(thrown(() => asset({ key: "raw orders" }, noop)).message).toContain('part "raw orders"');
    expect(thrown(() => asset({ key: "a//b" }, noop)).message).toContain("empty part");
  });
});

describe("asset defaults", () => {
  it("fills neutral defaults", () => {
    const a = asset({ key: "a" }, noop);
    expect(a.kind).toBe("assets");
    expect(a.specs[0]).toMatchObject({
      key: "a",
      deps: [],
      group: "default",
      kinds: [],
      tags: {},
      owners: [],
      metadata: {},
      checks: [],
    });
    expect(a.specs[0]!.description).toBeUndefined();
    expect("description" in a.specs[0]!).toBe(false);
    expect(a.io).toBe("io_manager");
    expect(a.resources).toEqual([]);
    expect(a.retry).toBeUndefined();
    expect(a.pool).toBeUndefined();
    expect(a.canSubset).toBe(false);
    expect(a.ins).toEqual({});
    expect(isAssetsDefinition(a)).toBe(true);
  });

  it("keeps every option", () => {
    const fn = () => 1;
    const a = asset(
      {
        key: "mart/totals",
        group: "gold",
        kinds: ["duckdb", "sql"],
        tags: { tier: "1" },
        owners: ["ana@example.com", "team:data eng"],
        description: "Daily totals",
        codeVersion: "v3",
        metadata: { rows: 3, note: MetadataValue.markdown("*x*") },
        resources: ["warehouse"],
        retry: { maxRetries: 2, delayMs: 100, backoff: "exponential", jitter: true },
        pool: "warehouse",
        io: "duck_io",
      },
      fn,
    );
    expect(a.specs[0]).toMatchObject({
      group: "gold",
      kinds: ["duckdb", "sql"],
      tags: { tier: "1" },
      owners: ["ana@example.com", "team:data eng"],
      description: "Daily totals",
      codeVersion: "v3",
      metadata: { rows: { type: "int", value: 3 }, note: { type: "markdown", value: "*x*" } },
    });
    expect(a.resources).toEqual(["warehouse"]);
    expect(a.retry).toEqual({ maxRetries: 2, delayMs: 100, backoff: "exponential", jitter: true });
    expect(a.pool).toBe("warehouse");
    expect(a.io).toBe("duck_io");
    expect(a.fn).toBe(fn);
  });
});

describe("deps and ins", () => {
  const orders = asset({ key: "raw/orders" }, () => [1, 2]);

  it("records plain deps without an input name", () => {
    const a = asset({ key: "b", deps: [orders, "raw/customers", ["raw", "items"]] }, noop);
    expect(a.specs[0]!.deps).toEqual([{ key: "raw/orders" }, { key: "raw/customers" }, { key: "raw/items" }]);
    expect(a.ins).toEqual({});
  });

  it("records typed inputs by name, as deps with an input", () => {
    const a = asset({ key: "c", ins: { orders, customers: "raw/customers" } }, (_ctx, { orders: o }) => o);
    expect(a.ins).toEqual({ orders: "raw/orders", customers: "raw/customers" });
    expect(a.specs[0]!.deps).toEqual([
      { key: "raw/orders", input: "orders" },
      { key: "raw/customers", input: "customers" },
    ]);
  });

  it("drops repeated plain deps but keeps every input", () => {
    const a = asset({ key: "d", deps: [orders, "raw/orders"], ins: { o1: orders, o2: orders } }, noop);
    expect(a.specs[0]!.deps).toEqual([
      { key: "raw/orders" },
      { key: "raw/orders", input: "o1" },
      { key: "raw/orders", input: "o2" },
    ]);
  });

  it("rejects invalid deps", () => {
    expect(thrown(() => asset({ key: "e", deps: ["bad key"] }, noop)).code).toBe("DEFS_INVALID");
    const err = thrown(() => asset({ key: "e", deps: [42 as never] }, noop));
    expect(err.message).toContain("Invalid dependency 42");
  });

  it("rejects depending on a whole multi-asset and lists its keys", () => {
    const m = multiAsset({ specs: [{ key: "m1" }, { key: "m2" }] }, noop);
    const err = thrown(() => asset({ key: "f", deps: [m] }, noop));
    expect(err.message).toContain('"m1" produces several assets');
    expect(err.hint).toBe("Use one of: m1, m2");
    expect(thrown(() => asset({ key: "f", ins: { m } }, noop)).code).toBe("DEFS_INVALID");
  });

  it("refKey resolves definitions, strings and parts", () => {
    expect(refKey(orders)).toBe("raw/orders");
    expect(refKey("x/y")).toBe("x/y");
    expect(refKey(["x", "y"])).toBe("x/y");
  });
});

describe("attribute validation", () => {
  it("allows at most three kinds", () => {
    expect(asset({ key: "k3", kinds: ["a", "b", "c"] }, noop).specs[0]!.kinds).toEqual(["a", "b", "c"]);
    const [err, line] = [thrown(() => asset({ key: "k4", kinds: ["a", "b", "c", "d"] }, noop)), callerLine()];
    expect(err.code).toBe("DEFS_INVALID");
    expect(err.message).toBe('Asset "k4" has 4 kinds; at most 3 are allowed');
    expect(err.assetKey).toBe("k4");
    expect(err.where).toBe(`${THIS_FILE}:${line}`);
    expect(err.hint).toContain("kinds");
  });

  it.each(["ana@example.com", "a.b+c@sub.example.org", "team:data", "team:Data Eng_1"])(
    "accepts owner %j",
    (owner) => {
      expect(asset({ key: "o", owners: [owner] }, noop).specs[0]!.owners).toEqual([owner]);
    },
  );

  it.each(["ana", "ana@example", "@example.com", "team:", "Team:x", "a b@example.com", ""])(
    "rejects owner %j",
    (owner) => {
      const err = thrown(() => asset({ key: "o", owners: [owner] }, noop));
      expect(err.message).toBe(`Asset "o" has an invalid owner "${owner}"`);
      expect(err.hint).toContain("team:<name>");
    },
  );

  it("rejects non-string tag values", () => {
    const err = thrown(() => asset({ key: "t", tags: { n: 1 as never } }, noop));
    expect(err.message).toBe('Asset "t" tag "n" must be a string');
    expect(err.assetKey).toBe("t");
  });

  it("copies tags, owners and kinds so later changes to the caller's objects do not leak in", () => {
    const tags: Record<string, string> = { a: "1" };
    const owners = ["x@example.com"];
    const kinds = ["sql"];
    const a = asset({ key: "copy", tags, owners, kinds }, noop);
    tags.b = "2";
    owners.push("y@example.com");
    kinds.push("python");
    expect(a.specs[0]!.tags).toEqual({ a: "1" });
    expect(a.specs[0]!.owners).toEqual(["x@example.com"]);
    expect(a.specs[0]!.kinds).toEqual(["sql"]);
  });
});

describe("check specs", () => {
  it("defaults to non-blocking ERROR checks", () => {
    const a = asset(
      {
        key: "a",
        checks: [
          { name: "not_empty" },
          { name: "fresh", blocking: true, severity: "WARN", description: "Recent" },
        ],
      },
      noop,
    );
    expect(a.specs[0]!.checks).toEqual([
      { name: "not_empty", blocking: false, severity: "ERROR" },
      { name: "fresh", blocking: true, severity: "WARN", description: "Recent" },
    ]);
  });

  it.each(["", "has space", "a:b", "ä"])("rejects the check name %j", (name) => {
    const err = thrown(() => asset({ key: "a", checks: [{ name }] }, noop));
    expect(err.code).toBe("DEFS_INVALID");
    expect(err.message).toContain(JSON.stringify(name));
    expect(err.assetKey).toBe("a");
  });

  it("rejects an unknown severity", () => {
    const err = thrown(() => asset({ key: "a", checks: [{ name: "c", severity: "FATAL" as never }] }, noop));
    expect(err.message).toBe('Check "c" severity must be "WARN" or "ERROR"');
  });
});

describe("retry validation", () => {
  it.each([
    { maxRetries: 0 },
    { maxRetries: 3, delayMs: 0 },
    { maxRetries: 1, backoff: "constant" as const },
  ])("accepts %j", (retry) => {
    expect(asset({ key: "r", retry }, noop).retry).toEqual(retry);
  });

  it.each([-1, 1.5, Number.NaN, Infinity])("rejects maxRetries %s", (maxRetries) => {
    const err = thrown(() => asset({ key: "r", retry: { maxRetries } }, noop));
    expect(err.code).toBe("DEFS_INVALID");
    expect(err.message).toContain("retry.maxRetries must be a whole number ≥ 0");
    expect(err.where).toContain(THIS_FILE);
  });

  it.each([-5, Number.NaN, Infinity])("rejects delayMs %s", (delayMs) => {
    expect(thrown(() => asset({ key: "r", retry: { maxRetries: 1, delayMs } }, noop)).message).toContain(
      "retry.delayMs",
    );
  });

  it("rejects an unknown backoff", () => {
    const err = thrown(() => asset({ key: "r", retry: { maxRetries: 1, backoff: "linear" as never } }, noop));
    expect(err.message).toContain('retry.backoff must be "constant" or "exponential"');
  });

  it("keeps its own frozen copy of the policy", () => {
    const retry = { maxRetries: 2 };
    const a = asset({ key: "r", retry }, noop);
    retry.maxRetries = 9;
    expect(a.retry).toEqual({ maxRetries: 2 });
    expect(Object.isFrozen(a.retry)).toBe(true);
  });

  it("is validated for multi-assets too", () => {
    expect(thrown(() => multiAsset({ specs: [{ key: "m" }], retry: { maxRetries: -1 } }, noop)).code).toBe(
      "DEFS_INVALID",
    );
  });
});

describe("code refs", () => {
  it("point at the line of the asset() call in this file", () => {
    const [a, line] = [asset({ key: "here" }, noop), callerLine()];
    expect(a.codeRef).toMatchObject({ file: THIS_FILE, line });
    expect(a.specs[0]!.codeRef).toEqual(a.codeRef);
  });

  it("point at the multiAsset() call for every spec", () => {
    const [m, line] = [multiAsset({ specs: [{ key: "x" }, { key: "y" }] }, noop), callerLine()];
    expect(m.codeRef).toMatchObject({ file: THIS_FILE, line });
    expect(m.specs.map((s) => s.codeRef?.line)).toEqual([line, line]);
  });

  it("can be given explicitly", () => {
    const a = asset({ key: "given", codeRef: { file: "/proj/models/a.sql", line: 1 } }, noop);
    expect(a.codeRef).toEqual({ file: "/proj/models/a.sql", line: 1 });
    expect(
      thrown(() =>
        asset({ key: "bad", kinds: ["a", "b", "c", "d"], codeRef: { file: "/p/m.sql", line: 7 } }, noop),
      ).where,
    ).toBe("/p/m.sql:7");
  });
});

describe("frozenness", () => {
  it("freezes the definition, its specs and their contents", () => {
    const a = asset(
      {
        key: "f",
        deps: ["up"],
        tags: { a: "1" },
        owners: ["team:x"],
        kinds: ["sql"],
        metadata: { n: 1 },
        checks: [{ name: "c" }],
      },
      noop,
    );
    const s = a.specs[0]!;
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a.specs)).toBe(true);
    expect(Object.isFrozen(a.ins)).toBe(true);
    expect(Object.isFrozen(a.resources)).toBe(true);
    for (const part of [s, s.deps, s.deps[0], s.tags, s.owners, s.kinds, s.metadata, s.checks, s.checks[0]]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    expect(() => {
      (s.tags as Record<string, string>).b = "2";
    }).toThrow(TypeError);
    expect(() => (s.kinds as string[]).push("x")).toThrow(TypeError);
  });
});

describe("withAttributes", () => {
  const base = asset(
    {
      key: "w",
      group: "g1",
      tags: { a: "1" },
      owners: ["team:one"],
      kinds: ["sql"],
      metadata: { m: 1 },
      description: "d1",
      retry: { maxRetries: 1 },
    },
    () => 5,
  );

  it("returns a patched copy and leaves the original unchanged", () => {
    const w = base.withAttributes({
      group: "g2",
      tags: { b: "2" },
      owners: ["team:two"],
      kinds: ["python"],
      metadata: { n: "x" },
      description: "d2",
    });
    expect(w).not.toBe(base);
    expect(w.specs[0]).toMatchObject({
      key: "w",
      group: "g2",
      tags: { a: "1", b: "2" },
      owners: ["team:two"],
      kinds: ["python"],
      metadata: { m: { type: "int", value: 1 }, n: { type: "text", value: "x" } },
      description: "d2",
    });
    expect(base.specs[0]).toMatchObject({
      group: "g1",
      tags: { a: "1" },
      owners: ["team:one"],
      kinds: ["sql"],
      description: "d1",
    });
    expect(Object.keys(base.specs[0]!.metadata)).toEqual(["m"]);
  });

  it("keeps everything else: name, fn, code ref, retry, io, deps", () => {
    const w = base.withAttributes({ group: "other" });
    expect(w.name).toBe(base.name);
    expect(w.key).toBe(base.key);
    expect(w.fn).toBe(base.fn);
    expect(w.codeRef).toEqual(base.codeRef);
    expect(w.specs[0]!.codeRef).toEqual(base.specs[0]!.codeRef);
    expect(w.retry).toEqual(base.retry);
    expect(w.io).toBe(base.io);
    expect(w.specs[0]!.deps).toEqual(base.specs[0]!.deps);
    expect(w.specs[0]!.tags).toEqual({ a: "1" });
  });

  it("an empty patch changes nothing", () => {
    expect(base.withAttributes({}).specs).toEqual(base.specs);
  });

  it("is frozen and can be chained", () => {
    const w = base.withAttributes({ tags: { b: "2" } }).withAttributes({ tags: { c: "3" } });
    expect(w.specs[0]!.tags).toEqual({ a: "1", b: "2", c: "3" });
    expect(Object.isFrozen(w)).toBe(true);
    expect(Object.isFrozen(w.specs[0])).toBe(true);
    expect(Object.isFrozen(w.specs[0]!.tags)).toBe(true);
    expect(Object.isFrozen(w.specs[0]!.owners)).toBe(true);
  });

  it("copies the patch's arrays", () => {
    const owners = ["team:a"];
    const w = base.withAttributes({ owners });
    owners.push("team:b");
    expect(w.specs[0]!.owners).toEqual(["team:a"]);
  });

  it("validates patched attributes like asset() does", () => {
    expect(thrown(() => base.withAttributes({ kinds: ["a", "b", "c", "d"] })).message).toContain("at most 3");
    const err = thrown(() => base.withAttributes({ owners: ["nobody"] }));
    expect(err.message).toContain('invalid owner "nobody"');
    expect(err.where).toBe(`${base.codeRef!.file}:${base.codeRef!.line}`);
  });

  it("patches every spec of a multi-asset", () => {
    const m = multiAsset({ specs: [{ key: "p", group: "a" }, { key: "q" }] }, noop).withAttributes({
      group: "z",
      tags: { t: "1" },
    });
    expect(m.specs.map((s) => [s.key, s.group, s.tags])).toEqual([
      ["p", "z", { t: "1" }],
      ["q", "z", { t: "1" }],
    ]);
  });

  it("patches only the given keys of a multi-asset", () => {
    const m = multiAsset({ specs: [{ key: "p", group: "a" }, { key: "q" }] }, noop);
    const w = m.withAttributes({ group: "z", automation: AutomationCondition.onMissing() }, ["q"]);
    expect(w.specs.map((s) => [s.key, s.group, s.automation?.label])).toEqual([
      ["p", "a", undefined],
      ["q", "z", "on_missing"],
    ]);
    expect(w.codeRef).toEqual(m.codeRef);
  });

  it("sets automation and freshness (conditions, snapshots and policies), validated", () => {
    const base = asset({ key: "x", automation: AutomationCondition.onMissing() }, noop);
    const w = base.withAttributes({ automation: AutomationCondition.eager(), freshness: freshnessPolicy.timeWindow({ failAfter: "24h", warnAfter: "12h" }) });
    expect(w.specs[0]!.automation?.label).toBe("eager");
    expect(w.specs[0]!.freshness).toEqual({ kind: "time_window", failAfterMs: 86_400_000, warnAfterMs: 43_200_000 });
    expect(base.specs[0]!.automation?.label).toBe("on_missing");
    const fromJson = base.withAttributes({ automation: JSON.parse(JSON.stringify(AutomationCondition.onCron("0 6 * * *", "UTC"))) as AutomationConditionSnapshot });
    expect(fromJson.specs[0]!.automation?.label).toBe("on_cron(0 6 * * *, UTC)");
    expect(base.withAttributes({ group: "g" }).specs[0]!.automation?.label).toBe("on_missing");
    const err = thrown(() => base.withAttributes({ automation: { type: "nope" } as never }));
    expect(err.message).toContain('Asset "x" has an invalid automation condition');
    expect(thrown(() => base.withAttributes({ freshness: { kind: "time_window", failAfterMs: -1 } as never })).message).toContain("invalid freshness policy");
  });
});

describe("multiAsset", () => {
  it("produces several specs in one step", () => {
    const up = asset({ key: "src" }, noop);
    const m: AssetsDefinition = multiAsset(
      {
        specs: [
          { key: "m/a", group: "own", tags: { x: "1" }, checks: [{ name: "ok" }] },
          { key: ["m", "b"], deps: ["other"] },
        ],
        ins: { src: up },
        canSubset: true,
        resources: ["warehouse"],
        pool: "p",
        io: "io2",
        group: "shared",
      },
      noop,
    );
    expect(m.name).toBe("m__a");
    expect(m.key).toBe("m/a");
    expect(m.canSubset).toBe(true);
    expect(m.resources).toEqual(["warehouse"]);
    expect(m.pool).toBe("p");
    expect(m.io).toBe("io2");
    expect(m.ins).toEqual({ src: "src" });
    expect(m.specs.map((s) => s.key)).toEqual(["m/a", "m/b"]);
    expect(m.specs[0]).toMatchObject({
      group: "own",
      tags: { x: "1" },
      deps: [{ key: "src", input: "src" }],
    });
    expect(m.specs[0]!.checks).toEqual([{ name: "ok", blocking: false, severity: "ERROR" }]);
    expect(m.specs[1]).toMatchObject({
      group: "shared",
      deps: [{ key: "other" }, { key: "src", input: "src" }],
    });
  });

  it("takes an explicit step name and defaults canSubset to false", () => {
    const m = multiAsset({ name: "load_all", specs: [{ key: "a" }, { key: "b" }] }, noop);
    expect(m.name).toBe("load_all");
    expect(m.canSubset).toBe(false);
    expect(m.specs[0]!.group).toBe("default");
  });

  it("needs at least one spec", () => {
    const [err, line] = [thrown(() => multiAsset({ specs: [] }, noop)), callerLine()];
    expect(err.message).toBe("multiAsset needs at least one spec");
    expect(err.where).toBe(`${THIS_FILE}:${line}`);
  });

  it("validates each spec", () => {
    expect(
      thrown(() => multiAsset({ specs: [{ key: "a" }, { key: "b", kinds: ["1", "2", "3", "4"] }] }, noop))
        .assetKey,
    ).toBe("b");
    expect(thrown(() => multiAsset({ specs: [{ key: "bad key" }] }, noop)).code).toBe("DEFS_INVALID");
  });
});

describe("unknown options", () => {
  it("a Dagster option name is refused, naming the Strata one (tsx does not type-check)", () => {
    const err = (() => {
      try {
        asset({ key: "a", automationCondition: {} } as never, () => 1);
      } catch (e) {
        return e as StrataError;
      }
    })();
    expect(err).toBeInstanceOf(StrataError);
    expect(err!.code).toBe("DEFS_INVALID");
    expect(err!.message).toBe('Unknown asset option "automationCondition"');
    expect(err!.hint).toBe('Did you mean "automation"?');
    expect(err!.where).toMatch(/asset\.test\.ts:\d+$/);
  });

  it("a misspelt option gets the closest one", () => {
    expect(() => asset({ key: "a", gruop: "x" } as never, () => 1)).toThrow(expect.objectContaining({ hint: 'Did you mean "group"?' }));
  });
});
