import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { StrataError } from "@strata/core";
import { openDatabase, releaseDatabase, databaseKey } from "./database-cache.ts";
import { quoteIdent, quoteLiteral, type TableRef } from "./identifiers.ts";
import { DuckDBSession } from "./session.ts";
import type { AppendOptions, ColumnInfo, DuckDBQueryable, Row, SqlParams } from "./types.ts";

export interface DuckDBClientOptions {
  /** File path, or `:memory:` (shared by the process) / `:memory:<name>` (a separate one). */
  path: string;
  /** Open with access_mode READ_ONLY (several processes may read one file when none writes). */
  readOnly?: boolean;
  /** Default schema for unqualified names; created when missing (unless read-only). Default "main". */
  schema?: string;
  /** DuckDB worker threads (database-wide; the first opener of a path sets it). */
  threads?: number;
  /** e.g. "2GB" (database-wide; the first opener of a path sets it). */
  memoryLimit?: string;
  /**
   * While another process holds the file (DuckDB allows one writer process), keep retrying
   * this long before failing with WAREHOUSE_LOCKED. Default 0 (fail at once); the resource and
   * the I/O manager default to 60 s, so concurrent runs on one warehouse queue up.
   */
  lockTimeoutMs?: number;
  /** Called once when the open has to wait for another process's lock. */
  onLockWait?: (holder: string) => void;
}

const MAX_IDLE = 4;

/**
 * A handle on a DuckDB database. Every call borrows a connection from a small pool, so
 * overlapping async steps run concurrently (DuckDB's MVCC keeps them isolated; two steps
 * writing the same table conflict and one fails). All handles on one path share a single
 * instance in the process; `close()` releases this handle and the last one closes the file.
 *
 * Sessions run with `TimeZone = 'UTC'`, so Date parameters and TIMESTAMPTZ values are UTC.
 *
 * @example
 * const db = await openDuckDB({ path: ":memory:" });
 * await db.exec("create table t(id int, name varchar); insert into t values (1, 'a')");
 * const rows = await db.query<{ id: number; name: string }>("select * from t where id = ?", [1]);
 * await db.close();
 */
export class DuckDBClient implements DuckDBQueryable {
  private readonly idle: DuckDBConnection[] = [];
  private closed = false;

  private constructor(
    private readonly shared: Awaited<ReturnType<typeof openDatabase>>,
    readonly path: string,
    readonly schema: string,
    readonly readOnly: boolean,
  ) {}

  /** Use {@link openDuckDB}. */
  static async open(options: DuckDBClientOptions): Promise<DuckDBClient> {
    const path = options.path;
    const readOnly = options.readOnly ?? false;
    if (!path.startsWith(":memory:") && !readOnly) mkdirSync(dirname(databaseKey(path)), { recursive: true });
    const shared = await openDatabase(
      path,
      { readOnly, threads: options.threads, memoryLimit: options.memoryLimit },
      { timeoutMs: options.lockTimeoutMs ?? 0, ...(options.onLockWait ? { onWait: options.onLockWait } : {}) },
    );
    const client = new DuckDBClient(shared, databaseKey(path), options.schema ?? "main", readOnly);
    try {
      await client.withSession(async () => undefined);
    } catch (err) {
      await client.close();
      throw err;
    }
    return client;
  }

  query<T = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.withSession((s) => s.query<T>(sql, params));
  }

  run(sql: string, params?: SqlParams): Promise<{ rowsChanged: number }> {
    return this.withSession((s) => s.run(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.withSession((s) => s.exec(sql));
  }

  tableExists(schema: string, name: string): Promise<boolean> {
    return this.withSession((s) => s.tableExists(schema, name));
  }

  describe(table: TableRef): Promise<ColumnInfo[]> {
    return this.withSession((s) => s.describe(table));
  }

  appendRows(table: TableRef, rows: readonly Row[], options?: AppendOptions): Promise<number> {
    return this.transaction((tx) => tx.appendRows(table, rows, options));
  }

  /**
   * Runs `fn` in a transaction on one connection: committed when it resolves, rolled back
   * when it throws (the error is rethrown).
   *
   * @example
   * await db.transaction(async (tx) => {
   *   await tx.run("delete from sales where day = $1", [day]);
   *   await tx.appendRows("sales", rows);
   * });
   */
  transaction<T>(fn: (tx: DuckDBQueryable) => Promise<T>): Promise<T> {
    return this.withSession(async (s) => {
      await s.exec("BEGIN TRANSACTION");
      let result: T;
      try {
        result = await fn(s);
      } catch (err) {
        await s.exec("ROLLBACK").catch(() => undefined);
        throw err;
      }
      await s.exec("COMMIT");
      return result;
    });
  }

  /** Closes this handle's connections; the file closes when the last handle on it does. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.idle.splice(0)) c.closeSync();
    await releaseDatabase(this.shared);
  }

  private async withSession<T>(fn: (s: DuckDBSession) => Promise<T>): Promise<T> {
    if (this.closed) {
      throw new StrataError("USAGE", `DuckDB client for ${this.path} is closed`, {
        hint: "Open a new client (openDuckDB) or keep the resource alive for the whole run.",
      });
    }
    const connection = this.idle.pop() ?? (await this.connect());
    try {
      return await fn(new DuckDBSession(connection, this.schema));
    } finally {
      if (this.closed || this.idle.length >= MAX_IDLE) connection.closeSync();
      else this.idle.push(connection);
    }
  }

  private async connect(): Promise<DuckDBConnection> {
    const connection = await (await this.shared.instance).connect();
    // Settings are per connection: UTC makes Date/TIMESTAMPTZ handling independent of the host.
    const setup = [`SET TimeZone = 'UTC'`];
    if (this.schema !== "main") {
      if (!this.readOnly) setup.push(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.schema)}`);
      setup.push(`SET schema = ${quoteLiteral(this.schema)}`);
    }
    try {
      await new DuckDBSession(connection, this.schema).exec(setup.join("; "));
    } catch (err) {
      connection.closeSync();
      throw err;
    }
    return connection;
  }
}

/**
 * Opens a {@link DuckDBClient}. One instance per path per process is shared by all clients.
 *
 * @example
 * const db = await openDuckDB({ path: "data/warehouse.duckdb", schema: "analytics" });
 */
export function openDuckDB(options: DuckDBClientOptions): Promise<DuckDBClient> {
  return DuckDBClient.open(options);
}
