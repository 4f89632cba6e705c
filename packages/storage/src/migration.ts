import { StrataError } from "@strata/core";
import type { Kysely } from "kysely";
import type { StrataDatabase } from "./schema.ts";
import type { MigrationTypes, StorageDialect } from "./storage-dialect.ts";
import { writeTransaction } from "./transaction.ts";

/**
 * One numbered schema change. `up` uses Kysely's schema builder plus the dialect's
 * {@link MigrationTypes}, so the same migration runs on SQLite and Postgres.
 */
export interface Migration {
  version: number;
  name: string;
  up(db: Kysely<StrataDatabase>, types: MigrationTypes): Promise<void>;
}

/** Result of {@link migrate}: the version before and after, and what was applied. */
export interface MigrationResult {
  from: number;
  to: number;
  applied: number[];
}

/**
 * Brings the database to the newest schema in `migrations`, in one write transaction so that
 * processes opening the same fresh database at once migrate it exactly once. A database newer
 * than the code is refused with `StrataError("STORAGE")` rather than misread.
 *
 * @example
 * await migrate(db, dialect, MIGRATIONS);
 */
export async function migrate(
  db: Kysely<StrataDatabase>,
  dialect: StorageDialect,
  migrations: readonly Migration[],
): Promise<MigrationResult> {
  checkOrder(migrations);
  const latest = migrations.at(-1)?.version ?? 0;
  return writeTransaction(db, dialect, async (tx) => {
    await dialect.lockForMigration?.(tx);
    await tx.schema
      .createTable("migrations")
      .ifNotExists()
      .addColumn("version", "integer", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("applied_at", dialect.migrationTypes.bigint, (c) => c.notNull())
      .execute();
    const row = await tx.selectFrom("migrations").select((eb) => eb.fn.max("version").as("v")).executeTakeFirst();
    const from = row?.v == null ? 0 : Number(row.v);
    if (from > latest) {
      throw new StrataError(
        "STORAGE",
        `The ${dialect.description} has schema version ${from}, but this version of Strata only knows versions up to ${latest}.`,
        { hint: "A newer Strata wrote this database. Upgrade Strata (npm install strata@latest) to open it." },
      );
    }
    const applied: number[] = [];
    for (const m of migrations) {
      if (m.version <= from) continue;
      await m.up(tx, dialect.migrationTypes);
      await tx.insertInto("migrations").values({ version: m.version, name: m.name, applied_at: Date.now() }).execute();
      applied.push(m.version);
    }
    return { from, to: Math.max(from, latest), applied };
  });
}

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new StrataError("INTERNAL", `Migration "${m.name}" has version ${m.version}; expected ${i + 1}.`, {
        hint: "Migrations must be numbered 1, 2, 3... in order.",
      });
    }
  });
}
