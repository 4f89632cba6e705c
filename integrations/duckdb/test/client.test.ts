import { afterEach, describe, expect, test } from "vitest";
import { openDuckDB, quoteIdent, qualified, quoteLiteral, type DuckDBClient } from "../src/index.ts";
import { memoryPath } from "./helpers.ts";

let db: DuckDBClient;
afterEach(async () => {
  await db?.close();
});

async function fresh(): Promise<DuckDBClient> {
  db = await openDuckDB({ path: memoryPath() });
  return db;
}

describe("query and parameters", () => {
  test("positional ($1 and ?) and named parameters", async () => {
    await fresh();
    await db.exec("create table t(id int, name varchar); insert into t values (1, 'a'), (2, 'b'), (3, 'c')");
    expect(await db.query("select name from t where id = $1", [2])).toEqual([{ name: "b" }]);
    expect(await db.query("select name from t where id > ? and id < ?", [1, 3])).toEqual([{ name: "b" }]);
    expect(await db.query("select id from t where name = $n", { n: "c" })).toEqual([{ id: 3 }]);
    expect(await db.query("select count(*) as n from t where id = any($1)", [[1, 3]])).toEqual([{ n: 2 }]);
  });

  test("injection attempts in parameters stay data", async () => {
    await fresh();
    await db.exec("create table users(name varchar)");
    const evil = "x'); drop table users; --";
    await db.run("insert into users values ($1)", [evil]);
    expect(await db.query("select name from users")).toEqual([{ name: evil }]);
    expect(await db.tableExists("main", "users")).toBe(true);
  });

  test("quoteIdent / qualified keep hostile identifiers as names", async () => {
    await fresh();
    const name = 'we"ird; drop table t; --';
    await db.exec(`create table t(a int); create table ${qualified("main", name)} (${quoteIdent("col ' \" x")} int)`);
    await db.run(`insert into ${qualified("main", name)} values (1)`);
    expect(await db.query(`select * from ${qualified("main", name)}`)).toEqual([{ "col ' \" x": 1 }]);
    expect(await db.tableExists("main", "t")).toBe(true);
    expect(quoteIdent('a"b')).toBe('"a""b"');
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(() => quoteIdent("a\0b")).toThrow(/NUL/);
  });

  test("run reports changed rows; exec runs several statements", async () => {
    await fresh();
    await db.exec("create table t(a int); insert into t values (1); insert into t values (2), (3)");
    expect(await db.run("update t set a = a + 10 where a >= $1", [2])).toEqual({ rowsChanged: 2 });
    expect(await db.query("select sum(a)::int as s from t")).toEqual([{ s: 26 }]);
  });
});

describe("type conversion", () => {
  test("DuckDB values become plain JSON-safe JS values", async () => {
    await fresh();
    const [row] = await db.query(`select
      42::tinyint as ti, 7::bigint as big, 9007199254740993::bigint as huge_big,
      170141183460469231731687303715884105727::hugeint as hi, 12.34::decimal(10,2) as dec,
      1.5::double as dbl, true as b, 'x' as s, date '2024-02-29' as d,
      timestamp '2024-01-02 03:04:05.123' as ts, timestamp '2024-01-02 03:04:05.123456' as ts_us,
      timestamptz '2024-01-02 03:04:05+02' as tstz, 'infinity'::timestamp as inf,
      time '01:02:03' as tm, interval 3 day as iv, [1, 2] as l, {'k': 'v', 'n': [1]} as st,
      '{"a":[1,{"b":null}]}'::json as js, '550e8400-e29b-41d4-a716-446655440000'::uuid as u,
      'ab'::blob as bl, null::int as nul`);
    expect(row).toEqual({
      ti: 42, big: 7, huge_big: "9007199254740993", hi: "170141183460469231731687303715884105727", dec: 12.34,
      dbl: 1.5, b: true, s: "x", d: "2024-02-29",
      ts: "2024-01-02T03:04:05.123Z", ts_us: "2024-01-02T03:04:05.123456Z",
      tstz: "2024-01-02T01:04:05.000Z", inf: "infinity",
      tm: "01:02:03", iv: "3 days", l: [1, 2], st: { k: "v", n: [1] },
      js: { a: [1, { b: null }] }, u: "550e8400-e29b-41d4-a716-446655440000",
      bl: new Uint8Array([97, 98]), nul: null,
    });
  });

  test("JS parameters bind to sensible DuckDB types", async () => {
    await fresh();
    const when = new Date("2024-05-06T07:08:09.010Z");
    const [row] = await db.query(
      "select $1 = timestamptz '2024-05-06 07:08:09.010+00' as same, typeof($2) as list_t, $2 as l, $3 as obj, typeof($4) as big_t, $5 as nothing",
      [when, [1, 2.5, null], { a: 1 }, 2n ** 70n, null],
    );
    expect(row).toEqual({ same: true, list_t: "DOUBLE[]", l: [1, 2.5, null], obj: '{"a":1}', big_t: "HUGEINT", nothing: null });
  });
});

