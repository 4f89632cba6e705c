import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { randomUUID } from "node:crypto";
import {
  MetadataValue,
  StandardMetadataKeys,
  StrataError,
  type InputContext,
  type IOManager,
  type MetadataEntry,
  type OutputContext,
} from "@strata/core";
import type { DuckDBClient } from "./client.ts";
import { assetTable, parquetPartitionDir, parquetPath } from "./asset-location.ts";
import { qualified, quoteIdent, quoteLiteral } from "./identifiers.ts";
import { toOutputSource, type OutputSource } from "./output-value.ts";
import { DuckDBRelation } from "./relation.ts";
import { relationMetadata, tablePreviewMetadata } from "./table-metadata.ts";
import type { ColumnInfo, DuckDBQueryable, Row } from "./types.ts";

export interface DuckDBIOManagerOptions {
  /** Schema for one-part asset keys (longer keys use their prefix). Default "main". */
  schema?: string;
  /** "table" (default): a DuckDB table per asset. "parquet": a file per asset (and per partition). */
  format?: "table" | "parquet";
  /** Folder for parquet files; default `<instanceDir>/parquet`. */
  parquetDir?: string;
  /** Column holding the partition key in partitioned tables. Default "partition_key". */
  partitionColumn?: string;
  /** What `loadInput` returns: row objects (default) or a lazy {@link DuckDBRelation}. */
  loadAs?: "rows" | "relation";
  /** Rows in the `preview` metadata (default 10). */
  previewRows?: number;
}

/**
 * Stores asset outputs in DuckDB and loads them for downstream inputs. See the package
 * README for accepted output values, naming and partition handling.
 *
 * @example
 * const io = new DuckDBIOManager(await openDuckDB({ path: ":memory:" }), { format: "parquet" });
 */
export class DuckDBIOManager implements IOManager {
  readonly schema: string;
  readonly format: "table" | "parquet";
  readonly partitionColumn: string;
  readonly loadAs: "rows" | "relation";

  constructor(
    readonly db: DuckDBClient,
    private readonly options: DuckDBIOManagerOptions = {},
  ) {
    this.schema = options.schema ?? db.schema;
    this.format = options.format ?? "table";
    this.partitionColumn = options.partitionColumn ?? "partition_key";
    this.loadAs = options.loadAs ?? "rows";
  }

  async handleOutput(ctx: OutputContext, value: unknown): Promise<Record<string, MetadataEntry>> {
    const source = toOutputSource(value, ctx.assetKey);
    try {
      return this.format === "parquet" ? await this.writeParquet(ctx, source) : await this.writeTable(ctx, source);
    } catch (err) {
      throw withAsset(err, ctx.assetKey);
    }
  }

  async loadInput(ctx: InputContext): Promise<Row[] | DuckDBRelation> {
    const { schema, name } = assetTable(ctx.upstreamKey, this.schema);
    const keys = ctx.upstreamPartitionKeys;
    let from: string;
    if (this.format === "table") {
      if (!(await this.db.tableExists(schema, name))) throw missingInput(ctx, `table ${schema}.${name}`);
      from = keys === undefined ? qualified(schema, name) : `(SELECT * FROM ${qualified(schema, name)} WHERE ${inList(quoteIdent(this.partitionColumn), keys)})`;
    } else {
      const files = this.inputFiles(ctx);
      if (files.length === 0) return this.loadAs === "rows" ? [] : new DuckDBRelation("(SELECT NULL AS empty WHERE false)", this.db, `${schema}.${name}`);
      from = `read_parquet([${files.map(quoteLiteral).join(", ")}], union_by_name = true)`;
    }
    const relation = new DuckDBRelation(from, this.db, `${schema}.${name}`);
    return this.loadAs === "relation" ? relation : relation.rows();
  }

