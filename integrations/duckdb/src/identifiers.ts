/**
 * Identifier and literal quoting. Parameters (`$1`, `?`) cover values; identifiers (table,
 * column and schema names) and the few places DuckDB takes no parameters (file paths in
 * `COPY ... TO`) must be quoted instead, never concatenated raw.
 *
 * @example
 * quoteIdent('my "table"')          // "my ""table"""
 * qualified("analytics", "orders")  // "analytics"."orders"
 * quoteLiteral("it's.parquet")      // 'it''s.parquet'
 */
export function quoteIdent(name: string): string {
  if (name.includes("\0")) throw new TypeError("Identifiers cannot contain NUL characters");
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."table"`, both parts quoted. */
export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/** A SQL string literal: single quotes doubled. For values prefer bound parameters. */
export function quoteLiteral(value: string): string {
  if (value.includes("\0")) throw new TypeError("String literals cannot contain NUL characters");
  return `'${value.replaceAll("'", "''")}'`;
}

/** A table reference: `"name"`, `"schema.name"` (split on the first dot) or `{ schema, name }`. */
export type TableRef = string | { schema: string; name: string };

/**
 * Splits a {@link TableRef} into parts. A string with a dot is read as `schema.table`;
 * `defaultSchema` applies otherwise.
 *
 * @example
 * parseTableRef("raw.orders", "main") // { schema: "raw", name: "orders" }
 */
export function parseTableRef(ref: TableRef, defaultSchema: string): { schema: string; name: string } {
  if (typeof ref !== "string") return ref;
  const dot = ref.indexOf(".");
  return dot < 0 ? { schema: defaultSchema, name: ref } : { schema: ref.slice(0, dot), name: ref.slice(dot + 1) };
}
