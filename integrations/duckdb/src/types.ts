import type { TableRef } from "./identifiers.ts";

/** A result row: column name → converted JS value (see `convert.ts` for the mapping). */
export type Row = Record<string, unknown>;

/** `$1`/`?` positional parameters as an array, or `$name` parameters as an object. */
export type SqlParams = readonly unknown[] | Readonly<Record<string, unknown>>;

/** One column as reported by {@link DuckDBQueryable.describe}. */
export interface ColumnInfo {
  name: string;
  /** DuckDB type, e.g. `BIGINT`, `VARCHAR`, `DECIMAL(18,2)`, `STRUCT(a INTEGER)`. */
  type: string;
  nullable: boolean;
}

export interface AppendOptions {
  /**
   * Create the table when it does not exist, with column types inferred from the rows
   * (integers → BIGINT, other numbers → DOUBLE, bigint → HUGEINT, strings → VARCHAR,
   * booleans → BOOLEAN, Dates → TIMESTAMPTZ, Uint8Array → BLOB, arrays/objects → JSON,
   * mixed → VARCHAR). Default true.
   */
  create?: boolean;
}

/** The operations available both on a client and inside a transaction. */
export interface DuckDBQueryable {
  /**
   * Runs a query and returns plain JS rows.
   * @example
   * const rows = await db.query<{ id: number }>("select id from orders where status = $1", ["paid"]);
   */
  query<T = Row>(sql: string, params?: SqlParams): Promise<T[]>;
  /** Runs one statement, returning how many rows it changed. */
  run(sql: string, params?: SqlParams): Promise<{ rowsChanged: number }>;
  /** Runs several `;`-separated statements (no parameters). */
  exec(sql: string): Promise<void>;
  tableExists(schema: string, name: string): Promise<boolean>;
  /** Columns of a table or view, in order. */
  describe(table: TableRef): Promise<ColumnInfo[]>;
  /**
   * Bulk-inserts row objects through DuckDB's appender (about 100k rows in ~0.1–0.3 s).
   * Columns are matched by name; missing keys become NULL. Returns the number of rows appended.
   */
  appendRows(table: TableRef, rows: readonly Row[], options?: AppendOptions): Promise<number>;
}
