import { describe, expect, it } from "vitest";
import {
  jsonSafe,
  MetadataValue,
  normalizeMetadata,
  numericValue,
  StandardMetadataKeys,
} from "./metadata.ts";

describe("MetadataValue constructors", () => {
  it("builds typed entries", () => {
    expect(MetadataValue.int(42)).toEqual({ type: "int", value: 42 });
    expect(MetadataValue.float(1.5)).toEqual({ type: "float", value: 1.5 });
    expect(MetadataValue.text("hi")).toEqual({ type: "text", value: "hi" });
    expect(MetadataValue.bool(false)).toEqual({ type: "bool", value: false });
    expect(MetadataValue.markdown("# T")).toEqual({ type: "markdown", value: "# T" });
    expect(MetadataValue.json({ a: [1] })).toEqual({ type: "json", value: { a: [1] } });
    expect(MetadataValue.url("https://x.test")).toEqual({ type: "url", value: "https://x.test" });
    expect(MetadataValue.path("/data/o.parquet")).toEqual({ type: "path", value: "/data/o.parquet" });
    expect(MetadataValue.assetRef("raw/orders")).toEqual({ type: "asset", value: "raw/orders" });
    expect(MetadataValue.tableSchema([{ name: "id", type: "int" }])).toEqual({
      type: "table_schema",
      value: { columns: [{ name: "id", type: "int" }] },
    });
    expect(MetadataValue.codeReferences([{ file: "a.ts", line: 3 }])).toEqual({
      type: "code_references",
      value: [{ file: "a.ts", line: 3 }],
    });
  });

  it("truncates int values", () => {
    expect(MetadataValue.int(3.9)).toEqual({ type: "int", value: 3 });
    expect(MetadataValue.int(-3.9)).toEqual({ type: "int", value: -3 });
  });

  it("turns a Date timestamp into epoch milliseconds", () => {
    const d = new Date("2024-05-01T12:00:00Z");
    expect(MetadataValue.timestamp(d)).toEqual({ type: "timestamp", value: d.getTime() });
    expect(MetadataValue.timestamp(123)).toEqual({ type: "timestamp", value: 123 });
  });

  it("infers a table schema from the records", () => {
    const t = MetadataValue.table([
      { id: 1, price: 2.5, name: "a", ok: true, at: new Date(0), tags: ["x"], extra: { k: 1 }, maybe: null },
      { id: 2, price: 3, name: "b", ok: false, at: new Date(1), tags: [], extra: {}, maybe: 7 },
    ]);
    expect(t.type).toBe("table");
    if (t.type !== "table") throw new Error("unreachable");
    expect(t.value.schema).toEqual([
      { name: "id", type: "int" },
      { name: "price", type: "float" },
      { name: "name", type: "string" },
      { name: "ok", type: "boolean" },
      { name: "at", type: "timestamp" },
      { name: "tags", type: "list" },
      { name: "extra", type: "json" },
      { name: "maybe", type: "int" },
    ]);
  });

  it("makes table records JSON-safe (dates, bigints)", () => {
    const t = MetadataValue.table([
      { at: new Date("2024-01-02T00:00:00Z"), n: 10n, big: 2n ** 70n, nested: { d: new Date(0) } },
    ]);
    if (t.type !== "table") throw new Error("unreachable");
    expect(t.value.records).toEqual([
      {
        at: "2024-01-02T00:00:00.000Z",
        n: 10,
        big: (2n ** 70n).toString(),
        nested: { d: "1970-01-01T00:00:00.000Z" },
      },
    ]);
    expect(JSON.parse(JSON.stringify(t))).toEqual(t);
  });

  it("keeps a given schema and an empty table", () => {
    const schema = [{ name: "id", type: "bigint", description: "Primary key", nullable: false }];
    const t = MetadataValue.table([{ id: 1 }], schema);
    if (t.type !== "table") throw new Error("unreachable");
    expect(t.value.schema).toBe(schema);
    const empty = MetadataValue.table([]);
    if (empty.type !== "table") throw new Error("unreachable");
    expect(empty.value).toEqual({ records: [], schema: [] });
  });

  it("keeps a column typed null only while no non-null value was seen", () => {
    const t = MetadataValue.table([
      { a: null, b: null },
      { a: "x", b: null },
    ]);
    if (t.type !== "table") throw new Error("unreachable");
    expect(t.value.schema).toEqual([
      { name: "a", type: "string" },
      { name: "b", type: "null" },
    ]);
  });
});

