import { StrataError, type StrataErrorCode } from "@strata/core";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";

/** Codes of errors the API itself raises (StrataError codes pass through unchanged). */
export type ApiErrorCode =
  | "VALIDATION"
  | "NOT_FOUND"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "READ_ONLY"
  | "CONFLICT"
  | "LOCATION_UNAVAILABLE"
  | "INTERNAL";

/** The body of every 4xx/5xx response. */
export interface ApiErrorBody {
  error: {
    code: ApiErrorCode | StrataErrorCode;
    message: string;
    hint?: string;
    where?: string;
    /** Validation issues (path + message) or a selection error's caret. */
    details?: Record<string, unknown>;
  };
}

/**
 * An error with an HTTP status, thrown by handlers and turned into `{ error: { code, message, hint } }`.
 *
 * @example
 * throw new ApiError(404, "NOT_FOUND", `No run ${id}`, "List runs with GET /api/runs.");
 */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ApiErrorCode | StrataErrorCode,
    message: string,
    readonly hint?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

const BAD_REQUEST: ReadonlySet<string> = new Set<StrataErrorCode>([
  "SELECTION_SYNTAX",
  "SELECTION_EMPTY",
  "PLAN_SUBSET",
  "PLAN_INVALID",
  "PARTITION_INVALID",
  "PARTITION_UNKNOWN_KEY",
  "PARTITION_MAPPING",
  "BACKFILL_INVALID",
  "CONFIG_INVALID",
  "USAGE",
]);
const NOT_FOUND: ReadonlySet<string> = new Set<StrataErrorCode>(["RUN_NOT_FOUND", "BACKFILL_NOT_FOUND"]);
const CONFLICT: ReadonlySet<string> = new Set<StrataErrorCode>(["RUN_INVALID_STATE"]);

/** Maps anything thrown by a handler to a status and a JSON body (never a stack). */
export function toErrorResponse(err: unknown): { status: ContentfulStatusCode; body: ApiErrorBody } {
  if (err instanceof ApiError) {
    return {
      status: err.status,
      body: { error: clean({ code: err.code, message: err.message, hint: err.hint, details: err.details }) },
    };
  }
  if (err instanceof StrataError) {
    const status: ContentfulStatusCode = BAD_REQUEST.has(err.code)
      ? 400
      : NOT_FOUND.has(err.code)
        ? 404
        : CONFLICT.has(err.code)
          ? 409
          : err.code === "DEFS_IMPORT_FAILED"
            ? 409
            : 500;
    const caret = typeof err.details?.caret === "string" ? { caret: err.details.caret } : undefined;
    return {
      status,
      body: {
        error: clean({
          code: err.code,
          message: err.message,
          hint: err.hint,
          where: err.where,
          details: caret,
        }),
      },
    };
  }
  return {
    status: 500,
    body: {
      error: {
        code: "INTERNAL",
        message: "Internal server error",
        hint: "The server's output has the details.",
      },
    },
  };
}

/** A 400 from zod issues: every issue's path and message. */
export function validationError(what: string, error: z.ZodError): ApiError {
  const issues = error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  const first = issues[0];
  const message = `Invalid ${what}: ${first ? `${first.path ? `${first.path}: ` : ""}${first.message}` : "malformed"}`;
  return new ApiError(400, "VALIDATION", message, "See GET /api/openapi.json for the expected shape.", {
    issues,
  });
}

function clean<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
