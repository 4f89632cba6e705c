/**
 * Runs one node of a dbt project against a warehouse, like dbt's materializations: compile
 * (introspecting through the adapter), pre-hooks, the statements of its materialization and
 * post-hooks in one transaction, then a cheap row count. Tests count failing rows and keep a
 * sample. Never throws for a node's own failure: the result says `error` and carries a
 * {@link StrataError} naming the file and line with the SQL around the failure.
 *
 * @example
 * const r = await runDbtNode(project, "model.jaffle_shop.orders", adapter, { fullRefresh: false });
 * r.status; // "success"
 * r.rowCount; // 5
 */
import { readFileSync } from "node:fs";
import { StrataError } from "@strata/core";
import { compileHooks, compileNode } from "./compile.ts";
import { incrementalMergeStatements, incrementalStageStatements, incrementalTempRelation, tableStatements, viewStatements, type IncrementalInput } from "./materializations.ts";
import { seedStatements } from "./seed-statements.ts";
import { snapshotStatements } from "./snapshot-statements.ts";
import { failingRowsQuery, testResultQuery, testSeverity, testStatus } from "./test-queries.ts";
import { freshnessQuery, freshnessStatus } from "./freshness.ts";
import { compileNodeError, sqlNodeError } from "./node-error.ts";
import { renderRelation } from "./relation.ts";
import type { RunStatus } from "./manifest.ts";
import type { WarehouseColumn } from "./introspection.ts";
import type { DbtNode, DbtProject, NodeResourceType } from "./project-types.ts";
import type { RelationKind, Row, SqlAdapter, SqlSession } from "./adapters/adapter.ts";

export interface RunNodeOptions {
  /** Rebuild incremental models and seeds from scratch (`--full-refresh`). */
  fullRefresh?: boolean;
  /** Failing rows kept per test (default 5). */
  sampleSize?: number;
  /** Count rows of tables, incremental models, seeds and snapshots after building (default true). */
  rowCount?: boolean;
  /** Read the built relation's columns into the result (default false; one catalog query). */
  columns?: boolean;
  /**
   * What exists in the warehouse, by {@link relationKey}, when the caller keeps a catalog
   * cache like dbt's (authoritative: a missing key means nothing is there). Updated here.
   */
  relations?: Map<string, RelationKind>;
}

export const relationKey = (r: { database: string; schema: string; identifier: string }) => `${r.database}.${r.schema}.${r.identifier}`.toLowerCase();

export interface DbtNodeResult {
  uniqueId: string;
  name: string;
  resourceType: NodeResourceType;
  /** dbt's statuses: success/error/skipped for builds; pass/warn/fail/error for tests. */
  status: RunStatus;
  /** Short outcome like dbt's (`CREATE TABLE (5 rows)`, `FAIL 2`). */
  message: string;
  startedAt: Date;
  completedAt: Date;
  materialized?: string;
  relationName?: string;
  compiledCode?: string;
  rowCount?: number;
  /** Failing rows, for tests. */
  failures?: number;
  sampleRows?: Row[];
  severity?: "error" | "warn";
  /** Columns of the built relation (for table_schema metadata). */
  columns?: WarehouseColumn[];
  error?: StrataError;
}

