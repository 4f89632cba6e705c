import { DuckDBDataChunk, type DuckDBConnection, type DuckDBType, type DuckDBValue } from "@duckdb/node-api";
import { StrataError } from "@strata/core";
import { columnConverter } from "./convert.ts";
import { qualified, quoteIdent } from "./identifiers.ts";
import type { Row } from "./types.ts";

const CHUNK = 2048;

/**
 * Infers DuckDB column types from JS row objects (all rows are scanned; keys in order of
 * first appearance). See {@link AppendOptions.create} for the mapping.
 *
 * @example
 * inferColumns([{ id: 1, price: 2.5 }]) // [{ name: "id", type: "BIGINT" }, { name: "price", type: "DOUBLE" }]
 */
export function inferColumns(rows: readonly Row[]): { name: string; type: string }[] {
  const types = new Map<string, string | undefined>();
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      const t = jsType(row[key]);
      const prev = types.get(key);
      types.set(key, prev === undefined ? t : t === undefined ? prev : widen(prev, t));
    }
  }
  return [...types].map(([name, type]) => ({ name, type: type ?? "VARCHAR" }));
}

function jsType(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  switch (typeof v) {
    case "number":
      return Number.isSafeInteger(v) ? "BIGINT" : "DOUBLE";
    case "bigint":
      return v >= -(2n ** 63n) && v < 2n ** 63n ? "BIGINT" : "HUGEINT";
    case "string":
      return "VARCHAR";
    case "boolean":
      return "BOOLEAN";
  }
  if (v instanceof Date) return "TIMESTAMPTZ";
  if (v instanceof Uint8Array) return "BLOB";
  return "JSON";
}

function widen(a: string, b: string): string {
  if (a === b) return a;
  const numeric = new Set(["BIGINT", "DOUBLE", "HUGEINT"]);
  if (numeric.has(a) && numeric.has(b)) return a === "DOUBLE" || b === "DOUBLE" ? "DOUBLE" : "HUGEINT";
  if (a === "JSON" && b === "JSON") return "JSON";
  return "VARCHAR";
}

/** `CREATE TABLE` DDL for inferred columns. */
export function createTableSql(schema: string, name: string, columns: { name: string; type: string }[]): string {
  return `CREATE TABLE ${qualified(schema, name)} (${columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(", ")})`;
}

/**
 * Appends rows to an existing table through the appender, one data chunk (2,048 rows) at a
 * time: the fastest of the ways measured (row-wise appender ~1.4×, read_json of a temp file
 * ~2×, VALUES batches ~40× slower for 100k rows).
 */
export async function appendChunked(
  connection: DuckDBConnection,
  schema: string,
  name: string,
  rows: readonly Row[],
): Promise<number> {
  const appender = await connection.createAppender(name, schema);
  try {
    const count = appender.columnCount;
    const types: DuckDBType[] = [];
    for (let i = 0; i < count; i++) types.push(appender.columnType(i));
    const tableColumns = await columnNames(connection, schema, name);
    const keys = resolveKeys(rows, tableColumns, `${schema}.${name}`);
    const converters = types.map(columnConverter);
    for (let start = 0; start < rows.length; start += CHUNK) {
      const end = Math.min(rows.length, start + CHUNK);
      const columns: DuckDBValue[][] = [];
      for (let c = 0; c < count; c++) {
        const key = keys[c];
        const type = types[c] as DuckDBType;
        const convert = converters[c] as (v: unknown) => DuckDBValue;
        const values: DuckDBValue[] = new Array<DuckDBValue>(end - start);
        for (let r = start; r < end; r++) {
          const raw = key === undefined ? null : (rows[r] as Row)[key];
          try {
            values[r - start] = raw === null || raw === undefined ? null : convert(raw);
          } catch (err) {
            throw new StrataError(
              "WAREHOUSE_QUERY",
              `appendRows into ${schema}.${name}: row ${r}, column "${tableColumns[c]}" (${type.toString()}) cannot hold ${preview(raw)}: ${err instanceof Error ? err.message : String(err)}`,
              { hint: "Fix the value, or change the column type (e.g. drop the table so it is re-created from the rows).", cause: err },
            );
          }
        }
        columns.push(values);
      }
      const chunk = DuckDBDataChunk.create(types, end - start);
      chunk.setColumns(columns);
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  return rows.length;
}

async function columnNames(connection: DuckDBConnection, schema: string, name: string): Promise<string[]> {
  const reader = await connection.runAndReadAll(
    "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
    [schema, name],
  );
  return reader.getRows().map((r) => String(r[0]));
}

/** Maps each table column to the row key that fills it (exact name first, then case-insensitive). */
function resolveKeys(rows: readonly Row[], tableColumns: string[], table: string): (string | undefined)[] {
  const rowKeys = new Set<string>();
  for (const row of rows) {
    for (const k of Object.keys(row)) rowKeys.add(k);
  }
  const lower = new Map([...rowKeys].map((k) => [k.toLowerCase(), k]));
  const keys = tableColumns.map((c) => (rowKeys.has(c) ? c : lower.get(c.toLowerCase())));
  const used = new Set(keys.filter((k): k is string => k !== undefined));
  const extra = [...rowKeys].filter((k) => !used.has(k));
  if (extra.length > 0) {
    throw new StrataError("WAREHOUSE_QUERY", `appendRows into ${table}: the table has no column ${extra.map((e) => `"${e}"`).join(", ")}`, {
      hint: `Its columns are ${tableColumns.join(", ")}. Remove the extra keys, ALTER TABLE ... ADD COLUMN, or drop the table so it is re-created from the rows.`,
    });
  }
  return keys;
}

function preview(v: unknown): string {
  let s: string;
  try {
    s = v instanceof Date ? v.toISOString() : (JSON.stringify(v) ?? String(v));
  } catch {
    s = String(v);
  }
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}
