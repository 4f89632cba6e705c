/**
 * The Postgres adapter, on `pg`. A pool sized to the target's `threads`; each transaction
 * holds one client. Values come back JSON-safe and alike to DuckDB's: `numeric`/`int8` as
 * numbers (strings when unsafe), `date` as `"YYYY-MM-DD"`, `timestamp` as an ISO string in UTC.
 *
 * @example
 * const adapter = await openPostgresAdapter({ host: "127.0.0.1", user: "postgres", database: "test" });
 * await adapter.query("select 1 as x"); // [{ x: 1 }]
 */
import pg from "pg";
import { StrataError } from "@strata/core";
import { renderRelation } from "../relation.ts";
import type { RelationName } from "../project-types.ts";
import { COLUMNS_SQL, KIND_SQL, columnsOf, kindOf, quoteDouble, type Row, type SqlAdapter, type SqlSession } from "./adapter.ts";

export interface PostgresAdapterOptions {
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database: string;
  /** Pool size (dbt's `threads`). */
  threads?: number;
  connectionTimeoutMillis?: number;
}

const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;

const parsers: Record<number, (v: string) => unknown> = {
  [INT8]: (v) => (Number.isSafeInteger(Number(v)) ? Number(v) : v),
  [NUMERIC]: (v) => (Number.isFinite(Number(v)) ? Number(v) : v),
  [DATE]: (v) => v,
  [TIMESTAMP]: (v) => (/^\d{4}-/.test(v) ? new Date(`${v.replace(" ", "T")}Z`).toISOString() : v),
  [TIMESTAMPTZ]: (v) => (/^\d{4}-/.test(v) ? new Date(v).toISOString() : v),
};

/** Per-pool type parsing (never pg's global parsers: other code in the process may use pg). */
const types = {
  getTypeParser: ((oid: number, format?: string) => parsers[oid] ?? pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

/** Postgres errors keep `position` (1-based offset in the statement); the runner uses it. */
function wrap(err: unknown, sql: string): StrataError {
  if (err instanceof StrataError) return err;
  const e = err as Error & { position?: string; code?: string };
  return new StrataError("WAREHOUSE_QUERY", `Postgres query failed: ${e.message}`, {
    details: { sql: sql.length > 2000 ? `${sql.slice(0, 2000)}…` : sql, ...(e.position ? { position: Number(e.position) } : {}), ...(e.code ? { sqlstate: e.code } : {}) },
    cause: err,
  });
}

function session(q: (sql: string, params?: unknown[]) => Promise<pg.QueryResult>, database: string): SqlSession {
  const run = async (sql: string, params?: readonly unknown[]) => {
    try {
      return await q(sql, params ? [...params] : undefined);
    } catch (err) {
      throw wrap(err, sql);
    }
  };
  return {
    execute: async (sql, params) => (await run(sql, params)).rowCount ?? 0,
    query: async (sql, params) => (await run(sql, params)).rows as Row[],
    runQuery: async (sql) => {
      const r = await run(sql);
      const cols = r.fields.map((f) => f.name);
      return { columns: cols, rows: (r.rows as Row[]).map((row) => cols.map((c) => row[c])) };
    },
    relationKind: async (r: RelationName) => kindOf((await run(KIND_SQL, [r.database || database, r.schema, r.identifier])).rows as Row[]),
    getColumns: async (r: RelationName) => columnsOf((await run(COLUMNS_SQL, [r.database || database, r.schema, r.identifier])).rows as Row[]),
  };
}

export function postgresAdapter(pool: pg.Pool, database: string, opts: { ownsPool?: boolean } = {}): SqlAdapter {
  const s = session((sql, params) => pool.query({ text: sql, values: params, types }), database);
  return {
    type: "postgres",
    ...s,
    relationExists: async (r) => (await s.relationKind(r)) === "table",
    quote: quoteDouble,
    render: (r) => renderRelation(r),
    transaction: async (fn) => {
      const client = await pool.connect();
      try {
        await client.query("begin");
        try {
          const result = await fn(session((sql, params) => client.query({ text: sql, values: params, types }), database));
          await client.query("commit");
          return result;
        } catch (err) {
          await client.query("rollback").catch(() => undefined);
          throw err;
        }
      } finally {
        client.release();
      }
    },
    close: async () => {
      if (opts.ownsPool) await pool.end();
    },
  };
}

/** Connects (checking the server answers) and returns an adapter that ends the pool on `close()`. */
export async function openPostgresAdapter(o: PostgresAdapterOptions): Promise<SqlAdapter> {
  const pool = new pg.Pool({
    host: o.host ?? "127.0.0.1", port: o.port ?? 5432, user: o.user ?? "postgres", database: o.database,
    ...(o.password ? { password: o.password } : {}), max: Math.max(1, o.threads ?? 4), connectionTimeoutMillis: o.connectionTimeoutMillis ?? 5000,
  });
  pool.on("error", () => undefined); // idle-client errors surface on the next query instead
  try {
    await pool.query("select 1");
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new StrataError("WAREHOUSE_QUERY", `Cannot connect to Postgres at ${o.host ?? "127.0.0.1"}:${o.port ?? 5432} (database ${o.database}): ${(err as Error).message}`, {
      hint: "Check host/port/user/dbname in profiles.yml and that the server is running.",
      cause: err,
    });
  }
  return postgresAdapter(pool, o.database, { ownsPool: true });
}
