import { StrataError } from "@strata/core";

/** Parses a JSON TEXT column, naming the column when the stored text is damaged. */
export function parseJsonColumn<T>(text: string, column: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new StrataError("STORAGE", `Stored JSON in column ${column} is not valid JSON: ${text.slice(0, 80)}`, {
      hint: "The database was edited by hand or is damaged; restore a backup or delete the row.",
      cause: err,
    });
  }
}

/** Integer columns may be strings (Postgres bigint) or bigint; null stays undefined. */
export function optionalNumber(v: number | string | bigint | null | undefined): number | undefined {
  return v === null || v === undefined ? undefined : Number(v);
}

/** Null columns become absent properties so records compare equal to what was written. */
export function optional<T>(v: T | null | undefined): T | undefined {
  return v === null ? undefined : v;
}
