import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { env, resolveResourceConfig, validateLiteralConfig, type ResourceDefinition } from "@strata/core";
import { duckdbIOManager, duckdbResource, openDatabasePaths, type DuckDBClient } from "../src/index.ts";
import { inputContext, outputContext, tempDir } from "./helpers.ts";

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

async function create<T>(def: ResourceDefinition<T>, environment: Record<string, string> = {}): Promise<T> {
  const { config } = resolveResourceConfig("r", def as ResourceDefinition, environment);
  return def.create(config, { instanceDir: dir, runId: "run-1", log: () => {} });
}

test("default path is <instanceDir>/warehouse.duckdb; teardown closes the file", async () => {
  const def = duckdbResource();
  const db = await create(def);
  expect(db.path).toBe(join(dir, "warehouse.duckdb"));
  expect(db.schema).toBe("main");
  await db.exec("create table t as select 1 as x");
  expect(existsSync(join(dir, "warehouse.duckdb"))).toBe(true);
  expect(openDatabasePaths()).toContain(db.path);
  await def.teardown?.(db);
  expect(openDatabasePaths()).not.toContain(db.path);
});

test(":memory:, schema, threads and memoryLimit are applied", async () => {
  const def = duckdbResource({ path: ":memory:res-test", schema: "stage", threads: 1, memoryLimit: "256MB" });
  const db = await create(def);
  expect(db.path).toBe(":memory:res-test");
  await db.exec("create table t(a int)");
  expect(await db.tableExists("stage", "t")).toBe(true);
  expect(await db.query("select current_setting('threads')::int as th, current_setting('memory_limit') as mem")).toEqual([
    { th: 1, mem: "244.1 MiB" },
  ]);
  await db.close();
});

test("config is validated and may come from env", async () => {
  expect(() => validateLiteralConfig("warehouse", duckdbResource({ memoryLimit: "lots" }) as ResourceDefinition)).toThrow(
    /memoryLimit/,
  );
  expect(() => validateLiteralConfig("warehouse", duckdbResource({ threads: 0 }) as ResourceDefinition)).toThrow(/threads/);
  const db = await create(duckdbResource({ path: env("STRATA_TEST_DUCKDB") }), { STRATA_TEST_DUCKDB: join(dir, "x", "custom.duckdb") });
  expect(db.path).toBe(join(dir, "x", "custom.duckdb"));
  await db.close();
});

test("the I/O manager resource and the duckdb resource share the default warehouse", async () => {
  const ioDef = duckdbIOManager({ format: "table" });
  const io = await create(ioDef);
  const dbDef = duckdbResource();
  const db: DuckDBClient = await create(dbDef);
  await io.handleOutput(outputContext(dir, "raw/customers"), [{ id: 1, name: "ann" }]);
  expect(await db.query("select name from raw.customers")).toEqual([{ name: "ann" }]);
  expect(await io.loadInput(inputContext(dir, "raw/customers"))).toEqual([{ id: 1, name: "ann" }]);
  await ioDef.teardown?.(io);
  expect(await db.query("select count(*)::int as n from raw.customers")).toEqual([{ n: 1 }]);
  await dbDef.teardown?.(db);
  expect(openDatabasePaths()).not.toContain(db.path);
});

test("read-only clients read an existing file and refuse writes with a hint", async () => {
  const path = join(dir, "ro.duckdb");
  const rw = await create(duckdbResource({ path }));
  await rw.exec("create table t as select 1 as x");
  await rw.close();
  const ro = await create(duckdbResource({ path, readOnly: true }));
  expect(await ro.query("select x from t")).toEqual([{ x: 1 }]);
  await expect(ro.exec("insert into t values (2)")).rejects.toMatchObject({
    code: "WAREHOUSE_QUERY",
    hint: expect.stringContaining("readOnly"),
  });
  await expect(create(duckdbResource({ path }))).rejects.toMatchObject({ code: "WAREHOUSE_LOCKED" });
  await ro.close();
});
