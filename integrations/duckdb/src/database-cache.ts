import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { DuckDBInstance } from "@duckdb/node-api";
import { StrataError } from "@strata/core";
import { lockError } from "./errors.ts";

/** Settings that apply to the whole database (the first opener's win; see {@link openDatabase}). */
export interface DatabaseSettings {
  readOnly: boolean;
  threads: number | undefined;
  memoryLimit: string | undefined;
}

/** How a process waits for another process's lock on the file (not part of the shared settings). */
export interface LockWait {
  /** Keep retrying this long while another process holds the file (0: fail at once). */
  timeoutMs: number;
  /** Called once, when the first attempt finds the file locked. */
  onWait?: (holder: string) => void;
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
export async function openDatabase(path: string, settings: DatabaseSettings, wait: LockWait = { timeoutMs: 0 }): Promise<Shared> {
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
  const shared: Shared = { key, settings, refs: 1, instance: createWaitingForLock(target, options, key, wait) };
  open.set(key, shared);
  try {
    await shared.instance;
  } catch (err) {
    open.delete(key);
    if (err instanceof StrataError) throw err;
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

/**
 * Opens the instance; while another process holds the file's lock (a concurrent run writing
 * the same warehouse), retries with backoff for up to `wait.timeoutMs`, as dagster-duckdb's
 * connect does. Runs on one DuckDB file therefore queue up instead of failing.
 */
async function createWaitingForLock(target: string, options: Record<string, string>, key: string, wait: LockWait): Promise<DuckDBInstance> {
  const deadline = Date.now() + wait.timeoutMs;
  let delay = 25;
  let announced = false;
  for (;;) {
    try {
      return await DuckDBInstance.create(target, options);
    } catch (err) {
      const locked = lockError(err, key);
      const left = deadline - Date.now();
      if (!locked || left <= 0) {
        if (locked && wait.timeoutMs > 0) locked.message += ` (waited ${wait.timeoutMs < 1000 ? `${wait.timeoutMs} ms` : `${Math.round(wait.timeoutMs / 1000)} s`} for it; lockTimeoutMs sets how long)`;
        throw locked ?? err;
      }
      if (!announced) wait.onWait?.(String((locked.details as { holder?: string } | undefined)?.holder ?? "another process"));
      announced = true;
      await sleep(Math.min(delay, left));
      delay = Math.min(delay * 2, 500);
    }
  }
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
