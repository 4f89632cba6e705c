import type { ColumnDataType, ColumnDefinitionBuilder, CompiledQuery, Dialect, Kysely } from "kysely";
import type { StorageCapabilities } from "./storage.ts";
import type { StrataDatabase } from "./schema.ts";

/** Column types that differ between dialects; migrations ask the dialect instead of branching. */
export interface MigrationTypes {
  /** Auto-incrementing integer primary key, e.g. SQLite `integer primary key autoincrement`. */
  readonly id: { type: ColumnDataType; modify: (col: ColumnDefinitionBuilder) => ColumnDefinitionBuilder };
  /** 64-bit integer (milliseconds since the epoch, event ids). */
  readonly bigint: ColumnDataType;
}

/** What kind of driver error happened, so callers can react (e.g. duplicate run ids). */
export type DriverErrorKind = "unique" | "busy" | "readonly" | "corrupt" | "full" | "cantopen" | "other";

export interface DriverErrorInfo {
  kind: DriverErrorKind;
  /** The driver's own code (e.g. `SQLITE_BUSY`, Postgres SQLSTATE), for details. */
  code?: string;
  /** What the user can do about it. */
  hint: string;
}

/**
 * Everything {@link SqlStorage} needs to know about a database engine. A dialect supplies only
 * the connection, the migration column types, capability flags and error classification; all
 * queries live in the shared implementation and are written in SQL both SQLite and Postgres run.
 *
 * @example
 * const storage = await SqlStorage.open(sqliteDialect({ path: ".strata/strata.db" }));
 */
export interface StorageDialect {
  readonly capabilities: StorageCapabilities;
  /** Human description for error messages, e.g. `SQLite database at /x/strata.db`. */
  readonly description: string;
  /**
   * Statement that opens a read-write transaction. SQLite uses `BEGIN IMMEDIATE` so the write
   * lock is taken up front (waiting up to busy_timeout) instead of failing on upgrade.
   */
  readonly beginWriteTransaction: string;
  /** `SELECT ... FOR UPDATE` exists and is needed to serialise read-modify-write (Postgres). */
  readonly rowLocks: boolean;
  /** Bind parameters allowed in one statement; bulk statements are chunked below it. */
  readonly maxParameters: number;
  readonly migrationTypes: MigrationTypes;
  /** Opens the connection (or pool) and wraps it in a Kysely dialect. Called once per storage. */
  createKyselyDialect(): Dialect;
  /**
   * Serialises concurrent migrators; runs inside the migration transaction. Optional because
   * SQLite's `BEGIN IMMEDIATE` already does it (Postgres: `pg_advisory_xact_lock`).
   */
  lockForMigration?(db: Kysely<StrataDatabase>): Promise<void>;
  /**
   * Optional fast path for reads that map tens of thousands of rows (partition status): runs a
   * compiled read-only query and returns its rows as arrays in select order, skipping the
   * driver's per-row objects (about half the cost of a 50,000-row read on SQLite). Callers hold
   * the storage's connection while calling it. Postgres: `pg` with `rowMode: "array"`.
   */
  selectArrays?(query: CompiledQuery): Promise<unknown[][]>;
  /** Classifies a driver error, or undefined when it did not come from the driver. */
  describeError(err: unknown): DriverErrorInfo | undefined;
}
