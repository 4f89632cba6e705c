import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { once } from "node:events";
import { afterEach, beforeEach, expect, test } from "vitest";
import { StrataError } from "@strata/core";
import { openDuckDB, truncateSql } from "../src/index.ts";
import { memoryPath, tempDir } from "./helpers.ts";

let dir: string;
let cleanup: () => void;
let child: ChildProcess | undefined;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill();
    await once(child, "exit");
  }
  child = undefined;
  cleanup();
});

test("bad SQL: the error shows DuckDB's message, the SQL and a hint", async () => {
  const db = await openDuckDB({ path: memoryPath() });
  try {
    const err = await db.query("selec * from orders").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StrataError);
    expect(err).toMatchObject({
      code: "WAREHOUSE_QUERY",
      message: expect.stringMatching(/Parser Error: syntax error at or near "selec"[\s\S]*SQL: selec \* from orders/),
      hint: expect.stringContaining("syntax"),
      details: { sql: "selec * from orders" },
    });
    await expect(db.query("select * from nowhere")).rejects.toMatchObject({
      message: expect.stringContaining("Table with name nowhere does not exist"),
      hint: expect.stringContaining("has been materialised"),
    });
    await db.exec("create table t(a int)");
    await expect(db.query("select b from t")).rejects.toMatchObject({ hint: expect.stringContaining("describe(table)") });
    await expect(db.run("insert into t values ($1)", ["not a number"])).rejects.toMatchObject({
      hint: expect.stringContaining("cast"),
    });
  } finally {
    await db.close();
  }
});

test("long SQL is truncated in messages", async () => {
  const long = `select ${"1 + ".repeat(400)}1 as x from nope`;
  expect(truncateSql(long)).toMatch(/… \(\d+ more characters\)$/);
  const db = await openDuckDB({ path: memoryPath() });
  const err = (await db.query(long).catch((e: unknown) => e)) as StrataError;
  expect(err.message.length).toBeLessThan(1200);
  await db.close();
});

test("a file locked by another process gives WAREHOUSE_LOCKED naming the file and the holder", async () => {
  const file = join(dir, "warehouse.duckdb");
  const holder = `
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const db = await DuckDBInstance.create(${JSON.stringify(file)});
    await (await db.connect()).run("create table t(a int)");
    console.log("ready");
    setInterval(() => {}, 1000);
  `;
  child = spawn(process.execPath, ["--input-type=module", "-e", holder], { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"] });
  const [chunk] = (await once(child.stdout!, "data")) as [Buffer];
  expect(chunk.toString()).toContain("ready");

  const err = (await openDuckDB({ path: file }).catch((e: unknown) => e)) as StrataError;
  expect(err).toBeInstanceOf(StrataError);
  expect(err.code).toBe("WAREHOUSE_LOCKED");
  expect(err.message).toContain(file);
  expect(err.message).toContain(`PID ${child.pid}`);
  expect(err.hint).toContain("readOnly");
  expect(err.details).toMatchObject({ file, pid: child.pid });

  child.kill();
  await once(child, "exit");
  const db = await openDuckDB({ path: file });
  expect(await db.tableExists("main", "t")).toBe(true);
  await db.close();
});

/** A child process that opens `file` read-write (taking DuckDB's lock) and holds it for `holdMs` (forever when omitted). */
async function holdLock(file: string, holdMs?: number): Promise<ChildProcess> {
  const code = `
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const db = await DuckDBInstance.create(${JSON.stringify(file)});
    await (await db.connect()).run("create table if not exists t(a int)");
    console.log("ready");
    ${holdMs === undefined ? "setInterval(() => {}, 1000);" : `setTimeout(() => { db.closeSync(); process.exit(0); }, ${holdMs});`}
  `;
  const proc = spawn(process.execPath, ["--input-type=module", "-e", code], { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"] });
  const [chunk] = (await once(proc.stdout!, "data")) as [Buffer];
  expect(chunk.toString()).toContain("ready");
  return proc;
}

test("with lockTimeoutMs, opening a file another process holds waits for the lock to be released", async () => {
  const file = join(dir, "queued.duckdb");
  child = await holdLock(file, 600);
  const waits: string[] = [];
  const db = await openDuckDB({ path: file, lockTimeoutMs: 30_000, onLockWait: (holder) => waits.push(holder) });
  expect(waits).toHaveLength(1);
  expect(waits[0]).toContain(`PID ${child.pid}`);
  expect(await db.tableExists("main", "t")).toBe(true);
  await db.close();
});

test("a lock held past lockTimeoutMs fails with WAREHOUSE_LOCKED saying how long it waited", async () => {
  const file = join(dir, "held.duckdb");
  child = await holdLock(file);
  const err = (await openDuckDB({ path: file, lockTimeoutMs: 300 }).catch((e: unknown) => e)) as StrataError;
  expect(err).toBeInstanceOf(StrataError);
  expect(err.code).toBe("WAREHOUSE_LOCKED");
  expect(err.message).toMatch(/locked by .*PID \d+.*waited 300 ms for it; lockTimeoutMs/);
});
