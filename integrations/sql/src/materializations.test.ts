import { describe, expect, it } from "vitest";
import { incrementalMergeStatements, incrementalStageStatements, tableStatements, viewStatements } from "./materializations.ts";
import { snapshotStatements } from "./snapshot-statements.ts";
import { testResultQuery, testStatus } from "./test-queries.ts";

const relation = { database: "dev", schema: "main", identifier: "orders" };
const cols = (...names: string[]) => names.map((name) => ({ name, dataType: "INTEGER" }));

describe("view and table", () => {
  it("duckdb replaces in place, dropping a relation of the other kind", () => {
    expect(viewStatements({ adapter: "duckdb", relation, sql: "select 1 as x", existing: "table" })).toEqual([
      'create schema if not exists "dev"."main"',
      'drop table if exists "dev"."main"."orders"',
      'create or replace view "dev"."main"."orders" as (\nselect 1 as x\n)',
    ]);
    expect(tableStatements({ adapter: "duckdb", relation, sql: "select 1" }).at(-1)).toBe('create or replace table "dev"."main"."orders" as (\nselect 1\n)');
  });
  it("postgres builds __dbt_tmp and swaps via a backup like dbt-postgres", () => {
    expect(tableStatements({ adapter: "postgres", relation, sql: "select 1", existing: "view" })).toEqual([
      'create schema if not exists "main"',
      'drop table if exists "dev"."main"."orders__dbt_tmp" cascade',
      'drop view if exists "dev"."main"."orders__dbt_tmp" cascade',
      'create table "dev"."main"."orders__dbt_tmp" as (\nselect 1\n)',
      'drop view if exists "dev"."main"."orders__dbt_backup" cascade',
      'alter view "dev"."main"."orders" rename to "orders__dbt_backup"',
      'alter table "dev"."main"."orders__dbt_tmp" rename to "orders"',
      'drop view if exists "dev"."main"."orders__dbt_backup" cascade',
    ]);
  });
});

describe("incremental", () => {
  const base = { adapter: "duckdb" as const, relation, sql: "select * from src", existing: "table" as const };
  it("first run or full refresh builds the table", () => {
    expect(incrementalStageStatements({ ...base, existing: null })).toMatchObject({ done: true });
    expect(incrementalStageStatements({ ...base, fullRefresh: true }).statements.at(-1)).toContain("create or replace table");
    expect(incrementalStageStatements(base)).toEqual({ done: false, statements: ['drop table if exists "dev"."main"."orders__dbt_tmp"', 'create table "dev"."main"."orders__dbt_tmp" as (\nselect * from src\n)'] });
  });
  it("append inserts the common columns", () => {
    expect(incrementalMergeStatements({ ...base, strategy: "append" }, cols("id", "v"), cols("id", "v", "new"))).toEqual([
      'insert into "dev"."main"."orders" ("id", "v")\nselect "id", "v" from "dev"."main"."orders__dbt_tmp"',
      'drop table if exists "dev"."main"."orders__dbt_tmp"',
    ]);
  });
  it("delete+insert on a composite unique_key, appending new columns", () => {
    const s = incrementalMergeStatements({ ...base, strategy: "delete+insert", uniqueKey: ["id", "day"], onSchemaChange: "append_new_columns" }, cols("id", "day"), cols("id", "day", "extra"));
    expect(s[0]).toBe('alter table "dev"."main"."orders" add column "extra" INTEGER');
    expect(s[1]).toBe('delete from "dev"."main"."orders" as DBT_INTERNAL_DEST using "dev"."main"."orders__dbt_tmp" as DBT_INTERNAL_SOURCE where DBT_INTERNAL_DEST."id" = DBT_INTERNAL_SOURCE."id" and DBT_INTERNAL_DEST."day" = DBT_INTERNAL_SOURCE."day"');
    expect(s[2]).toContain('insert into "dev"."main"."orders" ("id", "day", "extra")');
  });
  it("merge updates non-key columns and inserts new rows; sync drops removed columns", () => {
    const s = incrementalMergeStatements({ ...base, strategy: "merge", uniqueKey: "id", onSchemaChange: "sync_all_columns" }, cols("id", "v", "old"), cols("id", "v"));
    expect(s[0]).toBe('alter table "dev"."main"."orders" drop column "old"');
    expect(s[1]).toBe('merge into "dev"."main"."orders" as DBT_INTERNAL_DEST\nusing "dev"."main"."orders__dbt_tmp" as DBT_INTERNAL_SOURCE\non DBT_INTERNAL_DEST."id" = DBT_INTERNAL_SOURCE."id"\nwhen matched then update set "v" = DBT_INTERNAL_SOURCE."v"\nwhen not matched then insert ("id", "v") values (DBT_INTERNAL_SOURCE."id", DBT_INTERNAL_SOURCE."v")');
  });
  it("on_schema_change=fail and a missing unique_key raise", () => {
    expect(() => incrementalMergeStatements({ ...base, onSchemaChange: "fail" }, cols("id"), cols("id", "x"))).toThrow(/schema of incremental model/);
    expect(() => incrementalMergeStatements({ ...base, strategy: "merge" }, cols("id"), cols("id"))).toThrow(/needs a unique_key/);
  });
});

