/**
 * Test warehouses: a copy of the jaffle_shop fixture per test file, on a temp DuckDB file or a
 * fresh Postgres schema (dropped afterwards). Postgres absent: skip with a message, except
 * under CI=true, where it is a failure.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { JAFFLE } from "./helpers.ts";
import { loadDbtProject } from "../src/load-project.ts";
import { openAdapter } from "../src/adapters/open.ts";
import type { SqlAdapter } from "../src/adapters/adapter.ts";
import type { DbtProject } from "../src/project-types.ts";

export type Engine = "duckdb" | "postgres";

export async function postgresAvailable(): Promise<boolean> {
  const c = new pg.Client({ host: "127.0.0.1", port: 5432, user: "postgres", database: "test", connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch (err) {
    if (process.env.CI === "true") throw new Error(`Postgres at 127.0.0.1:5432 is required under CI=true: ${(err as Error).message}`);
    console.warn(`[skip] Postgres tests: no server at 127.0.0.1:5432 (${(err as Error).message})`);
    return false;
  }
}

export interface Warehouse {
  dir: string;
  project: DbtProject;
  adapter: SqlAdapter;
  /** Schema prefix (Postgres: unique per run). */
  schema: string;
  rawSchema: string;
  reload(): DbtProject;
  rel(name: string, schema?: string): string;
  rows(sql: string): Promise<Record<string, unknown>[]>;
  dispose(): Promise<void>;
}

/** Copies jaffle_shop to a temp folder wired to `engine`, creates the source table. */
export async function jaffleWarehouse(engine: Engine): Promise<Warehouse> {
  const dir = mkdtempSync(join(tmpdir(), `jaffle-${engine}-`));
  cpSync(JAFFLE, dir, { recursive: true });
  const schema = engine === "duckdb" ? "main" : `strata_t${process.pid}_${Date.now().toString(36)}`;
  const rawSchema = engine === "duckdb" ? "raw_app" : `${schema}_raw`;
  const profile =
    engine === "duckdb"
      ? `jaffle_shop:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: "jaffle.duckdb", schema: main, threads: 1 }\n`
      : `jaffle_shop:\n  target: pg\n  outputs:\n    pg: { type: postgres, host: 127.0.0.1, port: 5432, user: postgres, password: "", dbname: test, schema: ${schema}, threads: 2 }\n`;
  writeFileSync(join(dir, "profiles.yml"), profile);
  const sub = (file: string, from: string, to: string) => writeFileSync(join(dir, file), readFileSync(join(dir, file), "utf8").replace(from, to));
  sub("models/staging/sources.yml", "schema: raw_app", `schema: ${rawSchema}`);
  if (engine === "postgres") sub("dbt_project.yml", "+target_schema: snapshots", `+target_schema: ${schema}_snapshots`);
  const reload = () => loadDbtProject(dir);
  const project = reload();
  const adapter = await openAdapter(project.target);
  const db = project.target.database;
  await adapter.execute(`create schema if not exists "${rawSchema}"`);
  await adapter.execute(`create table "${rawSchema}"."events" (event_id integer, account_id integer, event_type varchar(20), _loaded_at timestamp)`);
  await adapter.execute(`insert into "${rawSchema}"."events" values (1, 10, 'click', '2024-01-01 10:00:00'), (2, 10, 'view', '2024-01-01 11:00:00')`);
  return {
    dir, project, adapter, schema, rawSchema, reload,
    rel: (name, s = schema) => `"${db}"."${s}"."${name}"`,
    rows: (sql) => adapter.query(sql),
    dispose: async () => {
      if (engine === "postgres") {
        const schemas = await adapter.query(`select nspname from pg_namespace where nspname like $1`, [`${schema}%`]);
        for (const r of schemas) await adapter.execute(`drop schema if exists "${String(r.nspname)}" cascade`);
      }
      await adapter.close();
    },
  };
}
