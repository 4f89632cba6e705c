/**
 * SQL statement lists for dbt's materializations, as pure functions: the executor runs them in
 * order and does nothing else. View and table replace the relation (DuckDB: `create or replace`;
 * Postgres: build `__dbt_tmp`, swap names, drop the backup, like dbt-postgres); incremental
 * runs in two steps because `on_schema_change` needs the columns of the new rows.
 *
 * @example
 * viewStatements({ adapter: "duckdb", relation: { database: "dev", schema: "main", identifier: "v" }, sql: "select 1 as x" });
 * // ['create schema if not exists "dev"."main"', 'create or replace view "dev"."main"."v" as (\nselect 1 as x\n)']
 */
import { StrataError } from "@strata/core";
import { quoteIdent, renderRelation } from "./relation.ts";
import type { AdapterType, RelationName } from "./project-types.ts";
import type { WarehouseColumn } from "./introspection.ts";

export interface MaterializeInput {
  adapter: AdapterType;
  relation: RelationName;
  /** Compiled SELECT. */
  sql: string;
  /** What exists at `relation` now, if known. */
  existing?: "table" | "view" | null;
}

export function createSchemaStatement(adapter: AdapterType, r: RelationName): string {
  return adapter === "duckdb" ? `create schema if not exists ${quoteIdent(r.database)}.${quoteIdent(r.schema)}` : `create schema if not exists ${quoteIdent(r.schema)}`;
}

export function withSuffix(r: RelationName, suffix: string): RelationName {
  return { ...r, identifier: `${r.identifier}${suffix}` };
}

function swapStatements(kind: "table" | "view", i: MaterializeInput): string[] {
  const rel = renderRelation(i.relation);
  const tmp = withSuffix(i.relation, "__dbt_tmp");
  const backup = withSuffix(i.relation, "__dbt_backup");
  const out = [
    createSchemaStatement(i.adapter, i.relation),
    `drop table if exists ${renderRelation(tmp)} cascade`,
    `drop view if exists ${renderRelation(tmp)} cascade`,
    `create ${kind} ${renderRelation(tmp)} as (\n${i.sql}\n)`,
  ];
  if (i.existing) {
    out.push(`drop ${i.existing} if exists ${renderRelation(backup)} cascade`);
    out.push(`alter ${i.existing} ${rel} rename to ${quoteIdent(backup.identifier)}`);
  }
  out.push(`alter ${kind} ${renderRelation(tmp)} rename to ${quoteIdent(i.relation.identifier)}`);
  if (i.existing) out.push(`drop ${i.existing} if exists ${renderRelation(backup)} cascade`);
  return out;
}

/** `materialized='view'`. */
export function viewStatements(i: MaterializeInput): string[] {
  if (i.adapter === "postgres") return swapStatements("view", i);
  const rel = renderRelation(i.relation);
  return [createSchemaStatement(i.adapter, i.relation), ...(i.existing === "table" ? [`drop table if exists ${rel}`] : []), `create or replace view ${rel} as (\n${i.sql}\n)`];
}

/** `materialized='table'`. */
export function tableStatements(i: MaterializeInput): string[] {
  if (i.adapter === "postgres") return swapStatements("table", i);
  const rel = renderRelation(i.relation);
  return [createSchemaStatement(i.adapter, i.relation), ...(i.existing === "view" ? [`drop view if exists ${rel}`] : []), `create or replace table ${rel} as (\n${i.sql}\n)`];
}

export type IncrementalStrategy = "append" | "merge" | "delete+insert";
export type OnSchemaChange = "ignore" | "fail" | "append_new_columns" | "sync_all_columns";

export interface IncrementalInput extends MaterializeInput {
  strategy?: IncrementalStrategy;
  uniqueKey?: string | string[];
  onSchemaChange?: OnSchemaChange;
  fullRefresh?: boolean;
}

/** The temporary relation incremental runs stage new rows in. */
export function incrementalTempRelation(r: RelationName): RelationName {
  return withSuffix(r, "__dbt_tmp");
}

/**
 * Step 1 of an incremental run. When the target is missing (or on full refresh) this is the
 * whole job (`done: true`); otherwise it stages rows in the temp relation and the executor
 * then calls {@link incrementalMergeStatements} with both column lists.
 */
