import { StrataError } from "@strata/core";
import { sqliteDialect } from "./sqlite-dialect.ts";
import { SqlStorage } from "./sql-storage.ts";
import type { Storage } from "./storage.ts";

/** Where Strata keeps its data. Postgres joins this union as `{ kind: "postgres", url }`. */
export type StorageConfig =
  | { kind: "sqlite"; path: string; busyTimeoutMs?: number }
  | { kind: "memory" };

/**
 * Opens (creating parent directories) and migrates a SQLite database file.
 *
 * @example
 * const storage = await openSqliteStorage(".strata/strata.db");
 */
export function openSqliteStorage(path: string, options: { busyTimeoutMs?: number } = {}): Promise<Storage> {
  return SqlStorage.open(sqliteDialect({ path, ...options }));
}

/**
 * A private in-memory SQLite database with the full schema: for tests and throwaway runs.
 *
 * @example
 * const storage = await openInMemoryStorage();
 */
export function openInMemoryStorage(): Promise<Storage> {
  return SqlStorage.open(sqliteDialect({ path: ":memory:" }));
}

/**
 * Opens the storage a config describes.
 *
 * @example
 * const storage = await openStorage({ kind: "sqlite", path: ".strata/strata.db" });
 */
export function openStorage(config: StorageConfig): Promise<Storage> {
  switch (config.kind) {
    case "sqlite":
      return openSqliteStorage(config.path, config.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: config.busyTimeoutMs });
    case "memory":
      return openInMemoryStorage();
    default: {
      const kind = (config as { kind?: unknown }).kind;
      return Promise.reject(
        new StrataError("CONFIG_INVALID", `Unknown storage kind ${JSON.stringify(kind)}.`, {
          hint: 'Use { kind: "sqlite", path } or { kind: "memory" }.',
        }),
      );
    }
  }
}
