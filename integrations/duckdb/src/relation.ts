import type { DuckDBQueryable, Row, SqlParams } from "./types.ts";

/**
 * A lazy handle on stored data, returned by the I/O manager's `loadInput` with
 * `loadAs: "relation"`: nothing is read until you ask. `sql` is a FROM-clause fragment
 * (a quoted table name, a filtered subquery, or a `read_parquet(...)` call), so big inputs
 * can stay in DuckDB and be joined there. Returning a relation from an asset materialises it.
 *
 * @example
 * asset({ name: "daily_totals", ins: { orders }, io: "warehouse_io" }, async (_ctx, { orders }) => {
 *   const rel = orders as DuckDBRelation;
 *   return { sql: `select day, sum(amount) as total from ${rel.sql} group by day` };
 * });
 */
export class DuckDBRelation {
  constructor(
    /** FROM-clause fragment naming the data, e.g. `"raw"."orders"`. */
    readonly sql: string,
    /** The client the relation reads through. */
    readonly db: DuckDBQueryable,
    /** Display name, e.g. `raw.orders`. */
    readonly name: string,
  ) {}

  /** All rows (optionally filtered/ordered with a SQL suffix such as `where x > $1 order by x`). */
  rows<T = Row>(suffix = "", params?: SqlParams): Promise<T[]> {
    return this.db.query<T>(`SELECT * FROM ${this.sql} ${suffix}`, params);
  }

  async count(): Promise<number> {
    const [row] = await this.db.query<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM ${this.sql}`);
    return row?.n ?? 0;
  }

  toString(): string {
    return this.sql;
  }
}

export function isRelation(v: unknown): v is DuckDBRelation {
  return v instanceof DuckDBRelation;
}
