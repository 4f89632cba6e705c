import { resolve } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { StrataError } from "@strata/core";
import { lockError } from "./errors.ts";

/** Settings that apply to the whole database (the first opener's win; see {@link openDatabase}). */
export interface DatabaseSettings {
  readOnly: boolean;
  threads: number | undefined;
  memoryLimit: string | undefined;
}

interface Shared {
  key: string;
  instance: Promise<DuckDBInstance>;
  settings: DatabaseSettings;
  refs: number;
}

const open = new Map<string, Shared>();

/** Cache key: absolute file path, or the `:memory:[name]` string as given. */
export function databaseKey(path: string): string {
  return path.startsWith(":memory:") ? path : resolve(path);
}

/**
 * Opens (or reuses) the one DuckDB instance for `path` in this process and takes a reference
 * on it. DuckDB lets only one process open a file read-write, and inside a process all users
 * must share one instance, so every client of a path goes through here.
 */
export async function openDatabase(path: string, settings: DatabaseSettings): Promise<Shared> {
  const key = databaseKey(path);
  const existing = open.get(key);
  if (existing) {
    if (existing.settings.readOnly && !settings.readOnly) {
      throw new StrataError("WAREHOUSE_LOCKED", `DuckDB file ${key} is already open read-only in this process`, {
        where: key,
        hint: "Open it read-write everywhere in the process (readOnly: false), or close the read-only client first.",
      });
    }
    existing.refs++;
    return existing;
  }
  const options: Record<string, string> = {};
  if (settings.readOnly) options.access_mode = "READ_ONLY";
  if (settings.threads !== undefined) options.threads = String(settings.threads);
  if (settings.memoryLimit !== undefined) options.memory_limit = settings.memoryLimit;
  // DuckDB itself knows only ":memory:"; each "memory:<name>" key gets its own fresh instance.
  const target = key.startsWith(":memory:") ? ":memory:" : key;
  const shared: Shared = { key, settings, refs: 1, instance: DuckDBInstance.create(target, options) };
  open.set(key, shared);
  try {
    await shared.instance;
  } catch (err) {
    open.delete(key);
    throw (
      lockError(err, key) ??
      new StrataError("WAREHOUSE_QUERY", `Cannot open DuckDB database ${key}: ${err instanceof Error ? err.message : String(err)}`, {
        where: key,
        hint: settings.readOnly
          ? "A read-only open needs an existing database file: check the path, or materialise something into it first."
          : "Check that the folder exists and is writable, and that threads/memoryLimit are valid.",
        cause: err,
      })
    );
  }
  return shared;
}

/** Drops a reference; the last one closes the instance (releasing the file lock). */
export async function releaseDatabase(shared: Shared): Promise<void> {
  shared.refs--;
  if (shared.refs > 0) return;
  if (open.get(shared.key) === shared) open.delete(shared.key);
  (await shared.instance).closeSync();
}

/** Paths with an open instance in this process (for diagnostics and tests). */
export function openDatabasePaths(): string[] {
  return [...open.keys()];
}
