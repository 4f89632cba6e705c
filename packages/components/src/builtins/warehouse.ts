import { join } from "node:path";
import { resource, type ResourceDefinition } from "@strata/core";
import type { DuckDBClient } from "@strata/duckdb";
import { z } from "zod";

/** Resource key the built-in DuckDB components use unless told otherwise. */
export const DEFAULT_WAREHOUSE_RESOURCE = "duckdb";

let shared: ResourceDefinition<DuckDBClient> | undefined;

/**
 * The DuckDB warehouse of the built-in components: `<instanceDir>/warehouse.duckdb` (shared by
 * every code location of a workspace, which share one instance). One definition per process,
 * so several component instances merge without conflict; a project that binds its own
 * `duckdb` resource replaces it. `@strata/duckdb` is imported only when a run needs it.
 */
export function defaultWarehouse(): ResourceDefinition<DuckDBClient> {
  shared ??= resource({
    description: "DuckDB warehouse of the built-in components (<instance>/warehouse.duckdb)",
    config: z.object({ path: z.string().optional() }),
    create: async (cfg: { path?: string }, ctx) => {
      const { openDuckDB } = await import("@strata/duckdb");
      return openDuckDB({ path: cfg.path ?? join(ctx.instanceDir, "warehouse.duckdb") });
    },
    teardown: (client: DuckDBClient) => client.close(),
  }) as unknown as ResourceDefinition<DuckDBClient>;
  return shared;
}

/** Opens a DuckDB file other than the instance warehouse (e.g. a `database:` attribute resolved at run time). */
export async function openDatabase(path: string): Promise<DuckDBClient> {
  const { openDuckDB } = await import("@strata/duckdb");
  return openDuckDB({ path });
}

/** `raw/orders` → `{ schema: "raw", table: "orders" }` (the DuckDB I/O manager's naming). */
export function tableForKey(key: string): { schema: string; table: string; sql: string } {
  const parts = key.split("/");
  const table = parts.pop()!;
  const schema = parts.length ? parts.join("_") : "main";
  return { schema, table, sql: `${quote(schema)}.${quote(table)}` };
}

export const quote = (ident: string): string => `"${ident.replaceAll('"', '""')}"`;

/** `schema.table` references after FROM / JOIN in a SQL text (lower-cased). */
export function referencedTables(sql: string): { schema: string; table: string }[] {
  const noComments = sql.replace(/--[^\n]*/g, " ").replace(/\/\*[\s\S]*?\*\//g, " ");
  const re = /\b(?:from|join)\s+"?([A-Za-z_][\w]*)"?\s*\.\s*"?([A-Za-z_][\w]*)"?/gi;
  const out = new Map<string, { schema: string; table: string }>();
  for (const m of noComments.matchAll(re)) {
    const schema = m[1]!.toLowerCase();
    const table = m[2]!.toLowerCase();
    out.set(`${schema}.${table}`, { schema, table });
  }
  return [...out.values()];
}

const schemas = new WeakMap<object, Map<string, Promise<void>>>();

/**
 * `create schema if not exists`, once per client and schema: parallel steps creating the same
 * schema at once make DuckDB fail with a write-write conflict on the catalog.
 */
export function ensureSchema(db: DuckDBClient, schema: string): Promise<void> {
  let byName = schemas.get(db);
  if (!byName) schemas.set(db, (byName = new Map()));
  let p = byName.get(schema);
  if (!p) {
    p = db.exec(`create schema if not exists ${quote(schema)}`).catch(async (err: unknown) => {
      if (!/conflict/i.test((err as Error).message)) throw err;
      await db.exec(`create schema if not exists ${quote(schema)}`);
    });
    byName.set(schema, p);
    p.catch(() => byName.delete(schema));
  }
  return p;
}
