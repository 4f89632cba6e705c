/**
 * The user-facing test helper `materialize()`: typed inputs through the default JSON I/O
 * manager, ordering-only deps, metadata of every type, multi-asset subsets and inline checks.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { asset, assetCheck, MaterializeResult, MetadataValue, multiAsset } from "@strata/core";
import { materialize } from "@strata/engine";
import { openSqliteStorage } from "@strata/storage";

describe("materialize(): typed inputs and deps", () => {
  it("passes typed values downstream through the default JSON I/O manager, stored under the instance", async () => {
    const dir = mkdtempSync(join(tmpdir(), "strata-mat-"));
    try {
      const orders = asset({ key: "raw/orders" }, () => [
        { id: 1, amount: 10, when: "2024-01-01" },
        { id: 2, amount: 32.5, when: "2024-01-02" },
      ]);
      const seen: unknown[] = [];
      const total = asset({ name: "total", ins: { orders } }, (_ctx, { orders }) => {
        seen.push(orders);
        // Typed: `orders` is { id, amount, when }[] at compile time.
        return orders.reduce((s, o) => s + o.amount, 0);
      });
      const result = await materialize([orders, total], { instanceDir: dir });

      expect(result.success).toBe(true);
      expect(result.status).toBe("SUCCESS");
      expect(result.output<number>("total")).toBe(42.5);
      // The downstream got a value that went through JSON (a deep copy, not the same object).
      expect(seen).toEqual([[{ id: 1, amount: 10, when: "2024-01-01" }, { id: 2, amount: 32.5, when: "2024-01-02" }]]);
      expect(seen[0]).not.toBe(result.output("raw/orders"));
      const stored = join(dir, "storage", "raw", "orders.json");
      expect(JSON.parse(readFileSync(stored, "utf8"))).toEqual(result.output("raw/orders"));
      // The I/O manager reports where it stored the value.
      expect(result.materializations.get("raw/orders")?.path).toEqual({ type: "path", value: stored });
      expect(JSON.parse(readFileSync(join(dir, "storage", "total.json"), "utf8"))).toBe(42.5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("plain deps only order steps: no value is passed and nothing needs to be stored", async () => {
    const order: string[] = [];
    const upstream = asset({ name: "up" }, async () => {
      await new Promise((r) => setTimeout(r, 30));
      order.push("up");
    });
    const downstream = asset({ name: "down", deps: [upstream] }, (_ctx, inputs) => {
      order.push("down");
      expect(inputs).toEqual({});
    });
    const result = await materialize([downstream, upstream]);
    expect(result.success).toBe(true);
    expect(order).toEqual(["up", "down"]);
    expect([...result.materializations.keys()].sort()).toEqual(["down", "up"]);
    // An asset returning nothing stores nothing, so it has no path metadata.
    expect(result.materializations.get("up")?.path).toBeUndefined();
  });

  it("fails with IO_MISSING_INPUT when a typed input's upstream was not stored", async () => {
    const up = asset({ name: "up" }, () => 1);
    const down = asset({ name: "down", ins: { up } }, (_ctx, { up }) => up + 1);
    const result = await materialize([up, down], { selection: ["down"] });
    expect(result.success).toBe(false);
    expect(result.failures.get("down")?.code).toBe("IO_MISSING_INPUT");
    expect(result.failures.get("down")?.message).toContain('"up"');
  });
});

describe("materialize(): metadata", () => {
  it("records metadata of every type, with standard keys typed and a table preview", async () => {
    const when = new Date("2024-05-06T07:08:09Z");
    const rows = [
      { id: 1, name: "ada", score: 1.5, big: 7n, at: when },
      { id: 2, name: "grace", score: 2, big: 8n, at: when },
    ];
    const a = asset({ name: "everything" }, () =>
      new MaterializeResult({
        value: { ok: true },
        metadata: {
          row_count: 2,
          ratio: 0.25,
          count: 3,
          label: "hello",
          flag: true,
          nothing: null,
          obj: { nested: [1, 2] },
          uri: "s3://bucket/x",
          notes: MetadataValue.markdown("# Title"),
          link: MetadataValue.url("https://example.com"),
          file: MetadataValue.path("/tmp/x.json"),
          at: MetadataValue.timestamp(when),
          when,
          preview: MetadataValue.table(rows),
          schema: MetadataValue.tableSchema([{ name: "id", type: "int" }]),
          column_schema: [{ name: "id", type: "int" }],
          upstream: MetadataValue.assetRef("raw/orders"),
          explicit_int: MetadataValue.int(4.9),
          explicit_json: MetadataValue.json([1, "two"]),
        },
      }),
    );
    const result = await materialize([a]);
    expect(result.success).toBe(true);
    const md = result.materializations.get("everything")!;
    expect(md.row_count).toEqual({ type: "int", value: 2 });
    expect(md.ratio).toEqual({ type: "float", value: 0.25 });
    expect(md.count).toEqual({ type: "int", value: 3 });
    expect(md.label).toEqual({ type: "text", value: "hello" });
    expect(md.flag).toEqual({ type: "bool", value: true });
    expect(md.nothing).toEqual({ type: "null", value: null });
    expect(md.obj).toEqual({ type: "json", value: { nested: [1, 2] } });
    expect(md.uri).toEqual({ type: "url", value: "s3://bucket/x" });
    expect(md.notes).toEqual({ type: "markdown", value: "# Title" });
    expect(md.link).toEqual({ type: "url", value: "https://example.com" });
    expect(md.file).toEqual({ type: "path", value: "/tmp/x.json" });
    expect(md.at).toEqual({ type: "timestamp", value: when.getTime() });
    expect(md.when).toEqual({ type: "timestamp", value: when.getTime() });
    expect(md.schema).toEqual({ type: "table_schema", value: { columns: [{ name: "id", type: "int" }] } });
    expect(md.column_schema).toEqual({ type: "table_schema", value: { columns: [{ name: "id", type: "int" }] } });
    expect(md.upstream).toEqual({ type: "asset", value: "raw/orders" });
    expect(md.explicit_int).toEqual({ type: "int", value: 4 });
    expect(md.explicit_json).toEqual({ type: "json", value: [1, "two"] });
    // Table preview: JSON-safe rows (bigint → number, Date → ISO) and an inferred schema.
    expect(md.preview?.type).toBe("table");
    const table = md.preview!.value as { records: Record<string, unknown>[]; schema: { name: string; type: string }[] };
    expect(table.records).toEqual([
      { id: 1, name: "ada", score: 1.5, big: 7, at: when.toISOString() },
      { id: 2, name: "grace", score: 2, big: 8, at: when.toISOString() },
    ]);
    expect(table.schema).toEqual([
      { name: "id", type: "int" },
      { name: "name", type: "string" },
      { name: "score", type: "float" },
      { name: "big", type: "int" },
      { name: "at", type: "timestamp" },
    ]);
    // What was stored survives a JSON round trip (events are read back from SQLite).
    const stored = result.events.find((e) => e.type === "ASSET_MATERIALIZATION")!;
    expect(stored.data?.metadata?.preview).toEqual(md.preview);
  });

  it("ctx.addMetadata merges with returned metadata (returned wins) and rejects unknown keys", async () => {
    const a = asset({ name: "a" }, (ctx) => {
      ctx.addMetadata({ source: "api", row_count: 1 });
      ctx.addMetadata({ pages: 3 });
      expect(() => ctx.addMetadata({ x: 1 }, "other")).toThrow(/not materialised by this step/);
      return new MaterializeResult({ value: 1, metadata: { row_count: 10 } });
    });
    const result = await materialize([a]);
    expect(result.success).toBe(true);
    const md = result.materializations.get("a")!;
    expect(md.source).toEqual({ type: "text", value: "api" });
    expect(md.pages).toEqual({ type: "int", value: 3 });
    expect(md.row_count).toEqual({ type: "int", value: 10 });
  });
});

describe("materialize(): multi-assets", () => {
  const calls: string[][] = [];
  const pair = multiAsset({ name: "pair", specs: [{ key: "left" }, { key: "right" }, { key: "third" }], canSubset: true }, (ctx) => {
    calls.push([...ctx.selectedAssetKeys]);
    return ctx.selectedAssetKeys.map((k) => new MaterializeResult({ assetKey: k, value: `${k}-value`, metadata: { which: k } }));
  });
  const usesLeft = asset({ name: "uses_left", ins: { left: "left" } }, (_ctx, { left }) => `${String(left)}!`);

  it("materialises only the selected subset when canSubset is true", async () => {
    calls.length = 0;
    const result = await materialize([pair, usesLeft], { selection: "left or uses_left" });
    expect(result.success).toBe(true);
    expect(calls).toEqual([["left"]]);
    expect([...result.materializations.keys()].sort()).toEqual(["left", "uses_left"]);
    expect(result.materializations.get("left")?.which).toEqual({ type: "text", value: "left" });
    expect(result.output("uses_left")).toBe("left-value!");
  });

  it("materialises every spec when all are selected, in one step", async () => {
    calls.length = 0;
    const result = await materialize([pair, usesLeft]);
    expect(result.success).toBe(true);
    expect(calls).toEqual([["left", "right", "third"]]);
    expect(result.events.filter((e) => e.type === "STEP_START").map((e) => e.stepKey).sort()).toEqual(["pair", "uses_left"]);
  });

  it("refuses a subset of a multi-asset that cannot subset (PLAN_SUBSET)", async () => {
    const whole = multiAsset({ name: "whole", specs: [{ key: "w1" }, { key: "w2" }] }, () => [
      new MaterializeResult({ assetKey: "w1" }),
      new MaterializeResult({ assetKey: "w2" }),
    ]);
    await expect(materialize([whole], { selection: "w1" })).rejects.toMatchObject({ code: "PLAN_SUBSET" });
  });

  it("fails the step when a multi-asset omits a selected key", async () => {
    const partial = multiAsset({ name: "partial", specs: [{ key: "p1" }, { key: "p2" }] }, () => [new MaterializeResult({ assetKey: "p1" })]);
    const result = await materialize([partial]);
    expect(result.success).toBe(false);
    expect(result.failures.get("partial")?.message).toMatch(/returned no result for p2/);
    expect(result.materializations.size).toBe(0);
  });
});

describe("materialize(): checks", () => {
  it("records inline check results returned by the asset, and fails a declared check with no result", async () => {
    const a = asset(
      {
        name: "orders",
        checks: [
          { name: "not_empty" },
          { name: "fresh", severity: "WARN" },
          { name: "forgotten" },
        ],
      },
      () =>
        new MaterializeResult({
          value: [1, 2],
          checkResults: [
            { checkName: "not_empty", passed: true, metadata: { rows: 2 } },
            { checkName: "fresh", passed: false, description: "3 days old" },
          ],
        }),
    );
    const result = await materialize([a]);
    expect(result.checks.get("orders:not_empty")).toEqual({ passed: true, severity: "ERROR", metadata: { rows: { type: "int", value: 2 } } });
    expect(result.checks.get("orders:fresh")).toMatchObject({ passed: false, severity: "WARN", description: "3 days old" });
    const missing = result.checks.get("orders:forgotten")!;
    expect(missing.passed).toBe(false);
    expect(missing.description).toMatch(/did not return a result for check "forgotten"/);
    // The asset itself still materialised; non-blocking checks don't fail the run.
    expect(result.materializations.has("orders")).toBe(true);
    expect(result.success).toBe(true);
  });

  it("fails the step when the asset returns a result for a check it did not declare", async () => {
    const a = asset({ name: "a" }, () => new MaterializeResult({ checkResults: [{ checkName: "nope", passed: true }] }));
    const result = await materialize([a]);
    expect(result.success).toBe(false);
    expect(result.failures.get("a")?.message).toMatch(/not declared on the asset/);
  });

  it("runs a standalone check after its asset, loading the stored value with ctx.loadAssetValue", async () => {
    const dir = mkdtempSync(join(tmpdir(), "strata-mat-"));
    try {
      const nums = asset({ name: "nums" }, () => [3, -1, 4]);
      let loaded: unknown;
      const positive = assetCheck({ asset: nums, name: "positive" }, async (ctx) => {
        loaded = await ctx.loadAssetValue<number[]>();
        const bad = (loaded as number[]).filter((n) => n < 0).length;
        return { passed: bad === 0, metadata: { bad } };
      });
      const isArray = assetCheck({ asset: "nums", name: "is_array", severity: "WARN" }, async (ctx) => Array.isArray(await ctx.loadAssetValue()));
      const result = await materialize([nums, positive, isArray], { instanceDir: dir });
      expect(loaded).toEqual([3, -1, 4]);
      expect(result.checks.get("nums:positive")).toEqual({ passed: false, severity: "ERROR", metadata: { bad: { type: "int", value: 1 } } });
      expect(result.checks.get("nums:is_array")).toMatchObject({ passed: true, severity: "WARN" });
      // The check status index is updated in the same transaction as the evaluation.
      const storage = await openSqliteStorage(join(dir, "strata.db"));
      try {
        const status = await storage.getCheckStatus(["nums:positive"]);
        expect(status[0]?.lastEvaluation?.passed).toBe(false);
        expect(existsSync(join(dir, "storage", "nums.json"))).toBe(true);
      } finally {
        await storage.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
