/**
 * The DuckDB adapter, on `@strata/duckdb`'s client (shared instance per path, bound
 * parameters, UTC). Statements of one node run in one transaction: DuckDB's DDL is
 * transactional, so a failed model leaves the previous relation in place.
 *
 * @example
 * const adapter = await openDuckDBAdapter({ path: "warehouse.duckdb" });
 * const adapter2 = duckdbAdapter(ctx.resource<DuckDBClient>("warehouse")); // reuse a resource
 */
import { openDuckDB, type DuckDBClient, type DuckDBQueryable } from "@strata/duckdb";
import { renderRelation } from "../relation.ts";
import type { RelationName } from "../project-types.ts";
import { COLUMNS_SQL, KIND_SQL, columnsOf, kindOf, quoteDouble, toQueryResult, type SqlAdapter, type SqlSession } from "./adapter.ts";

function session(db: DuckDBQueryable): SqlSession {
  return {
    execute: async (sql, params) => (await db.run(sql, params ? [...params] : undefined)).rowsChanged,
    query: (sql, params) => db.query(sql, params ? [...params] : undefined),
    runQuery: async (sql) => toQueryResult(await db.query(sql)),
    relationKind: async (r: RelationName) => kindOf(await db.query(KIND_SQL, [r.database, r.schema, r.identifier])),
    getColumns: async (r: RelationName) => columnsOf(await db.query(COLUMNS_SQL, [r.database, r.schema, r.identifier])),
  };
}

/**
 * Wraps an open client. `ownsClient` closes it with the adapter (default false: a resource's
 * client belongs to the resource).
 */
export function duckdbAdapter(client: DuckDBClient, opts: { ownsClient?: boolean } = {}): SqlAdapter {
  const s = session(client);
  return {
    type: "duckdb",
    ...s,
    relationExists: async (r) => (await s.relationKind(r)) === "table",
    quote: quoteDouble,
    render: (r) => renderRelation(r),
    transaction: (fn) => client.transaction((tx) => fn(session(tx))),
    close: async () => {
      if (opts.ownsClient) await client.close();
    },
  };
}

/** Opens a DuckDB file (or `:memory:`) and returns an adapter that closes it on `close()`. */
export async function openDuckDBAdapter(opts: { path: string; threads?: number }): Promise<SqlAdapter> {
  const client = await openDuckDB({ path: opts.path, ...(opts.threads ? { threads: opts.threads } : {}) });
  return duckdbAdapter(client, { ownsClient: true });
}