  private async writeTable(ctx: OutputContext, source: OutputSource): Promise<Record<string, MetadataEntry>> {
    const { schema, name } = assetTable(ctx.assetKey, this.schema);
    const target = qualified(schema, name);
    const partition = ctx.partitionKey;
    await ensureSchema(this.db, schema);
    await this.db.transaction(async (tx) => {
      await prepareTarget(tx, schema, name, "view");
      const exists = await tx.tableExists(schema, name);
      if (source.kind === "none" || (source.kind === "rows" && source.rows.length === 0 && !exists)) {
        if (!exists) throw nothingStored(ctx, `table ${schema}.${name}`, source.kind === "none");
        if (source.kind === "none") return;
      }
      if (partition === undefined) {
        if (source.kind === "query") await tx.run(`CREATE OR REPLACE TABLE ${target} AS ${source.sql}`);
        else if (source.kind === "rows" && source.rows.length === 0) await tx.run(`DELETE FROM ${target}`);
        else if (source.kind === "rows") {
          await tx.run(`DROP TABLE IF EXISTS ${target}`);
          await tx.appendRows({ schema, name }, source.rows);
        }
        return;
      }
      const col = quoteIdent(this.partitionColumn);
      const value = quoteLiteral(partition);
      if (exists) await tx.run(`DELETE FROM ${target} WHERE ${col} = $1`, [partition]);
      if (source.kind === "query") {
        const select = `SELECT COLUMNS(c -> c <> ${quoteLiteral(this.partitionColumn)}), ${value} AS ${col} FROM (${source.sql})`;
        if (exists) await tx.run(`INSERT INTO ${target} BY NAME ${select}`);
        else await tx.run(`CREATE TABLE ${target} AS ${select}`);
      } else if (source.kind === "rows") {
        const pc = this.partitionColumn;
        await tx.appendRows({ schema, name }, source.rows.map((r) => ({ ...r, [pc]: partition })));
      }
    });
    const metadata = await tablePreviewMetadata(
      this.db,
      { schema, name },
      partition === undefined
        ? { previewRows: this.options.previewRows }
        : { previewRows: this.options.previewRows, where: `${quoteIdent(this.partitionColumn)} = $1`, params: [partition] },
    );
    metadata[StandardMetadataKeys.uri] = MetadataValue.url(`duckdb://${this.db.path}#${schema}.${name}`);
    return metadata;
  }

