/**
 * The warehouse side of running a dbt project: what compilation asks (the {@link Introspection}
 * reads), plus statement execution and transactions. One implementation per engine
 * (`duckdbAdapter`, `postgresAdapter`); the runner never branches on the engine beyond
 * `adapter.type`, which picks the statement dialect.
 *
 * @example
 * const adapter = await openAdapter(project.target);
 * await adapter.transaction(async (tx) => { await tx.execute("create table t as select 1 as x"); });
 * await adapter.close();
 */
import type { QueryResult } from "../agate-table.ts";
import type { Introspection, WarehouseColumn } from "../introspection.ts";
import type { AdapterType, RelationName } from "../project-types.ts";

export type Row = Record<string, unknown>;
export type RelationKind = "table" | "view";

/** Operations available on the adapter and inside one of its transactions. */
export interface SqlSession {
  /** Runs one statement; returns the rows it changed (0 when the engine does not say). */
  execute(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Runs a query and returns rows as objects. */
  query(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a query and returns column names and positional rows (for `run_query`). */
  runQuery(sql: string): Promise<QueryResult>;
  /** What exists at `relation`: a table, a view, or nothing. */
  relationKind(relation: RelationName): Promise<RelationKind | null>;
  /** Columns in order (empty when the relation does not exist). */
  getColumns(relation: RelationName): Promise<WarehouseColumn[]>;
}

export interface SqlAdapter extends SqlSession, Required<Omit<Introspection, "getColumns" | "runQuery">> {
  readonly type: AdapterType;
  /** Quotes one identifier for this engine. */
  quote(name: string): string;
  /** `"db"."schema"."name"`, as the statement builders write relations. */
  render(relation: RelationName): string;
  /** Commits when `fn` resolves, rolls back when it throws (the error is rethrown). */
  transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function quoteDouble(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `information_schema` reads shared by DuckDB and Postgres. */
export const KIND_SQL =
  "select table_type from information_schema.tables where table_catalog = $1 and table_schema = $2 and table_name = $3";
export const COLUMNS_SQL =
  "select column_name, data_type from information_schema.columns where table_catalog = $1 and table_schema = $2 and table_name = $3 order by ordinal_position";

export function kindOf(rows: Row[]): RelationKind | null {
  const t = rows[0]?.table_type;
  if (t === undefined) return null;
  return String(t).toUpperCase() === "VIEW" ? "view" : "table";
}

export function columnsOf(rows: Row[]): WarehouseColumn[] {
  return rows.map((r) => ({ name: String(r.column_name), dataType: String(r.data_type) }));
}

export function toQueryResult(rows: Row[], columns?: string[]): QueryResult {
  const cols = columns ?? (rows[0] ? Object.keys(rows[0]) : []);
  return { columns: cols, rows: rows.map((r) => cols.map((c) => r[c])) };
}
