/**
 * Typed metadata values attached to materialisations, checks and definitions. Plain JS values
 * are normalised: integers → int, other numbers → float, strings → text, booleans → bool,
 * Dates → timestamp, everything else → json.
 *
 * @example
 * return new MaterializeResult({ metadata: { row_count: 42, preview: MetadataValue.table(rows) } });
 */
export interface TableColumn {
  name: string;
  type: string;
  description?: string;
  nullable?: boolean;
}

export type MetadataEntry =
  | { type: "int"; value: number }
  | { type: "float"; value: number }
  | { type: "text"; value: string }
  | { type: "bool"; value: boolean }
  | { type: "markdown"; value: string }
  | { type: "json"; value: unknown }
  | { type: "url"; value: string }
  | { type: "path"; value: string }
  | { type: "timestamp"; value: number }
  | { type: "null"; value: null }
  | { type: "table"; value: { records: Record<string, unknown>[]; schema?: TableColumn[] } }
  | { type: "table_schema"; value: { columns: TableColumn[] } }
  | { type: "asset"; value: string }
  | { type: "code_references"; value: { file: string; line: number; url?: string }[] };

export type MetadataType = MetadataEntry["type"];
export type MetadataMap = Record<string, MetadataEntry>;
/** What users may pass: typed entries or plain values. */
export type MetadataInput = Record<string, MetadataEntry | string | number | boolean | null | Date | object>;

const TYPES: ReadonlySet<string> = new Set([
  "int", "float", "text", "bool", "markdown", "json", "url", "path", "timestamp", "null", "table",
  "table_schema", "asset", "code_references",
]);

function isEntry(v: unknown): v is MetadataEntry {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.type === "string" && TYPES.has(o.type) && "value" in o && Object.keys(o).length === 2;
}

export const MetadataValue = {
  int: (value: number): MetadataEntry => ({ type: "int", value: Math.trunc(value) }),
  float: (value: number): MetadataEntry => ({ type: "float", value }),
  text: (value: string): MetadataEntry => ({ type: "text", value }),
  bool: (value: boolean): MetadataEntry => ({ type: "bool", value }),
  markdown: (value: string): MetadataEntry => ({ type: "markdown", value }),
  json: (value: unknown): MetadataEntry => ({ type: "json", value }),
  url: (value: string): MetadataEntry => ({ type: "url", value }),
  path: (value: string): MetadataEntry => ({ type: "path", value }),
  /** Milliseconds since the epoch, or a Date. */
  timestamp: (value: number | Date): MetadataEntry => ({
    type: "timestamp",
    value: value instanceof Date ? value.getTime() : value,
  }),
  /** A preview of rows; the schema is inferred from the first rows when omitted. */
  table: (records: Record<string, unknown>[], schema?: TableColumn[]): MetadataEntry => ({
    type: "table",
    value: { records: records.map(jsonSafeRow), schema: schema ?? inferSchema(records) },
  }),
  tableSchema: (columns: TableColumn[]): MetadataEntry => ({ type: "table_schema", value: { columns } }),
  /** A reference to another asset, by key. */
  assetRef: (key: string): MetadataEntry => ({ type: "asset", value: key }),
  codeReferences: (refs: { file: string; line: number; url?: string }[]): MetadataEntry => ({
    type: "code_references",
    value: refs,
  }),
} as const;

/** Standard metadata keys understood by the UI and integrations (see ANCHORS.md). */
export const StandardMetadataKeys = {
  rowCount: "row_count",
  columnSchema: "column_schema",
  uri: "uri",
  tableName: "table_name",
  codeReferences: "code_references",
  partitionRowCount: "partition_row_count",
} as const;

/** Normalises user metadata into typed entries. Standard keys get their standard types. */
export function normalizeMetadata(input: MetadataInput | undefined): MetadataMap {
  const out: MetadataMap = {};
  if (!input) return out;
  for (const [k, v] of Object.entries(input)) out[k] = normalizeValue(k, v);
  return out;
}

function normalizeValue(key: string, v: unknown): MetadataEntry {
  if (isEntry(v)) return v;
  if (v === null || v === undefined) return { type: "null", value: null };
  if (key === StandardMetadataKeys.rowCount || key === StandardMetadataKeys.partitionRowCount) {
    if (typeof v === "number" || typeof v === "bigint") return { type: "int", value: Number(v) };
  }
  if (key === StandardMetadataKeys.uri && typeof v === "string") return { type: "url", value: v };
  if (key === StandardMetadataKeys.columnSchema && Array.isArray(v)) {
    return { type: "table_schema", value: { columns: v as TableColumn[] } };
  }
  if (typeof v === "bigint") return { type: "int", value: Number(v) };
  if (typeof v === "number") return Number.isInteger(v) ? { type: "int", value: v } : { type: "float", value: v };
  if (typeof v === "string") return { type: "text", value: v };
  if (typeof v === "boolean") return { type: "bool", value: v };
  if (v instanceof Date) return { type: "timestamp", value: v.getTime() };
  return { type: "json", value: jsonSafe(v) };
}

/** Numeric entries are plotted over time by the UI. */
export function numericValue(e: MetadataEntry): number | undefined {
  return e.type === "int" || e.type === "float" ? e.value : undefined;
}

function inferSchema(records: Record<string, unknown>[]): TableColumn[] {
  const cols = new Map<string, string>();
  for (const r of records.slice(0, 50)) {
    for (const [k, v] of Object.entries(r)) {
      if (!cols.has(k) || cols.get(k) === "null") cols.set(k, v === null ? "null" : typeofValue(v));
    }
  }
  return [...cols].map(([name, type]) => ({ name, type }));
}

function typeofValue(v: unknown): string {
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "bigint") return "int";
  if (v instanceof Date) return "timestamp";
  if (Array.isArray(v)) return "list";
  return typeof v === "object" ? "json" : typeof v;
}

function jsonSafeRow(r: Record<string, unknown>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) o[k] = jsonSafe(v);
  return o;
}

/** Converts bigint/Date values to JSON-friendly ones (recursively). */
export function jsonSafe(v: unknown): unknown {
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (v && typeof v === "object") {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = jsonSafe(x);
    return o;
  }
  return v;
}
