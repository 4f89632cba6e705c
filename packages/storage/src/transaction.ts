import { sql, type Kysely } from "kysely";
import type { StrataDatabase } from "./schema.ts";
import type { StorageDialect } from "./storage-dialect.ts";

/** A Kysely handle bound to one connection inside an open transaction. */
export type Tx = Kysely<StrataDatabase>;

/**
 * Runs `fn` in a read-write transaction that holds the dialect's write lock from the start
 * (SQLite `BEGIN IMMEDIATE`), so read-then-write sequences (CAS, pool claims) are atomic across
 * processes. Commits on success, rolls back and rethrows on failure.
 */
export async function writeTransaction<T>(
  db: Kysely<StrataDatabase>,
  dialect: StorageDialect,
  fn: (tx: Tx) => Promise<T>,
): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql.raw(dialect.beginWriteTransaction).execute(conn);
    try {
      const result = await fn(conn);
      await sql.raw("commit").execute(conn);
      return result;
    } catch (err) {
      await rollbackKeepingError(conn, err);
      throw err;
    }
  });
}

/** The original error is what the caller needs; a failed rollback is attached as its cause. */
async function rollbackKeepingError(conn: Tx, err: unknown): Promise<void> {
  try {
    await sql.raw("rollback").execute(conn);
  } catch (rollbackErr) {
    if (err instanceof Error && err.cause === undefined) err.cause = rollbackErr;
  }
}

/** Splits `items` so each statement stays under the dialect's bind-parameter limit. */
export function chunksFor<T>(items: readonly T[], paramsPerItem: number, dialect: Pick<StorageDialect, "maxParameters">, cap = 500): T[][] {
  const size = Math.max(1, Math.min(cap, Math.floor(dialect.maxParameters / paramsPerItem)));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
