import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { asset, defineDefinitions, StrataError, type AssetsDefinition } from "@strata/core";
import type { DuckDBClient } from "@strata/duckdb";
import { z } from "zod";
import { automationAttributeSchema, automationOptions, freshnessAttributeSchema } from "../automation-attributes.ts";
import { defineComponent, envString } from "../component.ts";
import { DEFAULT_WAREHOUSE_RESOURCE, defaultWarehouse, ensureSchema, openDatabase, referencedTables, tableForKey } from "./warehouse.ts";

const attributes = z.strictObject({
  /** Key prefix of every model, e.g. `analytics` → `analytics/<file name>` (table `analytics.<file name>`). */
  key_prefix: z.string().regex(/^[A-Za-z_][\w]*(\/[A-Za-z_][\w]*)*$/, "a key prefix such as analytics or mart/finance").optional(),
  /** Folder holding the .sql files, relative to the defs.yaml folder. */
  sql_dir: z.string().default("."),
  /** How each model is materialised (a file's front matter `-- materialized: view` overrides it). */
  materialized: z.enum(["table", "view"]).default("table"),
  /** Deps of every model (asset keys), in addition to front matter and inferred ones. */
  deps: z.array(z.string()).default([]),
  /** References `schema.table` into these schemas become deps `schema/table` (assets of other components or locations). */
  upstream_schemas: z.array(z.string()).default([]),
  group: z.string().optional(),
  owners: z.array(z.string()).optional(),
  tags: z.record(z.string(), z.string()).optional(),
  /** When the daemon materialises the asset(s): { preset: eager } or {{ automation.eager() }} (see README). */
  automation: automationAttributeSchema.optional(),
  /** Freshness policy: { fail_after: 24h, warn_after: 12h } or {{ freshness.time_window(fail_after='24h') }}. */
  freshness: freshnessAttributeSchema.optional(),
  kinds: z.array(z.string()).max(3).default(["duckdb", "sql"]),
  /** Resource key of the DuckDB client (default: the instance warehouse bound as `duckdb`). */
  resource: z.string().default(DEFAULT_WAREHOUSE_RESOURCE),
  /** A DuckDB file to use instead of the resource (may be `{{ secret('X') }}`: resolved when the run starts). */
  database: envString().optional(),
});

/** Reads `-- key: value` lines at the top of a SQL file. */
export function frontMatter(sql: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of sql.split("\n")) {
    const t = line.trim();
    if (t === "") continue;
    const m = /^--\s*([A-Za-z_]+)\s*:\s*(.*)$/.exec(t);
    if (!m) {
      if (t.startsWith("--")) continue;
      break;
    }
    out[m[1]!.toLowerCase()] = m[2]!.trim();
  }
  return out;
}

const list = (s: string | undefined) => (s ?? "").split(",").map((x) => x.trim()).filter(Boolean);

/**
 * `strata.duckdb_sql`: one asset per `.sql` file (a SELECT), materialised as a DuckDB table or
 * view named after the key. Deps come from front matter (`-- deps: raw/orders, raw/customers`),
 * from `deps`, and are inferred from `schema.table` references to other models of the same
 * folder or to `upstream_schemas`.
 */
export const duckdbSqlComponent = defineComponent({
  type: "strata.duckdb_sql",
  description: "One asset per .sql file (a SELECT), materialised as a DuckDB table or view; deps from `-- deps:` front matter or inferred from schema.table references.",
  attributes,
  example: { key_prefix: "analytics", upstream_schemas: ["raw"] },
  buildDefs(ctx) {
    const a = ctx.attributes;
    const dir = ctx.resolvePath(a.sql_dir);
    if (!existsSync(dir)) {
      throw new StrataError("COMPONENT_INVALID", `sql_dir "${a.sql_dir}" does not exist`, { where: formatRef(ctx.codeRef(["sql_dir"])) });
    }
    const files = readdirSync(dir).filter((f) => f.endsWith(".sql")).sort();
    const models = files.map((f) => {
      const sql = readFileSync(join(dir, f), "utf8");
      const name = basename(f, ".sql");
      const key = a.key_prefix ? `${a.key_prefix}/${name}` : name;
      return { file: join(dir, f), sql, key, fm: frontMatter(sql), table: tableForKey(key) };
    });
    const byTable = new Map(models.map((m) => [`${m.table.schema}.${m.table.table}`.toLowerCase(), m.key]));
    const upstream = new Set(a.upstream_schemas.map((s) => s.toLowerCase()));
    const assets: AssetsDefinition[] = models.map((m) => {
      const inferred = referencedTables(m.sql).flatMap((r) => {
        const own = byTable.get(`${r.schema}.${r.table}`);
        if (own && own !== m.key) return [own];
        return upstream.has(r.schema) ? [`${r.schema}/${r.table}`] : [];
      });
      const deps = [...new Set([...a.deps, ...list(m.fm.deps), ...inferred])].filter((d) => d !== m.key);
      const materialized = m.fm.materialized === "view" || (m.fm.materialized !== "table" && a.materialized === "view") ? "view" : "table";
      return asset(
        {
          key: m.key,
          deps,
          kinds: a.kinds,
          ...(a.group ? { group: a.group } : {}),
          ...(a.owners ? { owners: a.owners } : {}),
          ...(a.tags ? { tags: a.tags } : {}),
          ...automationOptions(a),
          ...(m.fm.description ? { description: m.fm.description } : { description: `${relative(ctx.projectRoot, m.file)} (${materialized})` }),
          ...(a.database ? {} : { resources: [a.resource] }),
          metadata: { sql_file: relative(ctx.projectRoot, m.file) },
          codeRef: { file: m.file, line: 1 },
        },
        async (actx) => {
          ctx.assertRequirements();
          const db = a.database ? await openDatabase(ctx.resolveEnv(a.database)) : actx.resource<DuckDBClient>(a.resource);
          try {
            const select = stripFrontMatter(m.sql).trim().replace(/;\s*$/, "");
            await ensureSchema(db, m.table.schema);
            if (materialized === "view") {
              await db.exec(`drop table if exists ${m.table.sql}`).catch(() => undefined);
              await db.exec(`create or replace view ${m.table.sql} as ${select}`);
            } else {
              await db.exec(`drop view if exists ${m.table.sql}`).catch(() => undefined);
              await db.exec(`create or replace table ${m.table.sql} as ${select}`);
            }
            const { tablePreviewMetadata } = await import("@strata/duckdb");
            actx.addMetadata(await tablePreviewMetadata(db, `${m.table.schema}.${m.table.table}`, { previewRows: 5 }));
          } finally {
            if (a.database) await db.close();
          }
        },
      );
    });
    const needsWarehouse = !a.database && a.resource === DEFAULT_WAREHOUSE_RESOURCE && assets.length > 0;
    return defineDefinitions({ assets, ...(needsWarehouse ? { resources: { [DEFAULT_WAREHOUSE_RESOURCE]: defaultWarehouse() } } : {}) });
  },
});

function stripFrontMatter(sql: string): string {
  return sql
    .split("\n")
    .filter((l) => !/^\s*--\s*[A-Za-z_]+\s*:/.test(l))
    .join("\n");
}

const formatRef = (r: { file: string; line: number }) => `${r.file}:${r.line}`;
