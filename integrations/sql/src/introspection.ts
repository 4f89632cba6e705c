/**
 * What compilation may ask the warehouse while rendering (`is_incremental()`, `run_query()`,
 * `adapter.get_columns_in_relation()`). Supplied by the executor; sync or async. Templates
 * render synchronously, so an async answer makes the renderer stop, await it, cache it and
 * render the node again (queries are expected to be reads; each distinct one runs once).
 *
 * @example
 * const introspection: Introspection = {
 *   relationExists: async (r) => (await db.tables()).includes(r.identifier),
 *   runQuery: (sql) => db.query(sql), // { columns, rows }
 * };
 */
import type { QueryResult } from "./agate-table.ts";
import type { RelationName } from "./project-types.ts";

export interface WarehouseColumn {
  name: string;
  dataType: string;
}

export interface Introspection {
  /** Whether the relation exists as a table (a view does not count for incremental models). */
  relationExists?(relation: RelationName): boolean | Promise<boolean>;
  /** Runs SQL and returns its rows. */
  runQuery?(sql: string): QueryResult | Promise<QueryResult>;
  /** Columns of a relation, in order (empty when it does not exist). */
  getColumns?(relation: RelationName): WarehouseColumn[] | Promise<WarehouseColumn[]>;
}

/** Raised (internally) when an async answer must be awaited before rendering again. */
export class NeedLookup extends Error {
  constructor(
    readonly key: string,
    readonly pending: Promise<unknown>,
  ) {
    super(`pending warehouse lookup: ${key}`);
    this.name = "NeedLookup";
  }
}