describe("catalog helpers and transactions", () => {
  test("tableExists, describe, schema option", async () => {
    db = await openDuckDB({ path: memoryPath(), schema: "analytics" });
    await db.exec("create table orders(id bigint not null, amount decimal(10,2), created_at timestamp)");
    expect(await db.tableExists("analytics", "orders")).toBe(true);
    expect(await db.tableExists("main", "orders")).toBe(false);
    expect(await db.describe("orders")).toEqual([
      { name: "id", type: "BIGINT", nullable: false },
      { name: "amount", type: "DECIMAL(10,2)", nullable: true },
      { name: "created_at", type: "TIMESTAMP", nullable: true },
    ]);
    expect(await db.describe("analytics.orders")).toHaveLength(3);
  });

  test("transaction commits on success and rolls back on error", async () => {
    await fresh();
    await db.exec("create table t(a int)");
    await db.transaction(async (tx) => {
      await tx.run("insert into t values (1)");
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.run("insert into t values (2)");
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await db.query("select a from t")).toEqual([{ a: 1 }]);
  });

  test("overlapping async calls each get their own connection", async () => {
    await fresh();
    await db.exec("create table t(a int)");
    const writers = Array.from({ length: 8 }, (_, i) =>
      db.transaction(async (tx) => {
        await tx.run("insert into t values ($1)", [i]);
        await new Promise((r) => setTimeout(r, 5));
        return tx.query<{ n: number }>("select count(*)::int as n from t where a = $1", [i]);
      }),
    );
    const results = await Promise.all([...writers, db.query("select 1 as one")]);
    expect(results.slice(0, 8).every((r) => (r as { n: number }[])[0]?.n === 1)).toBe(true);
    expect(await db.query("select count(*)::int as n from t")).toEqual([{ n: 8 }]);
  });

  test("clients on one path share a database; the last close releases it", async () => {
    const path = memoryPath();
    const a = await openDuckDB({ path });
    const b = await openDuckDB({ path });
    await a.exec("create table shared(x int); insert into shared values (7)");
    expect(await b.query("select x from shared")).toEqual([{ x: 7 }]);
    await a.close();
    expect(await b.query("select x from shared")).toEqual([{ x: 7 }]);
    await b.close();
    db = await openDuckDB({ path });
    expect(await db.tableExists("main", "shared")).toBe(false);
    await expect(a.query("select 1")).rejects.toMatchObject({ code: "USAGE" });
  });
});

describe("appendRows", () => {
  test("creates the table from inferred types and appends", async () => {
    await fresh();
    const n = await db.appendRows("events", [
      { id: 1, score: 1.5, name: "a", ok: true, at: new Date("2024-01-01T00:00:00Z"), tags: ["x"], extra: null },
      { id: 2, score: 2, name: null, ok: false, at: null, tags: [], extra: 3 },
    ]);
    expect(n).toBe(2);
    expect((await db.describe("events")).map((c) => `${c.name}:${c.type}`)).toEqual([
      "id:BIGINT", "score:DOUBLE", "name:VARCHAR", "ok:BOOLEAN", "at:TIMESTAMP WITH TIME ZONE", "tags:JSON", "extra:BIGINT",
    ]);
    expect(await db.query("select * from events order by id")).toEqual([
      { id: 1, score: 1.5, name: "a", ok: true, at: "2024-01-01T00:00:00.000Z", tags: ["x"], extra: null },
      { id: 2, score: 2, name: null, ok: false, at: null, tags: [], extra: 3 },
    ]);
  });

  test("fills existing typed columns from lenient JS values and rejects unknown columns", async () => {
    await fresh();
    await db.exec("create table t(d date, ts timestamp, amount decimal(10,2), big bigint, label varchar)");
    await db.appendRows("t", [{ d: "2024-03-01", ts: "2024-03-01T10:00:00Z", amount: 9.99, big: "9007199254740993", label: 5 }]);
    expect(await db.query("select * from t")).toEqual([
      { d: "2024-03-01", ts: "2024-03-01T10:00:00.000Z", amount: 9.99, big: "9007199254740993", label: "5" },
    ]);
    await expect(db.appendRows("t", [{ d: "2024-03-02", nope: 1 }])).rejects.toMatchObject({
      code: "WAREHOUSE_QUERY",
      message: expect.stringContaining('no column "nope"'),
    });
    await expect(db.appendRows("t", [{ d: "not a date" }])).rejects.toThrow(/row 0, column "d" \(DATE\)/);
    expect(await db.query("select count(*)::int as n from t")).toEqual([{ n: 1 }]);
  });

  test("100k rows", async () => {
    await fresh();
    const rows = Array.from({ length: 100_000 }, (_, i) => ({
      id: i,
      amount: i * 1.25,
      name: `customer ${i}`,
      active: i % 3 === 0,
      day: `2024-01-${String((i % 28) + 1).padStart(2, "0")}`,
    }));
    const t0 = performance.now();
    await db.appendRows("big", rows);
    const createMs = performance.now() - t0;
    const t1 = performance.now();
    await db.appendRows("big", rows);
    const appendMs = performance.now() - t1;
    console.log(`appendRows 100k rows x 5 cols: ${createMs.toFixed(0)} ms (create + append), ${appendMs.toFixed(0)} ms (append to existing)`);
    expect(await db.query("select count(*)::int as n, sum(id)::bigint as s from big")).toEqual([{ n: 200_000, s: 2 * 4_999_950_000 }]);
    expect(createMs).toBeLessThan(5_000);
  });
});
