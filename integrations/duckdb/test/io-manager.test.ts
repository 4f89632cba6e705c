import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { DuckDBIOManager, DuckDBRelation, openDuckDB, type DuckDBClient } from "../src/index.ts";
import { inputContext, memoryPath, outputContext, tempDir } from "./helpers.ts";

let db: DuckDBClient;
let dir: string;
let cleanup: () => void;
beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  db = await openDuckDB({ path: memoryPath() });
});
afterEach(async () => {
  await db.close();
  cleanup();
});

const orders = [
  { id: 1, customer: "ann", amount: 12.5, day: "2024-01-01" },
  { id: 2, customer: "bob", amount: 7, day: "2024-01-01" },
  { id: 3, customer: "cy", amount: 3.25, day: "2024-01-02" },
];

describe("table format", () => {
  test("rows round-trip through a table named after the key, with metadata", async () => {
    const io = new DuckDBIOManager(db);
    const meta = await io.handleOutput(outputContext(dir, "raw/orders"), orders);
    expect(await db.tableExists("raw", "orders")).toBe(true);
    expect(await io.loadInput(inputContext(dir, "raw/orders"))).toEqual(orders);
    expect(meta.row_count).toEqual({ type: "int", value: 3 });
    expect(meta.table_name).toEqual({ type: "text", value: "raw.orders" });
    expect(meta.column_schema).toEqual({
      type: "table_schema",
      value: {
        columns: [
          { name: "id", type: "BIGINT", nullable: true },
          { name: "customer", type: "VARCHAR", nullable: true },
          { name: "amount", type: "DOUBLE", nullable: true },
          { name: "day", type: "VARCHAR", nullable: true },
        ],
      },
    });
    expect(meta.uri).toEqual({ type: "url", value: `duckdb://${db.path}#raw.orders` });
    expect(meta.preview?.type).toBe("table");
    expect((meta.preview?.value as { records: unknown[] }).records).toEqual(orders);
  });

  test("parallel first writes into one new schema do not conflict (tables, partitions and parquet)", async () => {
    // Regression: each write ran CREATE SCHEMA IF NOT EXISTS inside its own transaction, and two
    // transactions creating the same schema fail with "Catalog write-write conflict on create".
    const io = new DuckDBIOManager(db);
    const lake = new DuckDBIOManager(db, { format: "parquet" });
    await Promise.all([
      io.handleOutput(outputContext(dir, "bronze/orders", "2024-01-01"), { sql: "select 1 as id" }),
      io.handleOutput(outputContext(dir, "bronze/readings", "2024-01-01"), { sql: "select 2 as id" }),
      io.handleOutput(outputContext(dir, "bronze/customers"), [{ id: 3 }]),
      lake.handleOutput(outputContext(dir, "bronze/files"), [{ id: 4 }]),
    ]);
    expect(await db.query("select count(*)::integer as n from information_schema.tables where table_schema = 'bronze'")).toEqual([{ n: 4 }]);
  });

  test("one-part keys use the default schema; re-materialising replaces the table", async () => {
    const io = new DuckDBIOManager(db, { schema: "analytics" });
    await io.handleOutput(outputContext(dir, "orders"), orders);
    await io.handleOutput(outputContext(dir, "orders"), [{ id: 9, note: "new shape" }]);
    expect(await db.query("select * from analytics.orders")).toEqual([{ id: 9, note: "new shape" }]);
  });

  test("preview is capped at 10 rows; row_count counts all", async () => {
    const io = new DuckDBIOManager(db);
    const rows = Array.from({ length: 25 }, (_, i) => ({ i }));
    const meta = await io.handleOutput(outputContext(dir, "many"), rows);
    expect(meta.row_count).toEqual({ type: "int", value: 25 });
    expect((meta.preview?.value as { records: unknown[] }).records).toHaveLength(10);
  });

  test("{ sql } materialises a query; relations load lazily and can be returned", async () => {
    const io = new DuckDBIOManager(db, { loadAs: "relation" });
    await io.handleOutput(outputContext(dir, "raw/orders"), orders);
    const meta = await io.handleOutput(outputContext(dir, "mart/daily"), {
      sql: "select day, sum(amount) as total from raw.orders group by day order by day",
    });
    expect(meta.row_count).toEqual({ type: "int", value: 2 });
    const rel = (await io.loadInput(inputContext(dir, "mart/daily"))) as DuckDBRelation;
    expect(rel).toBeInstanceOf(DuckDBRelation);
    expect(rel.sql).toBe('"mart"."daily"');
    expect(await rel.count()).toBe(2);
    expect(await rel.rows("where total > $1", [10])).toEqual([{ day: "2024-01-01", total: 19.5 }]);
    await io.handleOutput(outputContext(dir, "mart/daily_copy"), rel);
    expect(await db.query("select count(*)::int as n from mart.daily_copy")).toEqual([{ n: 2 }]);
  });

  test("Arrow-like tables (numRows + toArray with toJSON rows) are stored", async () => {
    const io = new DuckDBIOManager(db);
    const arrowLike = {
      numRows: 2,
      toArray: () => [
        { toJSON: () => ({ a: 1, b: "x" }) },
        { toJSON: () => ({ a: 2, b: "y" }) },
      ],
    };
    await io.handleOutput(outputContext(dir, "arrow"), arrowLike);
    expect(await io.loadInput(inputContext(dir, "arrow"))).toEqual([{ a: 1, b: "x" }, { a: 2, b: "y" }]);
  });

  test("partitions: partition column, delete+insert of one partition, filtered loads", async () => {
    const io = new DuckDBIOManager(db);
    await io.handleOutput(outputContext(dir, "sales", "2024-01-01"), [{ v: 1 }, { v: 2 }]);
    await io.handleOutput(outputContext(dir, "sales", "2024-01-02"), [{ v: 3 }]);
    const meta = await io.handleOutput(outputContext(dir, "sales", "2024-01-01"), [{ v: 10 }]);
    expect(meta.row_count).toEqual({ type: "int", value: 2 });
    expect(meta.partition_row_count).toEqual({ type: "int", value: 1 });
    expect((meta.preview?.value as { records: unknown[] }).records).toEqual([{ v: 10, partition_key: "2024-01-01" }]);
    expect(await db.query("select v, partition_key from sales order by v")).toEqual([
      { v: 3, partition_key: "2024-01-02" },
      { v: 10, partition_key: "2024-01-01" },
    ]);
    expect(await io.loadInput(inputContext(dir, "sales", ["2024-01-02"]))).toEqual([{ v: 3, partition_key: "2024-01-02" }]);
    expect(await io.loadInput(inputContext(dir, "sales"))).toHaveLength(2);
    expect(await io.loadInput(inputContext(dir, "sales", []))).toEqual([]);
    // A query output replaces its partition too, even if it already has the partition column.
    await io.handleOutput(outputContext(dir, "sales", "2024-01-02"), { sql: "select 30 as v, 'junk' as partition_key" });
    expect(await io.loadInput(inputContext(dir, "sales", ["2024-01-02"]))).toEqual([{ v: 30, partition_key: "2024-01-02" }]);
  });

  test("query-sourced partitions create the table on first write", async () => {
    const io = new DuckDBIOManager(db, { partitionColumn: "day" });
    await io.handleOutput(outputContext(dir, "agg", "2024-02-01"), { sql: "select 1 as n" });
    await io.handleOutput(outputContext(dir, "agg", "2024-02-02"), { sql: "select 2 as n" });
    expect(await db.query("select * from agg order by n")).toEqual([
      { n: 1, day: "2024-02-01" },
      { n: 2, day: "2024-02-02" },
    ]);
  });

  test("returning nothing records a table the asset wrote itself; unknown values fail clearly", async () => {
    const io = new DuckDBIOManager(db);
    await db.exec("create table self_written as select 1 as x");
    const meta = await io.handleOutput(outputContext(dir, "self_written"), undefined);
    expect(meta.row_count).toEqual({ type: "int", value: 1 });
    await expect(io.handleOutput(outputContext(dir, "never_written"), undefined)).rejects.toMatchObject({
      code: "IO_FAILED",
      assetKey: "never_written",
    });
    await expect(io.handleOutput(outputContext(dir, "weird"), 42)).rejects.toMatchObject({
      code: "IO_FAILED",
      hint: expect.stringContaining("array of row objects"),
    });
    await expect(io.handleOutput(outputContext(dir, "empty"), [])).rejects.toThrow(/zero rows/);
  });

  test("loading a missing upstream names it and says what to do", async () => {
    const io = new DuckDBIOManager(db);
    await expect(io.loadInput(inputContext(dir, "raw/missing"))).rejects.toMatchObject({
      code: "IO_MISSING_INPUT",
      message: expect.stringContaining("raw/missing has no stored table raw.missing"),
      hint: expect.stringContaining("Materialise raw/missing first"),
    });
  });
});

