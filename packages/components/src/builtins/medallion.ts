import { existsSync } from "node:fs";
import { extname, isAbsolute } from "node:path";
import { asset, defineDefinitions, MaterializeResult, StrataError, type AssetsDefinition } from "@strata/core";
import type { DuckDBClient } from "@strata/duckdb";
import { z } from "zod";
import { automationAttributeSchema, automationOptions, freshnessAttributeSchema } from "../automation-attributes.ts";
import { defineComponent, envString, type ComponentLoadContext } from "../component.ts";
import { DEFAULT_WAREHOUSE_RESOURCE, defaultWarehouse, ensureSchema, openDatabase, quote, referencedTables } from "./warehouse.ts";

const ident = z.string().regex(/^[A-Za-z_][\w]*$/, "a SQL identifier (letters, digits, _)");

const table = z.strictObject({
  name: ident,
  /** Source file (CSV, JSON/NDJSON or parquet), relative to source_dir; default `<name>.csv`. */
  file: z.string().optional(),
  format: z.enum(["csv", "json", "parquet"]).optional(),
  /** Columns identifying a row: silver keeps one row per key (the last by `order_by`) and checks uniqueness. */
  keys: z.array(ident).min(1),
  /** Columns that must not be null in silver (rows with nulls are dropped and counted; a check reports them). */
  not_null: z.array(ident).default([]),
  /** Which duplicate to keep: the last row ordered by this expression (default: the keys). */
  order_by: z.string().optional(),
  /** Columns trimmed and lower-cased in silver (e-mails, codes). */
  lowercase: z.array(ident).default([]),
  description: z.string().optional(),
});

const gold = z
  .strictObject({
    name: ident,
    /** A SELECT over silver (and bronze) tables; references become deps. */
    sql: z.string().optional(),
    /** Or a spec: aggregate one silver table… */
    from: ident.optional(),
    group_by: z.array(z.string()).default([]),
    /** …with `name: SQL aggregate` measures, e.g. `revenue: sum(amount)`. */
    measures: z.record(ident, z.string()).default({}),
    description: z.string().optional(),
  })
  .refine((g) => (g.sql ? !g.from : !!g.from && Object.keys(g.measures).length > 0), {
    message: "give either `sql`, or `from` with `measures` (and optional `group_by`)",
  });

const attributes = z.strictObject({
  /** Run on the local DuckDB warehouse with files from `source_dir` (no credentials needed). */
  demo_mode: z.boolean().default(true),
  /** Production: a DuckDB database path or URI, usually `{{ secret('WAREHOUSE_PATH') }}` (resolved at run time). */
  database: envString().optional(),
  /** Where the source files are, relative to the defs.yaml folder (or absolute / a URL). */
  source_dir: z.string().default("data"),
  /** Schema (and key prefix) of each layer. */
  layers: z.strictObject({ bronze: ident.default("bronze"), silver: ident.default("silver"), gold: ident.default("gold") }).default({ bronze: "bronze", silver: "silver", gold: "gold" }),
  tables: z.array(table).min(1),
  gold: z.array(gold).default([]),
  owners: z.array(z.string()).optional(),
  tags: z.record(z.string(), z.string()).optional(),
  /** When the daemon materialises the asset(s): { preset: eager } or {{ automation.eager() }} (see README). */
  automation: automationAttributeSchema.optional(),
  /** Freshness policy: { fail_after: 24h, warn_after: 12h } or {{ freshness.time_window(fail_after='24h') }}. */
  freshness: freshnessAttributeSchema.optional(),
});

type Attrs = z.output<typeof attributes>;

const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;

/**
 * `strata.medallion`: bronze → silver → gold over a list of tables. Bronze loads each source
 * file as is; silver trims/lower-cases declared columns, drops rows with null keys or
 * `not_null` columns and keeps one row per key (checks `unique_keys` and `not_null` report
 * what was found); gold aggregates silver with SQL or a `from`/`group_by`/`measures` spec.
 * `demo_mode: true` (default) runs everything in the instance's DuckDB warehouse.
 */
