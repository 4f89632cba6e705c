import type { Context } from "hono";
import { z } from "zod";
import { parseKeyRange } from "@strata/core";
import { ApiError, validationError } from "./api-error.ts";

/** Parses the query string (repeated keys become arrays when the schema wants one). */
export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const raw: Record<string, string | string[]> = {};
  const all = c.req.queries();
  for (const [k, v] of Object.entries(all)) raw[k] = v.length === 1 ? v[0]! : v;
  const r = schema.safeParse(raw);
  if (!r.success) throw validationError("query", r.error);
  return r.data;
}

/** Parses a JSON body (an empty body counts as `{}`). */
export async function parseBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const text = await c.req.text();
  let json: unknown = {};
  if (text.trim() !== "") {
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new ApiError(
        400,
        "VALIDATION",
        `The request body is not valid JSON: ${(err as Error).message}`,
        "Send a JSON object with Content-Type: application/json.",
      );
    }
  }
  const r = schema.safeParse(json);
  if (!r.success) throw validationError("body", r.error);
  return r.data;
}

/** A string param that must be a positive integer, e.g. `limit`. */
export const intParam = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** One value or several (`?status=A&status=B` or `?status=A,B`). */
export const listParam = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (v) =>
      v === undefined
        ? undefined
        : (Array.isArray(v) ? v : [v]).flatMap((s) => String(s).split(",")).filter((s) => s !== ""),
    z.array(item),
  );

/** A partition range: `"START...END"` or `{ start, end }` (runs and backfills take both). */
export const partitionRangeParam = z.union([
  z
    .string()
    .min(1)
    .transform((s, ctx) => {
      try {
        return parseKeyRange(s);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
        return z.NEVER;
      }
    }),
  z.object({ start: z.string().min(1), end: z.string().min(1) }),
]);