describe("parquet format", () => {
  test("writes <instanceDir>/parquet/<key>.parquet, a view, metadata with uri; loads back", async () => {
    const io = new DuckDBIOManager(db, { format: "parquet" });
    const meta = await io.handleOutput(outputContext(dir, "raw/orders"), orders);
    const file = join(dir, "parquet", "raw", "orders.parquet");
    expect(existsSync(file)).toBe(true);
    expect(meta.uri).toEqual({ type: "path", value: file });
    expect(meta.row_count).toEqual({ type: "int", value: 3 });
    expect(meta.table_name).toEqual({ type: "text", value: "raw.orders" });
    expect(meta.column_schema?.type).toBe("table_schema");
    expect(await io.loadInput(inputContext(dir, "raw/orders"))).toEqual(orders);
    expect(await db.query("select count(*)::int as n from raw.orders")).toEqual([{ n: 3 }]);
    const fromSql = await io.handleOutput(outputContext(dir, "raw/big"), { sql: "select range as i from range(1000)" });
    expect(fromSql.row_count).toEqual({ type: "int", value: 1000 });
  });

  test("partitions go to <key>/<partition>.parquet and load selectively", async () => {
    const io = new DuckDBIOManager(db, { format: "parquet", parquetDir: join(dir, "lake") });
    await io.handleOutput(outputContext(dir, "events", "2024-01-01"), [{ e: "a" }, { e: "b" }]);
    const meta = await io.handleOutput(outputContext(dir, "events", "2024-01-02|eu"), [{ e: "c" }]);
    expect(existsSync(join(dir, "lake", "events", "2024-01-01.parquet"))).toBe(true);
    expect(existsSync(join(dir, "lake", "events", "2024-01-02%7Ceu.parquet"))).toBe(true);
    expect(meta.row_count).toEqual({ type: "int", value: 3 });
    expect(meta.partition_row_count).toEqual({ type: "int", value: 1 });
    expect(await io.loadInput(inputContext(dir, "events", ["2024-01-02|eu"]))).toEqual([{ e: "c" }]);
    expect(await io.loadInput(inputContext(dir, "events"))).toHaveLength(3);
    // Re-materialising a partition replaces just that file.
    await io.handleOutput(outputContext(dir, "events", "2024-01-01"), [{ e: "z" }]);
    expect(await db.query("select e from events order by e")).toEqual([{ e: "c" }, { e: "z" }]);
    await expect(io.loadInput(inputContext(dir, "events", ["2023-12-31"]))).rejects.toMatchObject({ code: "IO_MISSING_INPUT" });
  });

  test("switching an asset between table and parquet replaces the other object", async () => {
    await new DuckDBIOManager(db).handleOutput(outputContext(dir, "switch"), [{ a: 1 }]);
    await new DuckDBIOManager(db, { format: "parquet" }).handleOutput(outputContext(dir, "switch"), [{ a: 2 }]);
    expect(await db.query("select table_type as t from information_schema.tables where table_name = 'switch'")).toEqual([{ t: "VIEW" }]);
    await new DuckDBIOManager(db).handleOutput(outputContext(dir, "switch"), [{ a: 3 }]);
    expect(await db.query("select * from switch")).toEqual([{ a: 3 }]);
  });
});