export const medallionComponent = defineComponent({
  type: "strata.medallion",
  description: "Bronze → silver → gold over a list of tables: load files, dedupe/clean by declared keys with checks, aggregate; demo_mode runs on local DuckDB.",
  attributes,
  example: { demo_mode: true, source_dir: "data", tables: [{ name: "orders", keys: ["order_id"] }] },
  buildDefs(ctx) {
    const a = ctx.attributes;
    if (!a.demo_mode && !a.database) {
      throw new StrataError("COMPONENT_INVALID", "strata.medallion needs `database` when demo_mode is false", {
        where: `${ctx.codeRef(["demo_mode"]).file}:${ctx.codeRef(["demo_mode"]).line}`,
        hint: "Set database: \"{{ secret('WAREHOUSE_PATH') }}\", or demo_mode: true to run on the local DuckDB warehouse.",
      });
    }
    const L = a.layers;
    const common = { ...(a.owners ? { owners: a.owners } : {}), ...(a.tags ? { tags: a.tags } : {}), ...automationOptions(a), ...(a.database ? {} : { resources: [DEFAULT_WAREHOUSE_RESOURCE] }) };
    const withDb = withDatabase(ctx, a);
    const assets: AssetsDefinition[] = [];
    a.tables.forEach((t, i) => {
      const ref = ctx.codeRef(["tables", i]);
      const file = t.file ?? `${t.name}.csv`;
      const source = /^[a-z]+:\/\//.test(a.source_dir) || isAbsolute(file) ? (isAbsolute(file) ? file : `${a.source_dir}/${file}`) : ctx.resolvePath(`${a.source_dir}/${file}`);
      const format = t.format ?? (extname(file) === ".parquet" ? "parquet" : /\.(json|ndjson|jsonl)$/.test(file) ? "json" : "csv");
      const reader = format === "csv" ? `read_csv_auto(${lit(source)}, header = true)` : format === "json" ? `read_json_auto(${lit(source)})` : `read_parquet(${lit(source)})`;
      assets.push(
        asset(
          { key: [L.bronze, t.name], group: L.bronze, kinds: ["duckdb", format], description: `${t.name} as loaded from ${file}`, codeRef: ref, metadata: { source }, ...common },
          withDb(async (db, actx) => {
            if (a.demo_mode && !/^[a-z]+:\/\//.test(source) && !existsSync(source)) {
              throw new StrataError("IO_FAILED", `Source file ${source} does not exist`, { hint: `Put ${file} in ${a.source_dir}/ or fix tables[${i}].file.` });
            }
            await ensureSchema(db, L.bronze);
            await db.exec(`create or replace table ${quote(L.bronze)}.${quote(t.name)} as select * from ${reader}`);
            await addTableMetadata(db, actx, `${L.bronze}.${t.name}`);
          }),
        ),
      );
      const cols = [...new Set([...t.keys, ...t.not_null])];
      const cleaned = t.lowercase.length
        ? `select * replace (${t.lowercase.map((c) => `lower(trim(${quote(c)})) as ${quote(c)}`).join(", ")}) from ${quote(L.bronze)}.${quote(t.name)}`
        : `select * from ${quote(L.bronze)}.${quote(t.name)}`;
      const keys = t.keys.map(quote).join(", ");
      const checks = [
        { name: "unique_keys", blocking: true, description: `one row per (${t.keys.join(", ")})` },
        ...(t.not_null.length ? [{ name: "not_null", description: `${t.not_null.join(", ")} not null in bronze` }] : []),
      ];
      assets.push(
        asset(
          {
            key: [L.silver, t.name],
            deps: [[L.bronze, t.name]],
            group: L.silver,
            kinds: ["duckdb", "sql"],
            description: t.description ?? `${t.name}: deduplicated on ${t.keys.join(", ")}, cleaned`,
            checks,
            codeRef: ref,
            ...common,
          },
          withDb(async (db, actx) => {
            const target = `${quote(L.silver)}.${quote(t.name)}`;
            const notNull = cols.map((c) => `${quote(c)} is not null`).join(" and ");
            await ensureSchema(db, L.silver);
            await db.exec(
              `create or replace table ${target} as ` +
                `select * exclude (__rn) from (select *, row_number() over (partition by ${keys} order by ${t.order_by ?? keys} desc) as __rn ` +
                `from (${cleaned}) where ${notNull}) where __rn = 1`,
            );
            const [counts] = await db.query<{ bronze: number; silver: number; dup: number }>(
              `select (select count(*) from ${quote(L.bronze)}.${quote(t.name)})::int as bronze, (select count(*) from ${target})::int as silver, ` +
                `(select count(*) from (select ${keys} from ${target} group by ${keys} having count(*) > 1))::int as dup`,
            );
            const [nulls] = t.not_null.length
              ? await db.query<{ n: number }>(`select count(*)::int as n from ${quote(L.bronze)}.${quote(t.name)} where ${t.not_null.map((c) => `${quote(c)} is null`).join(" or ")}`)
              : [{ n: 0 }];
            await addTableMetadata(db, actx, `${L.silver}.${t.name}`);
            actx.addMetadata({ dropped_rows: counts!.bronze - counts!.silver });
            return new MaterializeResult({
              checkResults: [
                { checkName: "unique_keys", passed: counts!.dup === 0, metadata: { duplicate_keys: counts!.dup } },
                ...(t.not_null.length ? [{ checkName: "not_null", passed: nulls!.n === 0, severity: "WARN" as const, metadata: { null_rows_in_bronze: nulls!.n } }] : []),
              ],
            });
          }),
        ),
      );
    });
    a.gold.forEach((g, i) => {
      const sql = g.sql ?? `select ${[...g.group_by, ...Object.entries(g.measures).map(([n, e]) => `${e} as ${quote(n)}`)].join(", ")} from ${quote(L.silver)}.${quote(g.from!)}${g.group_by.length ? ` group by ${g.group_by.join(", ")}` : ""}`;
      const layers = new Set([L.bronze.toLowerCase(), L.silver.toLowerCase(), L.gold.toLowerCase()]);
      const deps = referencedTables(sql)
        .filter((r) => layers.has(r.schema) && !(r.schema === L.gold.toLowerCase() && r.table === g.name.toLowerCase()))
        .map((r) => [r.schema, r.table]);
      assets.push(
        asset(
          { key: [L.gold, g.name], deps, group: L.gold, kinds: ["duckdb", "sql"], description: g.description ?? `gold ${g.name}`, codeRef: ctx.codeRef(["gold", i]), metadata: { sql }, ...common },
          withDb(async (db, actx) => {
            await ensureSchema(db, L.gold);
            await db.exec(`create or replace table ${quote(L.gold)}.${quote(g.name)} as ${sql}`);
            await addTableMetadata(db, actx, `${L.gold}.${g.name}`);
          }),
        ),
      );
    });
    return defineDefinitions({ assets, ...(a.database ? {} : { resources: { [DEFAULT_WAREHOUSE_RESOURCE]: defaultWarehouse() } }) });
  },
});

type Actx = Parameters<Parameters<typeof asset>[1]>[0];

/** Runs `fn` with the warehouse: the `duckdb` resource in demo mode, else the `database` resolved now. */
function withDatabase(ctx: ComponentLoadContext<Attrs>, a: Attrs) {
  return <T>(fn: (db: DuckDBClient, actx: Actx) => Promise<T>) =>
    async (actx: Actx): Promise<T> => {
      ctx.assertRequirements();
      if (!a.database) return fn(actx.resource<DuckDBClient>(DEFAULT_WAREHOUSE_RESOURCE), actx);
      const db = await openDatabase(ctx.resolveEnv(a.database));
      try {
        return await fn(db, actx);
      } finally {
        await db.close();
      }
    };
}

async function addTableMetadata(db: DuckDBClient, actx: Actx, table: string): Promise<void> {
  const { tablePreviewMetadata } = await import("@strata/duckdb");
  actx.addMetadata(await tablePreviewMetadata(db, table, { previewRows: 5 }));
}
