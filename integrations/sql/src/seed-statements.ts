/**
 * Seeds: infers column types like dbt/agate (integer, number, boolean, date, timestamp, text;
 * empty cells are null and do not vote), applies `column_types`, and produces `create table`
 * plus batched, parameterised `insert` statements for an adapter.
 *
 * @example
 * const plan = seedStatements({ adapter: "duckdb", relation, csv: "id,ok\n1,true\n", file: "seeds/a.csv" });
 * plan.statements[1]; // 'create table "dev"."main"."a" ("id" integer, "ok" boolean)'
 * plan.inserts[0];    // { sql: 'insert into ... values (cast($1 as integer), cast($2 as boolean))', params: [1, true] }
 */
import { parseCsv } from "./csv.ts";
import { quoteIdent, renderRelation } from "./relation.ts";
import { createSchemaStatement } from "./materializations.ts";
import type { AdapterType, RelationName } from "./project-types.ts";

export type SeedType = "integer" | "number" | "boolean" | "date" | "timestamp" | "text";

const INT = /^[-+]?\d+$/;
const NUM = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const BOOL = /^(true|false|t|f|yes|no|y|n)$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TS = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Picks the narrowest type all non-empty values fit (agate's order: boolean, number, date, timestamp, text). */
export function inferSeedType(values: readonly string[]): SeedType {
  const vs = values.filter((v) => v !== "");
  if (vs.length === 0) return "text";
  if (vs.every((v) => BOOL.test(v))) return "boolean";
  if (vs.every((v) => INT.test(v))) return "integer";
  if (vs.every((v) => NUM.test(v))) return "number";
  if (vs.every((v) => DATE.test(v))) return "date";
  if (vs.every((v) => TS.test(v) || DATE.test(v))) return "timestamp";
  return "text";
}

export function sqlType(adapter: AdapterType, t: SeedType, values: readonly string[] = []): string {
  switch (t) {
    case "integer":
      return values.some((v) => v !== "" && Math.abs(Number(v)) > 2147483647) ? "bigint" : "integer";
    case "number":
      return adapter === "duckdb" ? "double" : "float8";
    case "boolean":
      return "boolean";
    case "date":
      return "date";
    case "timestamp":
      return adapter === "duckdb" ? "timestamp" : "timestamp without time zone";
    default:
      return adapter === "duckdb" ? "varchar" : "text";
  }
}

function convert(t: SeedType | undefined, v: string): unknown {
  if (v === "") return null;
  if (t === "integer") return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  if (t === "number") return Number(v);
  if (t === "boolean") return /^(true|t|yes|y)$/i.test(v);
  return v;
}

export interface SeedInput {
  adapter: AdapterType;
  relation: RelationName;
  csv: string;
  file: string;
  /** `column_types` config: column → SQL type. */
  columnTypes?: Record<string, string>;
  delimiter?: string;
  /** Max bound parameters per insert (rows per batch = floor(this / columns)). */
  maxParams?: number;
}

export interface SeedPlan {
  columns: { name: string; type: string }[];
  /** Schema, drop, create. */
  statements: string[];
  /** Parameterised inserts, `$1`-style placeholders. */
  inserts: { sql: string; params: unknown[] }[];
  rowCount: number;
}

export function seedStatements(i: SeedInput): SeedPlan {
  const { header, rows } = parseCsv(i.csv, i.file, i.delimiter ?? ",");
  const overrides = Object.fromEntries(Object.entries(i.columnTypes ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
  const inferred = header.map((_, c) => inferSeedType(rows.map((r) => r[c]!)));
  const columns = header.map((name, c) => ({ name, type: overrides[name.toLowerCase()] ?? sqlType(i.adapter, inferred[c]!, rows.map((r) => r[c]!)) }));
  const rel = renderRelation(i.relation);
  const statements = [
    createSchemaStatement(i.adapter, i.relation),
    `drop table if exists ${rel}`,
    `create table ${rel} (${columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(", ")})`,
  ];
  const perRow = Math.max(1, header.length);
  const batch = Math.max(1, Math.floor((i.maxParams ?? 10_000) / perRow));
  const inserts: SeedPlan["inserts"] = [];
  const colList = columns.map((c) => quoteIdent(c.name)).join(", ");
  for (let start = 0; start < rows.length; start += batch) {
    const chunk = rows.slice(start, start + batch);
    const params: unknown[] = [];
    const tuples = chunk.map((r) => {
      const ph = r.map((v, c) => {
        params.push(overrides[header[c]!.toLowerCase()] ? (v === "" ? null : v) : convert(inferred[c], v));
        return `cast($${params.length} as ${columns[c]!.type})`;
      });
      return `(${ph.join(", ")})`;
    });
    inserts.push({ sql: `insert into ${rel} (${colList}) values\n${tuples.join(",\n")}`, params });
  }
  return { columns, statements, inserts, rowCount: rows.length };
}