describe("snapshots", () => {
  const snap = { adapter: "duckdb" as const, relation: { ...relation, schema: "snapshots" }, sql: "select * from src", uniqueKey: "id" };
  it("first run adds the dbt_ columns", () => {
    const s = snapshotStatements({ ...snap, strategy: "timestamp", updatedAt: "updated_at", exists: false });
    expect(s[1]).toContain("md5(coalesce(cast(id as varchar), '') || '|' || coalesce(cast(updated_at as varchar), '')) as dbt_scd_id");
    expect(s[1]).toContain("updated_at as dbt_valid_from");
    expect(s[1]).toContain("cast(null as timestamp) as dbt_valid_to");
  });
  it("timestamp strategy closes changed rows and inserts new versions", () => {
    const s = snapshotStatements({ ...snap, strategy: "timestamp", updatedAt: "updated_at", exists: true, targetColumns: ["id", "status", "updated_at", "dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to"] });
    expect(s[1]).toContain("(snapshotted_data.dbt_valid_from < source_data.updated_at)");
    expect(s[2]).toContain("set dbt_valid_to = DBT_INTERNAL_SOURCE.dbt_valid_to");
    expect(s[3]).toBe('insert into "dev"."snapshots"."orders" ("id", "status", "updated_at", "dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to")\nselect "id", "status", "updated_at", "dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to" from "dev"."snapshots"."orders__dbt_tmp" where dbt_change_type = \'insert\'');
  });
  it("check strategy compares check_cols with is distinct from", () => {
    const s = snapshotStatements({ ...snap, strategy: "check", checkCols: ["status", "amount"], exists: true, targetColumns: ["id", "status", "amount"] });
    expect(s[1]).toContain("(snapshotted_data.status is distinct from source_data.status or snapshotted_data.amount is distinct from source_data.amount)");
    expect(() => snapshotStatements({ ...snap, strategy: "timestamp", exists: false })).toThrow(/updated_at/);
  });
});

describe("test queries", () => {
  it("counts failures with warn_if/error_if", () => {
    expect(testResultQuery("select 1", { error_if: ">10" })).toBe("select\n  count(*) as failures,\n  count(*) != 0 as should_warn,\n  count(*) >10 as should_error\nfrom (\nselect 1\n) dbt_internal_test");
    expect(testStatus({ failures: 3, should_warn: true, should_error: true }, { severity: "warn" })).toBe("warn");
    expect(testStatus({ failures: 3, should_warn: true, should_error: true }, { severity: "ERROR" })).toBe("fail");
    expect(testStatus({ failures: 0, should_warn: false, should_error: false }, {})).toBe("pass");
  });
});
