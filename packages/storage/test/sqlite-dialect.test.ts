import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kysely, sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteStorage, openStorage, sqliteDialect, toStorageError } from "../src/index.ts";

const root = mkdtempSync(join(tmpdir(), "strata-sqlite-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function pragma(db: Kysely<unknown>, name: string): Promise<unknown> {
  const res = await sql.raw(`pragma ${name}`).execute(db);
  return Object.values((res.rows[0] ?? {}) as Record<string, unknown>)[0];
}

describe("sqlite dialect", () => {
  it("opens connections with WAL, busy_timeout >= 5000, synchronous=NORMAL and foreign keys", async () => {
    const dialect = sqliteDialect({ path: join(root, "pragmas", "x.db") });
    const db = new Kysely<unknown>({ dialect: dialect.createKyselyDialect() });
    try {
      expect(await pragma(db, "journal_mode")).toBe("wal");
      expect(await pragma(db, "busy_timeout")).toBeGreaterThanOrEqual(5000);
      expect(await pragma(db, "synchronous")).toBe(1);
      expect(await pragma(db, "foreign_keys")).toBe(1);
    } finally {
      await db.destroy();
    }
    expect(dialect.capabilities).toEqual({ dialect: "sqlite", skipLocked: false });
  });

  it("never lowers busy_timeout below 5000", async () => {
    const db = new Kysely<unknown>({ dialect: sqliteDialect({ path: ":memory:", busyTimeoutMs: 10 }).createKyselyDialect() });
    expect(await pragma(db, "busy_timeout")).toBe(5000);
    await db.destroy();
  });

  it("creates parent directories", async () => {
    const storage = await openSqliteStorage(join(root, "a", "b", "c", "strata.db"));
    expect(await storage.listRuns()).toEqual([]);
    await storage.close();
  });

  it("reports a file that is not a database as a STORAGE error with a hint", async () => {
    const path = join(root, "garbage.db");
    writeFileSync(path, "this is not sqlite ".repeat(100));
    await expect(openSqliteStorage(path)).rejects.toMatchObject({
      code: "STORAGE",
      message: expect.stringContaining(path),
      hint: expect.stringContaining("not a valid Strata SQLite database"),
      details: { driverCode: "SQLITE_NOTADB" },
    });
  });

  it("reports an unusable path as a STORAGE error", async () => {
    const file = join(root, "plain-file");
    writeFileSync(file, "x");
    await expect(openSqliteStorage(join(file, "sub", "strata.db"))).rejects.toMatchObject({
      code: "STORAGE",
      message: expect.stringContaining("open the database"),
    });
  });

  it("maps driver errors to STORAGE with what failed and a hint", () => {
    const dialect = sqliteDialect({ path: ":memory:" });
    const busy = Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" });
    const err = toStorageError(busy, "store 3 events", dialect);
    expect(err).toMatchObject({ code: "STORAGE", message: expect.stringContaining("store 3 events"), hint: expect.stringContaining("busy_timeout") });
    expect(err.message).toContain("database is locked");
    expect(err.cause).toBe(busy);
  });

  it("opens storages from a config", async () => {
    mkdirSync(join(root, "cfg"), { recursive: true });
    const file = await openStorage({ kind: "sqlite", path: join(root, "cfg", "s.db") });
    const memory = await openStorage({ kind: "memory" });
    expect(file.capabilities.dialect).toBe("sqlite");
    expect(await memory.listRuns()).toEqual([]);
    await file.close();
    await memory.close();
    await expect(openStorage({ kind: "redis" } as never)).rejects.toMatchObject({ code: "CONFIG_INVALID" });
  });
});