  private async writeParquet(ctx: OutputContext, source: OutputSource): Promise<Record<string, MetadataEntry>> {
    const { schema, name } = assetTable(ctx.assetKey, this.schema);
    const dir = this.parquetDir(ctx.instanceDir);
    const file = parquetPath(dir, ctx.assetKey, ctx.partitionKey);
    const partitioned = ctx.partitionKey !== undefined;
    const empty = source.kind === "none" || (source.kind === "rows" && source.rows.length === 0);
    if (empty && !existsSync(file)) throw nothingStored(ctx, `parquet file ${file}`, source.kind === "none");
    mkdirSync(dirname(file), { recursive: true });
    if (source.kind !== "none") {
      const tmp = `${file}.${randomUUID()}.tmp`;
      try {
        await this.db.transaction(async (tx) => {
          let query: string;
          if (source.kind === "rows" && source.rows.length === 0) {
            query = `SELECT * FROM read_parquet(${quoteLiteral(file)}) WHERE false`;
          } else if (source.kind === "rows") {
            // A scratch table inside the transaction: invisible to others, gone on rollback.
            const scratch = { schema: "strata_scratch", name: `t_${randomUUID().replaceAll("-", "")}` };
            await tx.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(scratch.schema)}`);
            await tx.appendRows(scratch, source.rows);
            query = `SELECT * FROM ${qualified(scratch.schema, scratch.name)}`;
            await tx.run(`COPY (${query}) TO ${quoteLiteral(tmp)} (FORMAT parquet)`);
            await tx.run(`DROP TABLE ${qualified(scratch.schema, scratch.name)}`);
            return;
          } else query = source.sql;
          await tx.run(`COPY (${query}) TO ${quoteLiteral(tmp)} (FORMAT parquet)`);
        });
        renameSync(tmp, file);
      } finally {
        rmSync(tmp, { force: true });
      }
    }
    const all = partitioned
      ? `read_parquet(${quoteLiteral(join(parquetPartitionDir(dir, ctx.assetKey), "*.parquet"))}, union_by_name = true)`
      : `read_parquet(${quoteLiteral(file)})`;
    if (!this.db.readOnly) {
      await ensureSchema(this.db, schema);
      await this.db.transaction(async (tx) => {
        await prepareTarget(tx, schema, name, "table");
        await tx.run(`CREATE OR REPLACE VIEW ${qualified(schema, name)} AS SELECT * FROM ${all}`);
      });
    }
    const own = `read_parquet(${quoteLiteral(file)})`;
    const columns = await describeQuery(this.db, `SELECT * FROM ${own}`);
    const metadata = await relationMetadata(this.db, own, `${schema}.${name}`, { previewRows: this.options.previewRows }, columns);
    if (partitioned) {
      metadata[StandardMetadataKeys.partitionRowCount] = metadata[StandardMetadataKeys.rowCount] as MetadataEntry;
      const [total] = await this.db.query<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM ${all}`);
      metadata[StandardMetadataKeys.rowCount] = MetadataValue.int(total?.n ?? 0);
    }
    metadata[StandardMetadataKeys.uri] = MetadataValue.path(file);
    return metadata;
  }

  private parquetDir(instanceDir: string): string {
    return this.options.parquetDir ?? join(instanceDir, "parquet");
  }

  private inputFiles(ctx: InputContext): string[] {
    const dir = this.parquetDir(ctx.instanceDir);
    const keys = ctx.upstreamPartitionKeys;
    if (keys !== undefined) {
      const files = keys.map((k) => parquetPath(dir, ctx.upstreamKey, k));
      const missing = files.filter((f) => !existsSync(f));
      if (missing.length > 0) throw missingInput(ctx, `parquet file${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
      return files;
    }
    const single = parquetPath(dir, ctx.upstreamKey, undefined);
    if (existsSync(single)) return [single];
    const partDir = parquetPartitionDir(dir, ctx.upstreamKey);
    const parts = existsSync(partDir) ? readdirSync(partDir).filter((f) => f.endsWith(".parquet")).sort() : [];
    if (parts.length === 0) throw missingInput(ctx, `parquet file ${single}`);
    return parts.map((f) => join(partDir, f));
  }
}

/** Creates the schema and drops an object of the other kind (table vs view) left by a format change. */
/**
 * Creates `schema` (if missing) in its own autocommit statement, before the write's transaction.
 * Two transactions that each run `CREATE SCHEMA IF NOT EXISTS` for a schema that does not exist
 * yet conflict in DuckDB ("Catalog write-write conflict on create"), so two assets of one new
 * schema written in parallel (bronze/orders and bronze/sensor_readings in one run) failed.
 * Here the loser of the race sees the conflict, waits a moment and finds the schema there.
 */
async function ensureSchema(db: DuckDBQueryable, schema: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const [row] = await db.query<{ n: number }>(
      "SELECT count(*)::INTEGER AS n FROM information_schema.schemata WHERE catalog_name = current_database() AND schema_name = $1",
      [schema],
    );
    if ((row?.n ?? 0) > 0) return;
    try {
      await db.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      return;
    } catch (err) {
      if (attempt >= 5 || !/conflict/i.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
    }
  }
}

async function prepareTarget(tx: DuckDBQueryable, schema: string, name: string, drop: "table" | "view"): Promise<void> {
  await tx.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  const [row] = await tx.query<{ t: string }>(
    "SELECT table_type AS t FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2",
    [schema, name],
  );
  const isView = row?.t === "VIEW";
  if (row && isView === (drop === "view")) await tx.run(`DROP ${isView ? "VIEW" : "TABLE"} ${qualified(schema, name)}`);
}

async function describeQuery(db: DuckDBQueryable, sql: string): Promise<ColumnInfo[]> {
  const rows = await db.query<{ column_name: string; column_type: string; null: string }>(`DESCRIBE ${sql}`);
  return rows.map((r) => ({ name: r.column_name, type: r.column_type, nullable: r.null !== "NO" }));
}

function inList(column: string, values: readonly string[]): string {
  return values.length === 0 ? "false" : `${column} IN (${values.map(quoteLiteral).join(", ")})`;
}

function missingInput(ctx: InputContext, what: string): StrataError {
  return new StrataError("IO_MISSING_INPUT", `Input "${ctx.inputName}" of ${ctx.assetKey}: ${ctx.upstreamKey} has no stored ${what}`, {
    assetKey: ctx.assetKey,
    hint: `Materialise ${ctx.upstreamKey}${ctx.upstreamPartitionKeys ? ` (partitions ${ctx.upstreamPartitionKeys.join(", ")})` : ""} first, with the same DuckDB I/O manager settings (path, format, schema).`,
  });
}

function nothingStored(ctx: OutputContext, what: string, returnedNothing: boolean): StrataError {
  return new StrataError(
    "IO_FAILED",
    returnedNothing
      ? `Asset ${ctx.assetKey} returned nothing and no ${what} exists for the DuckDB I/O manager to record`
      : `Asset ${ctx.assetKey} returned zero rows and no ${what} exists yet: there are no columns to create it from`,
    {
      assetKey: ctx.assetKey,
      hint: returnedNothing
        ? "Return the rows (or { sql }) to store, or create the table yourself before returning."
        : 'Return { sql: "select ... where false" } with typed columns, or create the table first.',
    },
  );
}

function withAsset(err: unknown, assetKey: string): unknown {
  if (err instanceof StrataError && err.assetKey === undefined) {
    return new StrataError(err.code, `${assetKey}: ${err.message}`, {
      assetKey,
      hint: err.hint,
      where: err.where,
      details: err.details,
      cause: err.cause ?? err,
    });
  }
  return err;
}
