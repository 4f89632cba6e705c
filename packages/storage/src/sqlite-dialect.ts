import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import { SqliteDialect, type CompiledQuery, type SqliteDatabase, type SqliteStatement } from "kysely";
import type { DriverErrorInfo, StorageDialect } from "./storage-dialect.ts";

export interface SqliteDialectOptions {
  /** Database file, or `":memory:"` for a private in-memory database (tests). */
  path: string;
  /** How long a writer waits for another process's lock before failing. Default 5000 ms. */
  busyTimeoutMs?: number;
}

const STATEMENT_CACHE_SIZE = 256;

/**
 * The SQLite dialect (better-sqlite3): WAL journal, `synchronous=NORMAL`, `busy_timeout`
 * ≥ 5 s and foreign keys on, so several processes can share one file safely.
 *
 * @example
 * const storage = await SqlStorage.open(sqliteDialect({ path: "/tmp/strata.db" }));
 */
export function sqliteDialect(options: SqliteDialectOptions): StorageDialect {
  const memory = options.path === ":memory:";
  const path = memory ? options.path : resolve(options.path);
  const busyTimeoutMs = Math.max(5000, options.busyTimeoutMs ?? 5000);
  let database: Database.Database | undefined;
  // Raw-mode statements are kept apart from Kysely's cache: raw(true) changes what a statement returns.
  const arrayStatements = new Map<string, Database.Statement>();
  return {
    capabilities: { dialect: "sqlite", skipLocked: false },
    description: memory ? "in-memory SQLite database" : `SQLite database at ${path}`,
    beginWriteTransaction: "begin immediate",
    rowLocks: false,
    // SQLite's default SQLITE_MAX_VARIABLE_NUMBER since 3.32.
    maxParameters: 32766,
    migrationTypes: {
      id: { type: "integer", modify: (col) => col.primaryKey().autoIncrement() },
      bigint: "integer",
    },
    createKyselyDialect() {
      if (!memory) mkdirSync(dirname(path), { recursive: true });
      const db = new Database(path);
      try {
        // busy_timeout first: switching to WAL needs a lock another process may hold.
        db.pragma(`busy_timeout = ${busyTimeoutMs}`);
        if (!memory) db.pragma("journal_mode = WAL");
        db.pragma("synchronous = NORMAL");
        db.pragma("foreign_keys = ON");
      } catch (err) {
        db.close();
        throw err;
      }
      database = db;
      return new SqliteDialect({ database: cachingDatabase(db) });
    },
    async selectArrays(query: CompiledQuery): Promise<unknown[][]> {
      if (!database) throw new Error("sqlite dialect: selectArrays called before the connection was opened");
      let stmt = arrayStatements.get(query.sql);
      if (!stmt) {
        stmt = database.prepare(query.sql).raw(true);
        if (arrayStatements.size >= 32) arrayStatements.clear();
        arrayStatements.set(query.sql, stmt);
      }
      return stmt.all(...(query.parameters as unknown[])) as unknown[][];
    },
    describeError: describeSqliteError,
  };
}

/**
 * Kysely prepares every query afresh; caching prepared statements by SQL text makes repeated
 * queries (the event insert hot path) skip SQLite's parser. Bounded LRU.
 */
function cachingDatabase(db: Database.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      const hit = cache.get(sql);
      if (hit) {
        cache.delete(sql);
        cache.set(sql, hit);
        return hit;
      }
      const stmt = db.prepare(sql) as unknown as SqliteStatement;
      cache.set(sql, stmt);
      if (cache.size > STATEMENT_CACHE_SIZE) {
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
      return stmt;
    },
  };
}

function describeSqliteError(err: unknown): DriverErrorInfo | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== "string" || !code.startsWith("SQLITE_")) return undefined;
  if (code.startsWith("SQLITE_CONSTRAINT_UNIQUE") || code.startsWith("SQLITE_CONSTRAINT_PRIMARYKEY")) {
    return { kind: "unique", code, hint: "A row with this key already exists." };
  }
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return {
      kind: "busy",
      code,
      hint: "Another process held the database lock longer than busy_timeout. Check for a stuck process, or use Postgres for heavy concurrent writing.",
    };
  }
  if (code.startsWith("SQLITE_READONLY")) {
    return { kind: "readonly", code, hint: "The database file or its directory is read-only: check its permissions." };
  }
  if (code.startsWith("SQLITE_CANTOPEN")) {
    return { kind: "cantopen", code, hint: "Check that the directory exists and is writable." };
  }
  if (code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB") {
    return { kind: "corrupt", code, hint: "The file is not a valid Strata SQLite database. Restore a backup or point Strata at a new file." };
  }
  if (code.startsWith("SQLITE_FULL") || code.startsWith("SQLITE_IOERR")) {
    return { kind: "full", code, hint: "The disk is full or failing: free space and retry." };
  }
  return { kind: "other", code, hint: "See the SQLite error code above." };
}
