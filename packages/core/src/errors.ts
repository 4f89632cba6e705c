/**
 * Every error a user can cause is a {@link StrataError}: a stable `code`, a message saying what
 * was wrong, and optional `where` (file:line or asset key) and `hint` (what to do).
 *
 * @example
 * throw new StrataError("DEFS_CYCLE", "Assets form a cycle: a -> b -> a", { hint: "Remove one dep." });
 */
export type StrataErrorCode =
  | "DEFS_CYCLE"
  | "DEFS_DUPLICATE_KEY"
  | "DEFS_UNKNOWN_DEP"
  | "DEFS_UNKNOWN_RESOURCE"
  | "DEFS_INVALID"
  | "DEFS_INVALID_CONFIG"
  | "DEFS_IMPORT_FAILED"
  | "DEFS_NO_ENTRY"
  | "SELECTION_SYNTAX"
  | "SELECTION_EMPTY"
  | "PLAN_SUBSET"
  | "PLAN_INVALID"
  | "ENV_MISSING"
  | "CONFIG_INVALID"
  | "RUN_NOT_FOUND"
  | "RUN_INVALID_STATE"
  | "STORAGE"
  | "IO_MISSING_INPUT"
  | "IO_FAILED"
  | "USER_CODE"
  | "PARTITION_INVALID"
  | "PARTITION_UNKNOWN_KEY"
  | "PARTITION_MAPPING"
  | "BACKFILL_INVALID"
  /** A backfill id (or one of its chunk ids) that storage does not know. */
  | "BACKFILL_NOT_FOUND"
  | "USAGE"
  | "INTERNAL"
  /** Components and YAML definitions (`defs/`): YAML syntax, unknown component types, invalid attributes, templates. */
  | "YAML_SYNTAX"
  | "COMPONENT_UNKNOWN_TYPE"
  | "COMPONENT_INVALID"
  | "TEMPLATE_INVALID"
  /** A workspace (several code locations): workspace.yaml, duplicate keys or unknown deps across locations. */
  | "WORKSPACE_INVALID"
  /** A warehouse (e.g. DuckDB) file is held open for writing by another process. */
  | "WAREHOUSE_LOCKED"
  /** A SQL statement sent to a warehouse failed (the error carries the SQL and a hint). */
  | "WAREHOUSE_QUERY"
  /** dbt-style SQL projects (@strata/sql): project files, YAML, Jinja, refs, compilation, seeds. */
  | "SQL_PROJECT_INVALID"
  | "SQL_YAML_INVALID"
  | "SQL_TEMPLATE"
  | "SQL_UNKNOWN_REF"
  | "SQL_COMPILE"
  | "SQL_SEED_INVALID";

export interface StrataErrorOptions {
  /** Where the problem is: `file:line[:col]`, an asset key, a selection column... */
  where?: string;
  /** What the user can do about it. */
  hint?: string;
  /** Asset key the error concerns, if any. */
  assetKey?: string;
  /** Extra structured details (safe to print). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class StrataError extends Error {
  readonly code: StrataErrorCode;
  readonly where: string | undefined;
  readonly hint: string | undefined;
  readonly assetKey: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: StrataErrorCode, message: string, options: StrataErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "StrataError";
    this.code = code;
    this.where = options.where;
    this.hint = options.hint;
    this.assetKey = options.assetKey;
    this.details = options.details;
  }

  /** A plain, JSON-safe view for IPC, events and `--json` output. */
  toJSON(): SerializedError {
    return serializeError(this);
  }
}

/** An error in a form that crosses process boundaries and is stored in events. */
export interface SerializedError {
  name: string;
  code: string;
  message: string;
  where?: string;
  hint?: string;
  assetKey?: string;
  stack?: string;
  cause?: SerializedError;
  details?: Record<string, unknown>;
}

/** Turns anything thrown into a {@link SerializedError}, keeping the user's stack. */
export function serializeError(err: unknown, depth = 0): SerializedError {
  if (err instanceof StrataError) {
    return stripUndefined({
      name: err.name,
      code: err.code,
      message: err.message,
      where: err.where,
      hint: err.hint,
      assetKey: err.assetKey,
      stack: err.stack,
      details: err.details,
      cause: err.cause !== undefined && depth < 4 ? serializeError(err.cause, depth + 1) : undefined,
    });
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return stripUndefined({
      name: err.name,
      code: typeof code === "string" ? code : "USER_CODE",
      message: err.message,
      stack: err.stack,
      cause: err.cause !== undefined && depth < 4 ? serializeError(err.cause, depth + 1) : undefined,
    });
  }
  return { name: "Error", code: "USER_CODE", message: typeof err === "string" ? err : safeString(err) };
}

/** Rebuilds a {@link StrataError} from its serialized form (e.g. received from a child process). */
export function deserializeError(e: SerializedError): StrataError {
  const err = new StrataError((e.code as StrataErrorCode) ?? "INTERNAL", e.message, {
    where: e.where,
    hint: e.hint,
    assetKey: e.assetKey,
    details: e.details,
    cause: e.cause ? deserializeError(e.cause) : undefined,
  });
  if (e.stack) err.stack = e.stack;
  return err;
}

export function isStrataError(err: unknown, code?: StrataErrorCode): err is StrataError {
  return err instanceof StrataError && (code === undefined || err.code === code);
}

function safeString(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function stripUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