export function incrementalStageStatements(i: IncrementalInput): { statements: string[]; done: boolean } {
  if (!i.existing || i.fullRefresh || i.existing === "view") {
    return { statements: tableStatements({ ...i, existing: i.existing ?? null }), done: true };
  }
  const tmp = renderRelation(incrementalTempRelation(i.relation));
  return { statements: [`drop table if exists ${tmp}`, `create table ${tmp} as (\n${i.sql}\n)`], done: false };
}

function keys(k: string | string[] | undefined): string[] {
  return k === undefined ? [] : Array.isArray(k) ? k : [k];
}

/** Step 2: schema changes, then append / merge / delete+insert, then drop the temp relation. */
export function incrementalMergeStatements(i: IncrementalInput, targetColumns: WarehouseColumn[], newColumns: WarehouseColumn[]): string[] {
  const rel = renderRelation(i.relation);
  const tmp = renderRelation(incrementalTempRelation(i.relation));
  const have = new Set(targetColumns.map((c) => c.name.toLowerCase()));
  const incoming = new Set(newColumns.map((c) => c.name.toLowerCase()));
  const added = newColumns.filter((c) => !have.has(c.name.toLowerCase()));
  const removed = targetColumns.filter((c) => !incoming.has(c.name.toLowerCase()));
  const out: string[] = [];
  const mode = i.onSchemaChange ?? "ignore";
  let columns = targetColumns.filter((c) => incoming.has(c.name.toLowerCase())).map((c) => c.name);
  if ((added.length || removed.length) && mode === "fail") {
    throw new StrataError("SQL_COMPILE", `The schema of incremental model ${rel} changed (added: ${added.map((c) => c.name).join(", ") || "none"}; removed: ${removed.map((c) => c.name).join(", ") || "none"})`, {
      hint: "Set on_schema_change to append_new_columns or sync_all_columns, or run with full refresh.",
    });
  }
  if (mode === "append_new_columns" || mode === "sync_all_columns") {
    for (const c of added) out.push(`alter table ${rel} add column ${quoteIdent(c.name)} ${c.dataType}`);
    columns = [...columns, ...added.map((c) => c.name)];
  }
  if (mode === "sync_all_columns") for (const c of removed) out.push(`alter table ${rel} drop column ${quoteIdent(c.name)}`);
  const cols = columns.map(quoteIdent).join(", ");
  const k = keys(i.uniqueKey);
  const strategy = i.strategy ?? (k.length ? (i.adapter === "postgres" ? "merge" : "delete+insert") : "append");
  if (strategy !== "append" && k.length === 0) {
    throw new StrataError("SQL_COMPILE", `incremental_strategy '${strategy}' on ${rel} needs a unique_key`, { hint: "Set unique_key in the model's config, or use incremental_strategy='append'." });
  }
  const on = k.map((c) => `DBT_INTERNAL_DEST.${quoteIdent(c)} = DBT_INTERNAL_SOURCE.${quoteIdent(c)}`).join(" and ");
  if (strategy === "append") out.push(`insert into ${rel} (${cols})\nselect ${cols} from ${tmp}`);
  else if (strategy === "delete+insert") {
    out.push(`delete from ${rel} as DBT_INTERNAL_DEST using ${tmp} as DBT_INTERNAL_SOURCE where ${on}`);
    out.push(`insert into ${rel} (${cols})\nselect ${cols} from ${tmp}`);
  } else if (strategy === "merge") {
    const lower = new Set(k.map((c) => c.toLowerCase()));
    const sets = columns.filter((c) => !lower.has(c.toLowerCase())).map((c) => `${quoteIdent(c)} = DBT_INTERNAL_SOURCE.${quoteIdent(c)}`);
    out.push(
      `merge into ${rel} as DBT_INTERNAL_DEST\nusing ${tmp} as DBT_INTERNAL_SOURCE\non ${on}\n` +
        (sets.length ? `when matched then update set ${sets.join(", ")}\n` : "") +
        `when not matched then insert (${cols}) values (${columns.map((c) => `DBT_INTERNAL_SOURCE.${quoteIdent(c)}`).join(", ")})`,
    );
  } else throw new StrataError("SQL_COMPILE", `Unknown incremental_strategy '${String(strategy)}' on ${rel}`, { hint: "Use append, merge or delete+insert." });
  out.push(`drop table if exists ${tmp}`);
  return out;
}
