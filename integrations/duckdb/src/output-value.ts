import { StrataError, type AssetKey } from "@strata/core";
import { isRelation } from "./relation.ts";
import type { Row } from "./types.ts";

/** What an asset returned, normalised: rows to append, or a query to materialise. */
export type OutputSource = { kind: "rows"; rows: Row[] } | { kind: "query"; sql: string } | { kind: "none" };

/** The minimal shape of an Apache Arrow `Table` (or anything alike) that is accepted. */
export interface ArrowLikeTable {
  numRows: number;
  toArray(): ArrayLike<unknown> | Iterable<unknown>;
}

export function isArrowLike(v: unknown): v is ArrowLikeTable {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as ArrowLikeTable).toArray === "function" &&
    typeof (v as ArrowLikeTable).numRows === "number"
  );
}

/**
 * Accepts: an array of row objects; an Arrow-like table (`numRows` + `toArray()`, rows via
 * `toJSON()` when present); `{ sql: "select ..." }`; a {@link DuckDBRelation}; or
 * undefined/null (the asset wrote the table itself).
 */
export function toOutputSource(value: unknown, assetKey: AssetKey): OutputSource {
  if (value === undefined || value === null) return { kind: "none" };
  if (Array.isArray(value)) {
    const bad = value.findIndex((r) => typeof r !== "object" || r === null || Array.isArray(r));
    if (bad >= 0) throw unsupported(assetKey, `an array whose item ${bad} is not a row object`);
    return { kind: "rows", rows: value as Row[] };
  }
  if (isRelation(value)) return { kind: "query", sql: `SELECT * FROM ${value.sql}` };
  if (isArrowLike(value)) {
    const rows = Array.from(value.toArray() as Iterable<unknown>, (r) => {
      const json = (r as { toJSON?: () => unknown }).toJSON;
      return (typeof json === "function" ? json.call(r) : { ...(r as object) }) as Row;
    });
    return { kind: "rows", rows };
  }
  if (typeof value === "object" && typeof (value as { sql?: unknown }).sql === "string") {
    return { kind: "query", sql: (value as { sql: string }).sql.trim().replace(/;\s*$/, "") };
  }
  throw unsupported(assetKey, typeof value === "object" ? "an object that is not rows, a table or { sql }" : `a ${typeof value}`);
}

function unsupported(assetKey: AssetKey, what: string): StrataError {
  return new StrataError("IO_FAILED", `Asset ${assetKey} returned ${what}; the DuckDB I/O manager cannot store it`, {
    assetKey,
    hint: 'Return an array of row objects, an Arrow table, { sql: "select ..." } or a DuckDBRelation — or pick another I/O manager with io: "<key>".',
  });
}