function cfgString(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function keys(v: unknown): string | string[] | undefined {
  if (Array.isArray(v)) return v.map(String);
  return typeof v === "string" ? v : undefined;
}

async function runAll(tx: SqlSession, node: DbtNode, compiled: string, statements: readonly string[]): Promise<number> {
  let changed = 0;
  for (const s of statements) {
    try {
      changed = await tx.execute(s);
    } catch (err) {
      throw sqlNodeError(node, compiled, s, err);
    }
  }
  return changed;
}

async function buildModel(project: DbtProject, node: DbtNode, tx: SqlSession, sql: string, opts: RunNodeOptions): Promise<string> {
  const adapter = project.adapter;
  const relation = node.relation;
  const existing = opts.relations ? (opts.relations.get(relationKey(relation)) ?? null) : await tx.relationKind(relation);
  const m = String(node.config.materialized ?? "view");
  if (m === "view") {
    await runAll(tx, node, sql, viewStatements({ adapter, relation, sql, existing }));
    return "CREATE VIEW";
  }
  if (m === "table") {
    await runAll(tx, node, sql, tableStatements({ adapter, relation, sql, existing }));
    return "CREATE TABLE";
  }
  if (m === "incremental") {
    const input: IncrementalInput = {
      adapter, relation, sql, existing, fullRefresh: opts.fullRefresh ?? false,
      ...(cfgString(node.config.incremental_strategy) ? { strategy: node.config.incremental_strategy as IncrementalInput["strategy"] } : {}),
      ...(keys(node.config.unique_key) ? { uniqueKey: keys(node.config.unique_key)! } : {}),
      ...(cfgString(node.config.on_schema_change) ? { onSchemaChange: node.config.on_schema_change as IncrementalInput["onSchemaChange"] } : {}),
    };
    const stage = incrementalStageStatements(input);
    await runAll(tx, node, sql, stage.statements);
    if (stage.done) return "CREATE TABLE";
    const target = await tx.getColumns(relation);
    const incoming = await tx.getColumns(incrementalTempRelation(relation));
    let merge: string[];
    try {
      merge = incrementalMergeStatements(input, target, incoming);
    } catch (err) {
      throw err instanceof StrataError ? new StrataError(err.code, `${err.message} (${node.originalFilePath}:${node.line})`, { where: `${node.originalFilePath}:${node.line}`, ...(err.hint ? { hint: err.hint } : {}) }) : err;
    }
    await runAll(tx, node, sql, merge);
    return input.strategy === "merge" ? "MERGE" : "INSERT";
  }
  throw new StrataError("SQL_COMPILE", `Model ${node.name} uses unsupported materialization '${m}'`, {
    where: `${node.originalFilePath}:${node.line}`,
    hint: "Use view, table, incremental or ephemeral.",
  });
}

async function buildSnapshot(project: DbtProject, node: DbtNode, tx: SqlSession, sql: string): Promise<string> {
  const c = node.config;
  const relation = node.relation;
  const exists = (await tx.relationKind(relation)) === "table";
  const strategy = c.strategy === "check" ? "check" : "timestamp";
  let sourceColumns: string[] | undefined;
  if (strategy === "check" && (c.check_cols === "all" || c.check_cols === undefined)) {
    const probe = { ...relation, identifier: `${relation.identifier}__dbt_cols` };
    await runAll(tx, node, sql, [`drop table if exists ${renderRelation(probe)}`, `create table ${renderRelation(probe)} as select * from (\n${sql}\n) q limit 0`]);
    sourceColumns = (await tx.getColumns(probe)).map((x) => x.name);
    await runAll(tx, node, sql, [`drop table if exists ${renderRelation(probe)}`]);
  }
  const statements = snapshotStatements({
    adapter: project.adapter, relation, sql, exists, strategy,
    uniqueKey: keys(c.unique_key) ?? "id",
    ...(cfgString(c.updated_at) ? { updatedAt: c.updated_at as string } : {}),
    ...(Array.isArray(c.check_cols) ? { checkCols: c.check_cols.map(String) } : c.check_cols === "all" ? { checkCols: "all" as const } : {}),
    ...(exists ? { targetColumns: (await tx.getColumns(relation)).map((x) => x.name) } : {}),
    ...(sourceColumns ? { sourceColumns } : {}),
  });
  await runAll(tx, node, sql, statements);
  return exists ? "SNAPSHOT" : "CREATE SNAPSHOT";
}

/**
 * Like dbt: an existing seed table is emptied and refilled (views reading it stay valid; a
 * changed header then needs --full-refresh); full refresh drops it, with its dependents on
 * Postgres (they are rebuilt by the same build).
 */
async function loadSeed(project: DbtProject, node: DbtNode, tx: SqlSession, fullRefresh: boolean): Promise<{ message: string; rows: number }> {
  const plan = seedStatements({
    adapter: project.adapter, relation: node.relation, csv: readFileSync(node.absPath, "utf8"), file: node.originalFilePath,
    ...(node.config.column_types && typeof node.config.column_types === "object" ? { columnTypes: node.config.column_types as Record<string, string> } : {}),
    ...(cfgString(node.config.delimiter) ? { delimiter: node.config.delimiter as string } : {}),
  });
  const rel = renderRelation(node.relation);
  const exists = (await tx.relationKind(node.relation)) === "table";
  const cascade = project.adapter === "postgres" ? " cascade" : "";
  const statements = exists && !fullRefresh
    ? [`delete from ${rel}`]
    : plan.statements.map((st) => (st === `drop table if exists ${rel}` ? `${st}${cascade}` : st));
  await runAll(tx, node, "", statements);
  for (const ins of plan.inserts) {
    try {
      await tx.execute(ins.sql, ins.params);
    } catch (err) {
      throw new StrataError("SQL_SEED_INVALID", `Seed ${node.name} failed to load (${node.originalFilePath}): ${(err as Error).message}`, {
        where: node.originalFilePath,
        hint: "Check the CSV values against column_types in dbt_project.yml or the seed's properties.",
        cause: err,
      });
    }
  }
  return { message: `INSERT ${plan.rowCount}`, rows: plan.rowCount };
}

async function runTest(node: DbtNode, adapter: SqlAdapter, sql: string, opts: RunNodeOptions): Promise<Pick<DbtNodeResult, "status" | "message" | "failures" | "sampleRows" | "severity">> {
  let row: Row | undefined;
  const q = testResultQuery(sql, node.config);
  try {
    row = (await adapter.query(q))[0];
  } catch (err) {
    throw sqlNodeError(node, sql, q, err);
  }
  const failures = Number(row?.failures ?? 0);
  const status = testStatus({ failures, should_warn: Boolean(row?.should_warn), should_error: Boolean(row?.should_error) }, node.config);
  const severity = testSeverity(node.config);
  const sampleRows = failures > 0 ? await adapter.query(failingRowsQuery(sql, opts.sampleSize ?? 5)).catch(() => []) : [];
  const message = status === "pass" ? "PASS" : `${status.toUpperCase()} ${failures}`;
  return { status, message, failures, sampleRows, severity };
}

export async function runDbtNode(project: DbtProject, uniqueId: string, adapter: SqlAdapter, opts: RunNodeOptions = {}): Promise<DbtNodeResult> {
  const node = project.nodes.get(uniqueId);
  if (!node) throw new StrataError("SQL_COMPILE", `No node ${uniqueId} in project ${project.name}`, { hint: "Use a unique_id like model.<project>.<name>." });
  const startedAt = new Date();
  const base = { uniqueId, name: node.name, resourceType: node.resourceType, startedAt };
  const materialized = String(node.config.materialized ?? "");
  if (node.resourceType === "model" && materialized === "ephemeral") {
    return { ...base, status: "skipped", message: "ephemeral (inlined as a CTE)", completedAt: new Date(), materialized };
  }
  const relationName = node.resourceType === "test" ? undefined : renderRelation(node.relation);
  let compiledCode = "";
  try {
    if (node.resourceType !== "seed") {
      try {
        compiledCode = (await compileNode(project, uniqueId, { introspection: adapter, fullRefresh: opts.fullRefresh ?? false })).compiledCode;
      } catch (err) {
        throw compileNodeError(node, err);
      }
    }
    if (node.resourceType === "test") {
      const t = await runTest(node, adapter, compiledCode, opts);
      return { ...base, ...t, completedAt: new Date(), compiledCode, materialized: "test" };
    }
    const hookOpts = { introspection: adapter, fullRefresh: opts.fullRefresh ?? false };
    let pre: string[];
    let post: string[];
    try {
      pre = compileHooks(project, uniqueId, "pre", hookOpts);
      post = compileHooks(project, uniqueId, "post", hookOpts);
    } catch (err) {
      throw compileNodeError(node, err);
    }
    let seedRows: number | undefined;
    // DuckDB's `create or replace` is atomic on its own, and an explicit transaction costs a
    // WAL commit (~15 ms on a file): views and tables without hooks run without one there.
    const atomic = adapter.type === "duckdb" && node.resourceType === "model" && (materialized === "view" || materialized === "table") && pre.length === 0 && post.length === 0;
    const inTransaction = <T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> => (atomic ? fn(adapter) : adapter.transaction(fn));
    const message = await inTransaction(async (tx) => {
      for (const h of pre) await runAll(tx, node, h, [h]);
      let msg: string;
      if (node.resourceType === "seed") {
        const s = await loadSeed(project, node, tx, opts.fullRefresh ?? false);
        seedRows = s.rows;
        msg = s.message;
      } else if (node.resourceType === "snapshot") msg = await buildSnapshot(project, node, tx, compiledCode);
      else msg = await buildModel(project, node, tx, compiledCode, opts);
      for (const h of post) await runAll(tx, node, h, [h]);
      return msg;
    });
    opts.relations?.set(relationKey(node.relation), materialized === "view" ? "view" : "table");
    let rowCount = seedRows;
    if (rowCount === undefined && (opts.rowCount ?? true) && materialized !== "view") {
      const r = await adapter.query(`select count(*) as n from ${relationName}`).catch(() => []);
      if (r[0]) rowCount = Number(r[0].n);
    }
    const columns = opts.columns ? await adapter.getColumns(node.relation).catch(() => []) : undefined;
    return {
      ...base, status: "success", message: rowCount === undefined ? message : `${message} (${rowCount} rows)`, completedAt: new Date(),
      materialized, ...(relationName ? { relationName } : {}), compiledCode, ...(rowCount !== undefined ? { rowCount } : {}), ...(columns ? { columns } : {}),
    };
  } catch (err) {
    const error = err instanceof StrataError ? err : sqlNodeError(node, compiledCode, compiledCode, err);
    return { ...base, status: "error", message: `ERROR: ${error.message.split("\n")[0]}`, completedAt: new Date(), materialized, ...(relationName ? { relationName } : {}), ...(compiledCode ? { compiledCode } : {}), error };
  }
}

export interface FreshnessResult {
  uniqueId: string;
  status: "pass" | "warn" | "error";
  maxLoadedAt: Date | null;
  ageSeconds: number | null;
  error?: StrataError;
}

function toDate(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v;
  const s = String(v);
  const d = new Date(/[zZ]|[+-]\d{2}:?\d{2}$/.test(s) ? s : `${s.replace(" ", "T")}Z`);
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * `dbt source freshness` for one source: the newest `loaded_at_field` against
 * `warn_after`/`error_after`. A query error is status `error` with the error attached.
 *
 * @example
 * await sourceFreshness(project, "source.jaffle_shop.app.events", adapter); // { status: "warn", ageSeconds: 50400, ... }
 */
export async function sourceFreshness(project: DbtProject, sourceId: string, adapter: SqlAdapter, now = new Date()): Promise<FreshnessResult> {
  const source = project.sources.get(sourceId);
  if (!source) throw new StrataError("SQL_COMPILE", `No source ${sourceId} in project ${project.name}`);
  try {
    const row = (await adapter.query(freshnessQuery(source)))[0];
    const max = toDate(row?.max_loaded_at);
    return { uniqueId: sourceId, status: freshnessStatus(source.freshness, max, now), maxLoadedAt: max, ageSeconds: max ? (now.getTime() - max.getTime()) / 1000 : null };
  } catch (err) {
    const error = err instanceof StrataError ? err : new StrataError("WAREHOUSE_QUERY", String(err));
    return { uniqueId: sourceId, status: "error", maxLoadedAt: null, ageSeconds: null, error };
  }
}
