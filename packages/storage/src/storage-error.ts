import { StrataError } from "@strata/core";
import type { StorageDialect } from "./storage-dialect.ts";

/**
 * Turns a driver error into `StrataError("STORAGE")` saying what failed, where and what to do.
 * StrataErrors pass through untouched (they already say so).
 *
 * @example
 * catch (err) { throw toStorageError(err, "store 12 events", dialect); }
 */
export function toStorageError(err: unknown, action: string, dialect: StorageDialect): StrataError {
  if (err instanceof StrataError) return err;
  const info = dialect.describeError(err);
  const message = err instanceof Error ? err.message : String(err);
  return new StrataError("STORAGE", `Could not ${action} in the ${dialect.description}: ${message}`, {
    hint: info?.hint ?? "This looks like a bug in Strata's storage layer; please report it with this message.",
    details: info?.code ? { driverCode: info.code } : undefined,
    cause: err,
  });
}
