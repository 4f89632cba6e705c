import type { DuckDBConnection, DuckDBType, DuckDBValue } from "@duckdb/node-api";
import { appendChunked, createTableSql, inferColumns } from "./append.ts";
import { readRows, toParams } from "./convert.ts";
import { StrataError } from "@strata/core";
import { wrapQueryError } from "./errors.ts";
import { parseTableRef, type TableRef } from "./identifiers.ts";
import type { AppendOptions, ColumnInfo, DuckDBQueryable, Row, SqlParams } from "./types.ts";

type Bound = [DuckDBValue[] | Record<string, DuckDBValue>, (DuckDBType | undefined)[] | Record<string, DuckDBType | undefined>];

function bind(params: SqlParams | undefined): Bound | [] {
  if (params === undefined) return [];
  if (Array.isArray(params)) {
    const { values, types } = toParams(params);
    return [values, types];
  }
  const names = Object.keys(params);
  const { values, types } = toParams(names.map((n) => (params as Record<string, unknown>)[n]));
  return [
    Object.fromEntries(names.map((n, i) => [n, values[i] as DuckDBValue])),
    Object.fromEntries(names.map((n, i) => [n, types[i]])),
  ];
}

/** {@link DuckDBQueryable} over one connection (the client's unit of work, and a transaction). */
export class DuckDBSession implements DuckDBQueryable {
  constructor(
    readonly connection: DuckDBConnection,
    readonly defaultSchema: string,
  ) {}

  async query<T = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    try {
      const [values, types] = bind(params);
      const reader = await this.connection.runAndReadAll(sql, values, types as DuckDBType[]);
      return readRows(reader) as T[];
    } catch (err) {
      throw wrapQueryError(err, sql);
    }
  }

  async run(sql: string, params?: SqlParams): Promise<{ rowsChanged: number }> {
    try {
      const [values, types] = bind(params);
      const result = await this.connection.run(sql, values, types as DuckDBType[]);
      return { rowsChanged: result.rowsChanged };
    } catch (err) {
      throw wrapQueryError(err, sql);
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      await this.connection.run(sql);
    } catch (err) {
      throw wrapQueryError(err, sql);
    }
  }

  async tableExists(schema: string, name: string): Promise<boolean> {
    const rows = await this.query(
      "SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2",
      [schema, name],
    );
    return rows.length > 0;
  }

  async describe(table: TableRef): Promise<ColumnInfo[]> {
    const { schema, name } = parseTableRef(table, this.defaultSchema);
    const rows = await this.query<{ name: string; type: string; nullable: string }>(
      `SELECT column_name AS name, data_type AS type, is_nullable AS nullable
       FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
      [schema, name],
    );
    return rows.map((r) => ({ name: r.name, type: r.type, nullable: r.nullable === "YES" }));
  }

  async appendRows(table: TableRef, rows: readonly Row[], options: AppendOptions = {}): Promise<number> {
    const { schema, name } = parseTableRef(table, this.defaultSchema);
    if (!(await this.tableExists(schema, name))) {
      if (options.create === false || rows.length === 0) {
        throw new StrataError("WAREHOUSE_QUERY", `appendRows: table ${schema}.${name} does not exist`, {
          hint:
            rows.length === 0
              ? "With zero rows there are no columns to infer: create the table first (CREATE TABLE ...)."
              : "Create the table first, or pass { create: true } to create it from the rows.",
        });
      }
      await this.run(createTableSql(schema, name, inferColumns(rows)));
    }
    if (rows.length === 0) return 0;
    try {
      return await appendChunked(this.connection, schema, name, rows);
    } catch (err) {
      throw wrapQueryError(err, `-- appendRows(${schema}.${name}, ${rows.length} rows)`);
    }
  }
}