describe("normalizeMetadata", () => {
  it("returns an empty map for undefined", () => {
    expect(normalizeMetadata(undefined)).toEqual({});
  });

  it("types plain values", () => {
    const d = new Date(5);
    expect(
      normalizeMetadata({
        i: 3,
        f: 0.25,
        s: "x",
        b: true,
        d,
        n: null,
        o: { a: 1 },
        arr: [1, "2"],
        big: 12n as unknown as object,
      }),
    ).toEqual({
      i: { type: "int", value: 3 },
      f: { type: "float", value: 0.25 },
      s: { type: "text", value: "x" },
      b: { type: "bool", value: true },
      d: { type: "timestamp", value: 5 },
      n: { type: "null", value: null },
      o: { type: "json", value: { a: 1 } },
      arr: { type: "json", value: [1, "2"] },
      big: { type: "int", value: 12 },
    });
  });

  it("passes typed entries through unchanged", () => {
    const md = MetadataValue.markdown("**bold**");
    expect(normalizeMetadata({ notes: md }).notes).toBe(md);
  });

  it("treats objects that merely look like entries but have extra fields as json", () => {
    expect(normalizeMetadata({ x: { type: "text", value: "a", extra: 1 } }).x).toEqual({
      type: "json",
      value: { type: "text", value: "a", extra: 1 },
    });
    expect(normalizeMetadata({ x: { type: "nonsense", value: 1 } }).x?.type).toBe("json");
  });

  it("gives standard keys their standard types", () => {
    const m = normalizeMetadata({
      [StandardMetadataKeys.rowCount]: 42,
      [StandardMetadataKeys.partitionRowCount]: 7,
      [StandardMetadataKeys.uri]: "s3://bucket/orders",
      [StandardMetadataKeys.columnSchema]: [{ name: "id", type: "int" }],
      [StandardMetadataKeys.tableName]: "orders",
    });
    expect(m.row_count).toEqual({ type: "int", value: 42 });
    expect(m.partition_row_count).toEqual({ type: "int", value: 7 });
    expect(m.uri).toEqual({ type: "url", value: "s3://bucket/orders" });
    expect(m.column_schema).toEqual({
      type: "table_schema",
      value: { columns: [{ name: "id", type: "int" }] },
    });
    expect(m.table_name).toEqual({ type: "text", value: "orders" });
  });

  it("makes json values JSON-safe", () => {
    expect(normalizeMetadata({ x: { when: new Date(0), n: 1n } }).x).toEqual({
      type: "json",
      value: { when: "1970-01-01T00:00:00.000Z", n: 1 },
    });
  });
});

describe("numericValue", () => {
  it("returns numbers of int and float entries only", () => {
    expect(numericValue(MetadataValue.int(4))).toBe(4);
    expect(numericValue(MetadataValue.float(0.5))).toBe(0.5);
    expect(numericValue(MetadataValue.text("4"))).toBeUndefined();
    expect(numericValue(MetadataValue.timestamp(4))).toBeUndefined();
  });
});

describe("jsonSafe", () => {
  it("converts nested bigints and dates and leaves the rest", () => {
    expect(jsonSafe([1n, { a: new Date(1000), b: [2n ** 64n] }, "s", null, true])).toEqual([
      1,
      { a: "1970-01-01T00:00:01.000Z", b: ["18446744073709551616"] },
      "s",
      null,
      true,
    ]);
  });

  it("does not modify its input", () => {
    const input = { d: new Date(0) };
    jsonSafe(input);
    expect(input.d).toBeInstanceOf(Date);
  });
});
