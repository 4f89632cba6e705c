import { StrataError } from "@strata/core";

const MAX_SQL = 500;

/** Shortens SQL for error messages: whitespace collapsed, cut at 500 characters. */
export function truncateSql(sql: string, max = MAX_SQL): string {
  const flat = sql.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max)}… (${flat.length - max} more characters)`;
}

/** What to do about a DuckDB error, judged from its class (the text before "Error:"). */
export function hintFor(raw: string): string {
  const message = raw.replace(/^Failed to (extract|prepare|execute) [a-z ]*?: /i, "");
  if (/read-only|read only/i.test(message)) {
    return "The database was opened with readOnly: true; open it read-write to change data.";
  }
  if (/^Parser Error/.test(message)) return "Fix the SQL syntax at the position marked above (DuckDB dialect).";
  if (/^Catalog Error/.test(message)) {
    return "The table, view, schema or function does not exist: check the name and schema (identifiers are case-insensitive unless quoted) and that the upstream asset has been materialised.";
  }
  if (/^Binder Error/.test(message)) {
    return "A column or expression does not resolve: check column names with client.describe(table) and the types of bound parameters.";
  }
  if (/^(Conversion|Invalid Input) Error/.test(message)) {
    return "A value does not fit the target type: cast it explicitly (CAST(x AS ...)) or clean the input data.";
  }
  if (/^Constraint Error/.test(message)) return "A row violates a NOT NULL, UNIQUE, PRIMARY KEY or CHECK constraint.";
  if (/^TransactionContext Error|conflict/i.test(message)) {
    return "Two concurrent steps wrote the same table; retry, or run them in the same concurrency pool.";
  }
  if (/^Out of Memory Error/.test(message)) return "Raise memoryLimit on the DuckDB resource or reduce the data processed at once.";
  if (/^IO Error/.test(message)) return "Check that the file exists, the path is right and the process may read/write it.";
  return "See the DuckDB message above; run the SQL in the DuckDB CLI to investigate.";
}

/**
 * Wraps an error thrown by DuckDB in a {@link StrataError} (`WAREHOUSE_QUERY`) that shows the
 * DuckDB message, the SQL (truncated) and a hint. StrataErrors pass through unchanged.
 */
export function wrapQueryError(err: unknown, sql: string): StrataError {
  if (err instanceof StrataError) return err;
  const message = (err instanceof Error ? err.message : String(err)).replace(/^Failed to extract statements: /, "");
  const shown = truncateSql(sql);
  return new StrataError("WAREHOUSE_QUERY", `DuckDB query failed: ${message}\n  SQL: ${shown}`, {
    hint: hintFor(message),
    details: { sql: shown },
    cause: err,
  });
}

const LOCK = /Could not set lock on file "([^"]+)": Conflicting lock is held in (.+?) \(PID (\d+)\)/;

/**
 * Turns DuckDB's "could not set lock" error into a `WAREHOUSE_LOCKED` StrataError naming the
 * file and the process holding it; returns undefined for any other error.
 */
export function lockError(err: unknown, path: string): StrataError | undefined {
  const message = err instanceof Error ? err.message : String(err);
  const m = LOCK.exec(message);
  if (!m && !/Could not set lock|Conflicting lock/i.test(message)) return undefined;
  const file = m?.[1] ?? path;
  const holder = m ? `${m[2]} (PID ${m[3]})` : "another process";
  return new StrataError(
    "WAREHOUSE_LOCKED",
    `DuckDB file ${file} is locked by ${holder}: DuckDB allows one process to open a database file for writing`,
    {
      where: file,
      hint: `Stop the other process (e.g. \`kill ${m?.[3] ?? "<pid>"}\` if it is a stale run), open the file with readOnly: true from every process that only reads, or point this resource at a different path.`,
      details: { file, holder, ...(m ? { pid: Number(m[3]) } : {}) },
      cause: err,
    },
  );
}
