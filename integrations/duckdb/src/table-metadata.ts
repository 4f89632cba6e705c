import { MetadataValue, StandardMetadataKeys, type MetadataEntry, type TableColumn } from "@strata/core";
import { parseTableRef, qualified, type TableRef } from "./identifiers.ts";
import type { ColumnInfo, DuckDBQueryable, SqlParams } from "./types.ts";

export interface TableMetadataOptions {
  /** Rows in the preview (default 10). */
  previewRows?: number;
  /** Restricts the preview (and `partition_row_count`) to matching rows, e.g. `"day" = $1`. */
  where?: string;
  params?: SqlParams;
  /** Default schema for an unqualified table name (default "main"). */
  defaultSchema?: string;
}

/** Converts `describe()` output to metadata table columns. */
export function toTableColumns(columns: ColumnInfo[]): TableColumn[] {
  return columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable }));
}

/**
 * Standard metadata for a DuckDB table or view: `row_count`, `column_schema`, `table_name`
 * and `preview` (up to 10 rows), for users writing their own DuckDB assets. With `where`,
 * also `partition_row_count` and a preview of just those rows.
 *
 * @example
 * asset({ name: "orders", resources: ["warehouse"] }, async (ctx) => {
 *   const db = ctx.resource<DuckDBClient>("warehouse");
 *   await db.exec("create or replace table orders as select * from read_csv('orders.csv')");
 *   ctx.addMetadata(await tablePreviewMetadata(db, "orders"));
 * });
 */
export async function tablePreviewMetadata(
  db: DuckDBQueryable,
  table: TableRef,
  options: TableMetadataOptions = {},
): Promise<Record<string, MetadataEntry>> {
  const { schema, name } = parseTableRef(table, options.defaultSchema ?? "main");
  return relationMetadata(db, qualified(schema, name), `${schema}.${name}`, options, await db.describe({ schema, name }));
}

/** Metadata for any FROM fragment (also used for parquet files). */
export async function relationMetadata(
  db: DuckDBQueryable,
  from: string,
  tableName: string,
  options: TableMetadataOptions,
  columns: ColumnInfo[],
): Promise<Record<string, MetadataEntry>> {
  const limit = Math.max(0, Math.trunc(options.previewRows ?? 10));
  const where = options.where ? ` WHERE ${options.where}` : "";
  const [total] = await db.query<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM ${from}`);
  const preview = await db.query(`SELECT * FROM ${from}${where} LIMIT ${limit}`, options.params);
  const tableColumns = toTableColumns(columns);
  const metadata: Record<string, MetadataEntry> = {
    [StandardMetadataKeys.rowCount]: MetadataValue.int(total?.n ?? 0),
    [StandardMetadataKeys.columnSchema]: MetadataValue.tableSchema(tableColumns),
    [StandardMetadataKeys.tableName]: MetadataValue.text(tableName),
    preview: MetadataValue.table(preview as Record<string, unknown>[], tableColumns),
  };
  if (options.where) {
    const [part] = await db.query<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM ${from}${where}`, options.params);
    metadata[StandardMetadataKeys.partitionRowCount] = MetadataValue.int(part?.n ?? 0);
  }
  return metadata;
}
