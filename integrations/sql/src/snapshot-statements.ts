/**
 * Snapshot (SCD type 2) statements like dbt's: the first run creates the table with
 * `dbt_scd_id`, `dbt_updated_at`, `dbt_valid_from`, `dbt_valid_to`; later runs stage inserts
 * and updates, close changed rows (`dbt_valid_to`) and insert their new versions.
 * Strategies: `timestamp` (`updated_at`) and `check` (`check_cols`, a list or `all`).
 *
 * @example
 * snapshotStatements({ adapter: "duckdb", relation, sql, uniqueKey: "id", strategy: "timestamp", updatedAt: "updated_at", exists: false });
 */
import { StrataError } from "@strata/core";
import { quoteIdent, renderRelation } from "./relation.ts";
import { createSchemaStatement, withSuffix } from "./materializations.ts";
import type { AdapterType, RelationName } from "./project-types.ts";

export interface SnapshotInput {
  adapter: AdapterType;
  relation: RelationName;
  sql: string;
  uniqueKey: string | string[];
  strategy: "timestamp" | "check";
  updatedAt?: string;
  /** Columns compared by the check strategy, or "all". */
  checkCols?: string[] | "all";
  /** Whether the snapshot table exists. */
  exists: boolean;
  /** Columns of the existing snapshot table (needed when `exists`). */
  targetColumns?: string[];
  /** Columns of the snapshot query (needed for `check_cols: all`). */
  sourceColumns?: string[];
}

const META = ["dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to"];

function keyExpr(k: string | string[], alias = ""): string {
  const ks = Array.isArray(k) ? k : [k];
  const p = alias ? `${alias}.` : "";
  return ks.length === 1 ? `${p}${ks[0]}` : ks.map((c) => `coalesce(cast(${p}${c} as varchar), '')`).join(" || '|' || ");
}

function strategyParts(i: SnapshotInput): { updatedAt: string; changed: string } {
  if (i.strategy === "timestamp") {
    if (!i.updatedAt) throw new StrataError("SQL_COMPILE", `Snapshot ${i.relation.identifier} uses strategy 'timestamp' without updated_at`, { hint: "Add updated_at='<column>' to its config." });
    return { updatedAt: i.updatedAt, changed: `(snapshotted_data.dbt_valid_from < source_data.${i.updatedAt})` };
  }
  if (i.strategy === "check") {
    const cols = i.checkCols === "all" || i.checkCols === undefined ? (i.sourceColumns ?? []).filter((c) => !META.includes(c)) : i.checkCols;
    if (cols.length === 0) throw new StrataError("SQL_COMPILE", `Snapshot ${i.relation.identifier} uses strategy 'check' without check_cols`, { hint: "Add check_cols=['col', ...] or check_cols='all'." });
    return { updatedAt: "now()::timestamp", changed: `(${cols.map((c) => `snapshotted_data.${c} is distinct from source_data.${c}`).join(" or ")})` };
  }
  throw new StrataError("SQL_COMPILE", `Unknown snapshot strategy '${String(i.strategy)}'`, { hint: "Use timestamp or check." });
}

function scdId(i: SnapshotInput, updatedAt: string): string {
  return `md5(coalesce(cast(${keyExpr(i.uniqueKey)} as varchar), '') || '|' || coalesce(cast(${updatedAt} as varchar), ''))`;
}

export function snapshotStatements(i: SnapshotInput): string[] {
  const rel = renderRelation(i.relation);
  const { updatedAt, changed } = strategyParts(i);
  if (!i.exists) {
    return [
      createSchemaStatement(i.adapter, i.relation),
      `create table ${rel} as (\nselect *,\n  ${scdId(i, updatedAt)} as dbt_scd_id,\n  ${updatedAt} as dbt_updated_at,\n  ${updatedAt} as dbt_valid_from,\n  cast(null as timestamp) as dbt_valid_to\nfrom (\n${i.sql}\n) sbq\n)`,
    ];
  }
  const cols = (i.targetColumns ?? []).filter((c) => !META.includes(c));
  if (cols.length === 0) throw new StrataError("SQL_COMPILE", `Snapshot ${rel} exists but its columns were not given`, { hint: "Pass targetColumns from the warehouse." });
  const staging = renderRelation(withSuffix(i.relation, "__dbt_tmp"));
  const key = keyExpr(i.uniqueKey);
  const srcCols = cols.map((c) => `source_data.${quoteIdent(c)}`).join(", ");
  const stage = `create table ${staging} as (
with snapshot_query as (
${i.sql}
),
snapshotted_data as (
    select *, ${key} as dbt_unique_key from ${rel} where dbt_valid_to is null
),
insertions_source_data as (
    select *, ${key} as dbt_unique_key, ${updatedAt} as dbt_updated_at, ${updatedAt} as dbt_valid_from,
        cast(null as timestamp) as dbt_valid_to, ${scdId(i, updatedAt)} as dbt_scd_id
    from snapshot_query
),
updates_source_data as (
    select *, ${key} as dbt_unique_key, ${updatedAt} as dbt_updated_at, ${updatedAt} as dbt_valid_from, ${updatedAt} as dbt_valid_to
    from snapshot_query
),
insertions as (
    select 'insert' as dbt_change_type, ${srcCols}, source_data.dbt_updated_at, source_data.dbt_valid_from, source_data.dbt_valid_to, source_data.dbt_scd_id
    from insertions_source_data as source_data
    left outer join snapshotted_data on snapshotted_data.dbt_unique_key = source_data.dbt_unique_key
    where snapshotted_data.dbt_unique_key is null
       or (snapshotted_data.dbt_unique_key is not null and ${changed})
),
updates as (
    select 'update' as dbt_change_type, ${srcCols}, source_data.dbt_updated_at, source_data.dbt_valid_from, source_data.dbt_valid_to, snapshotted_data.dbt_scd_id
    from updates_source_data as source_data
    join snapshotted_data on snapshotted_data.dbt_unique_key = source_data.dbt_unique_key
    where ${changed}
)
select * from insertions union all select * from updates
)`;
  const all = [...cols, ...META];
  const list = all.map(quoteIdent).join(", ");
  return [
    `drop table if exists ${staging}`,
    stage,
    `update ${rel} as DBT_INTERNAL_DEST set dbt_valid_to = DBT_INTERNAL_SOURCE.dbt_valid_to from ${staging} as DBT_INTERNAL_SOURCE where DBT_INTERNAL_SOURCE.dbt_scd_id = DBT_INTERNAL_DEST.dbt_scd_id and DBT_INTERNAL_SOURCE.dbt_change_type = 'update' and DBT_INTERNAL_DEST.dbt_valid_to is null`,
    `insert into ${rel} (${list})\nselect ${list} from ${staging} where dbt_change_type = 'insert'`,
    `drop table if exists ${staging}`,
  ];
}
