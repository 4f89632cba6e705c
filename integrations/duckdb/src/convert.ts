import {
  DuckDBTypeId,
  JSDuckDBValueConverter,
  JSToDuckDBValueConverter,
  createDuckDBValueConverter,
  arrayFromArrayValue,
  arrayFromListValue,
  objectArrayFromMapValue,
  objectFromStructValue,
  objectFromUnionValue,
  listValue,
  blobValue,
  BIGINT,
  BOOLEAN,
  DOUBLE,
  HUGEINT,
  LIST,
  TIMESTAMPTZ,
  VARCHAR,
  timestampTZValue,
  DuckDBDateValue,
  type DuckDBDecimalValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  type DuckDBTimestampTZValue,
  type DuckDBTimestampValue,
  type DuckDBResultReader,
  type DuckDBType,
  type DuckDBValue,
  type DuckDBValueConverter,
} from "@duckdb/node-api";

/**
 * DuckDB → plain JS conversion used by every query. Chosen so rows are JSON-safe and survive
 * a round trip through an I/O manager unchanged:
 *
 * | DuckDB | JS |
 * |---|---|
 * | TINYINT…INTEGER, FLOAT, DOUBLE | number |
 * | BIGINT, HUGEINT, UBIGINT… | number when it is a safe integer, else decimal string |
 * | DECIMAL | number (a double) |
 * | DATE | `"YYYY-MM-DD"` string |
 * | TIMESTAMP, TIMESTAMPTZ (any precision) | ISO 8601 UTC string `"2024-01-02T03:04:05.123Z"` (6 fraction digits when the value has microseconds); ±infinity as `"infinity"` / `"-infinity"` |
 * | TIME, TIMETZ, INTERVAL | DuckDB's text form, e.g. `"03:04:05"`, `"1 day 02:00:00"` |
 * | VARCHAR, ENUM, UUID | string |
 * | JSON | the parsed value (object, array, …) |
 * | BLOB, BIT | Uint8Array |
 * | LIST, ARRAY / STRUCT / MAP / UNION | array / object / `{key, value}[]` / `{tag, value}` |
 */
export type JsValue = null | boolean | number | string | Uint8Array | JsValue[] | { [key: string]: JsValue };

function safeInt(v: bigint): number | string {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v.toString();
}

function bigIntValue(value: DuckDBValue): number | string {
  return typeof value === "bigint" ? safeInt(value) : String(value);
}

function isoFromMicros(micros: bigint): string {
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const sub = Number(((micros % 1000n) + 1000n) % 1000n);
  const iso = new Date(Number(ms)).toISOString();
  return sub === 0 ? iso : `${iso.slice(0, -1)}${String(sub).padStart(3, "0")}Z`;
}

type TimestampLike =
  | DuckDBTimestampValue
  | DuckDBTimestampTZValue
  | DuckDBTimestampSecondsValue
  | DuckDBTimestampMillisecondsValue
  | DuckDBTimestampNanosecondsValue;

function timestampString(value: DuckDBValue): string {
  const v = value as TimestampLike;
  if (!v.isFinite) return String(v).startsWith("-") ? "-infinity" : "infinity";
  let micros: bigint;
  if (v instanceof DuckDBTimestampSecondsValue) micros = v.seconds * 1_000_000n;
  else if (v instanceof DuckDBTimestampMillisecondsValue) micros = v.millis * 1000n;
  else if (v instanceof DuckDBTimestampNanosecondsValue) micros = v.nanos / 1000n;
  else micros = (v as DuckDBTimestampValue).micros;
  const ms = Number(micros / 1000n);
  // Beyond JS Date's range (±8.64e15 ms) fall back to DuckDB's own text.
  return Math.abs(ms) > 8.64e15 ? String(v) : isoFromMicros(micros);
}

function dateString(value: DuckDBValue): string {
  const d = value as DuckDBDateValue;
  return d.isFinite ? d.toString() : String(d);
}

const text = (value: DuckDBValue): string => String(value);
/** Binary values as plain Uint8Array (the binding hands out Buffers). */
const bytes: DuckDBValueConverter<JsValue> = (v, t, c) => {
  const b = JSDuckDBValueConverter(v, t, c as never);
  return b instanceof Uint8Array ? new Uint8Array(b) : (b as JsValue);
};

const converters: Record<DuckDBTypeId, DuckDBValueConverter<JsValue> | undefined> = {
  [DuckDBTypeId.INVALID]: undefined,
  [DuckDBTypeId.BOOLEAN]: (v) => v as boolean,
  [DuckDBTypeId.TINYINT]: (v) => v as number,
  [DuckDBTypeId.SMALLINT]: (v) => v as number,
  [DuckDBTypeId.INTEGER]: (v) => v as number,
  [DuckDBTypeId.BIGINT]: bigIntValue,
  [DuckDBTypeId.UTINYINT]: (v) => v as number,
  [DuckDBTypeId.USMALLINT]: (v) => v as number,
  [DuckDBTypeId.UINTEGER]: (v) => v as number,
  [DuckDBTypeId.UBIGINT]: bigIntValue,
  [DuckDBTypeId.FLOAT]: (v) => v as number,
  [DuckDBTypeId.DOUBLE]: (v) => v as number,
  [DuckDBTypeId.TIMESTAMP]: timestampString,
  [DuckDBTypeId.DATE]: dateString,
  [DuckDBTypeId.TIME]: text,
  [DuckDBTypeId.INTERVAL]: text,
  [DuckDBTypeId.HUGEINT]: bigIntValue,
  [DuckDBTypeId.UHUGEINT]: bigIntValue,
  // JSON (a VARCHAR alias) is parsed per column by readRows: chunk vectors do not carry the alias.
  [DuckDBTypeId.VARCHAR]: text,
  [DuckDBTypeId.BLOB]: bytes,
  [DuckDBTypeId.DECIMAL]: (v) => (v as DuckDBDecimalValue).toDouble(),
  [DuckDBTypeId.TIMESTAMP_S]: timestampString,
  [DuckDBTypeId.TIMESTAMP_MS]: timestampString,
  [DuckDBTypeId.TIMESTAMP_NS]: timestampString,
  [DuckDBTypeId.ENUM]: text,
  [DuckDBTypeId.LIST]: arrayFromListValue,
  [DuckDBTypeId.STRUCT]: objectFromStructValue,
  [DuckDBTypeId.MAP]: (v, t, c) => objectArrayFromMapValue(v, t, c) as JsValue,
  [DuckDBTypeId.ARRAY]: arrayFromArrayValue,
  [DuckDBTypeId.UUID]: text,
  [DuckDBTypeId.UNION]: (v, t, c) => objectFromUnionValue(v, t, c) as JsValue,
  [DuckDBTypeId.BIT]: bytes,
  [DuckDBTypeId.TIME_TZ]: text,
  [DuckDBTypeId.TIMESTAMP_TZ]: timestampString,
  [DuckDBTypeId.ANY]: undefined,
  [DuckDBTypeId.BIGNUM]: bigIntValue,
  [DuckDBTypeId.SQLNULL]: () => null,
  [DuckDBTypeId.STRING_LITERAL]: text,
  [DuckDBTypeId.INTEGER_LITERAL]: bigIntValue,
  [DuckDBTypeId.TIME_NS]: text,
  [DuckDBTypeId.GEOMETRY]: bytes,
  [DuckDBTypeId.VARIANT]: (v, t, c) => JSDuckDBValueConverter(v, t, c as never) as JsValue,
};

/** The converter passed to `DuckDBResultReader.convertRowObjects`. */
export const toJs: DuckDBValueConverter<JsValue> = createDuckDBValueConverter(converters);

/** All rows of a read result as plain JS objects; top-level JSON columns are parsed. */
export function readRows(reader: DuckDBResultReader): Record<string, JsValue>[] {
  const rows = reader.convertRowObjects(toJs) as Record<string, JsValue>[];
  const names = reader.deduplicatedColumnNames();
  const json = names.filter((_, i) => reader.columnType(i).alias === "JSON");
  if (json.length === 0) return rows;
  for (const row of rows) {
    for (const name of json) {
      const v = row[name];
      if (typeof v === "string") row[name] = JSON.parse(v) as JsValue;
    }
  }
  return rows;
}

/** Bound parameter values with explicit types where DuckDB's own inference would go wrong. */
export interface BoundParams {
  values: DuckDBValue[];
  types: (DuckDBType | undefined)[];
}

/**
 * Converts JS values to bound parameters. Dates bind as TIMESTAMPTZ (sessions run in UTC),
 * arrays as lists typed from all their elements (DuckDB alone would type `[1, 2.5]` from the
 * first item and fail), Uint8Array as BLOB, plain objects as JSON text, and numbers, strings,
 * booleans, bigints and null as themselves.
 */
export function toParams(params: readonly unknown[]): BoundParams {
  const values: DuckDBValue[] = [];
  const types: (DuckDBType | undefined)[] = [];
  for (const p of params) {
    values.push(toParam(p));
    types.push(Array.isArray(p) ? LIST(listElementType(p)) : undefined);
  }
  return { values, types };
}

function toParam(value: unknown): DuckDBValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "number":
    case "string":
    case "boolean":
    case "bigint":
      return value;
  }
  if (value instanceof Date) return timestampTZValue(BigInt(value.getTime()) * 1000n);
  if (value instanceof Uint8Array) return blobValue(value);
  if (Array.isArray(value)) return listValue(value.map(toParam));
  if (typeof value === "object" && isDuckDBValueObject(value)) return value as DuckDBValue;
  return JSON.stringify(value);
}

function listElementType(items: readonly unknown[]): DuckDBType {
  let type: DuckDBType = VARCHAR;
  let seen = false;
  for (const v of items) {
    if (v === null || v === undefined) continue;
    let t: DuckDBType;
    if (typeof v === "number") t = Number.isInteger(v) ? BIGINT : DOUBLE;
    else if (typeof v === "bigint") t = HUGEINT;
    else if (typeof v === "boolean") t = BOOLEAN;
    else if (v instanceof Date) t = TIMESTAMPTZ;
    else if (Array.isArray(v)) t = LIST(listElementType(v));
    else t = VARCHAR;
    // Widen integers to DOUBLE when any element is fractional; anything else mixed → VARCHAR.
    if (!seen) type = t;
    else if (type.typeId !== t.typeId) {
      const numeric = (x: DuckDBType) => x.typeId === DuckDBTypeId.BIGINT || x.typeId === DuckDBTypeId.DOUBLE;
      type = numeric(type) && numeric(t) ? DOUBLE : VARCHAR;
    }
    seen = true;
  }
  return type;
}

function isDuckDBValueObject(v: object): boolean {
  return v.constructor !== Object && v.constructor?.name.startsWith("DuckDB") === true;
}

/**
 * A converter for one column, chosen once per column so bulk appends skip per-value
 * dispatch for the common scalar types.
 */
export function columnConverter(type: DuckDBType): (value: unknown) => DuckDBValue {
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
      return (v) => (typeof v === "number" && Number.isInteger(v) ? BigInt(v) : toColumnValue(v, type));
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.DOUBLE:
      return (v) => (typeof v === "number" ? v : toColumnValue(v, type));
    case DuckDBTypeId.BOOLEAN:
      return (v) => (typeof v === "boolean" ? v : toColumnValue(v, type));
    case DuckDBTypeId.VARCHAR:
      return type.alias === "JSON" ? (v) => toColumnValue(v, type) : (v) => (typeof v === "string" ? v : toColumnValue(v, type));
    default:
      return (v) => toColumnValue(v, type);
  }
}

/**
 * Converts a JS value to the DuckDB value for a column of `type` (used by `appendRows`).
 * More lenient than the library's converter: ISO strings fill DATE/TIMESTAMP columns,
 * objects fill VARCHAR/JSON columns as JSON text, numbers fill VARCHAR as text.
 */
export function toColumnValue(value: unknown, type: DuckDBType): DuckDBValue {
  if (value === null || value === undefined) return null;
  const id = type.typeId;
  if (id === DuckDBTypeId.VARCHAR) {
    if (type.alias === "JSON") return JSON.stringify(value);
    if (typeof value === "string") return value;
    if (value instanceof Date) return value.toISOString();
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  }
  if (id === DuckDBTypeId.DATE && typeof value === "string") return dateFromString(value);
  if (isTimestampType(id) && typeof value === "string") return toColumnValue(parseDate(value), type);
  if ((id === DuckDBTypeId.BIGINT || id === DuckDBTypeId.HUGEINT || id === DuckDBTypeId.UBIGINT) && typeof value === "string") {
    return BigInt(value);
  }
  if (isFloatType(id) && typeof value === "string") return Number(value);
  if (id === DuckDBTypeId.DECIMAL && typeof value === "string") return toColumnValue(Number(value), type);
  return JSToDuckDBValueConverter(value as never, type, JSToDuckDBValueConverter);
}

function isTimestampType(id: DuckDBTypeId): boolean {
  return (
    id === DuckDBTypeId.TIMESTAMP ||
    id === DuckDBTypeId.TIMESTAMP_TZ ||
    id === DuckDBTypeId.TIMESTAMP_S ||
    id === DuckDBTypeId.TIMESTAMP_MS ||
    id === DuckDBTypeId.TIMESTAMP_NS
  );
}

function isFloatType(id: DuckDBTypeId): boolean {
  return id === DuckDBTypeId.DOUBLE || id === DuckDBTypeId.FLOAT;
}

function parseDate(s: string): Date {
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) throw new TypeError(`Not a date/time: ${JSON.stringify(s)}`);
  return d;
}

function dateFromString(s: string): DuckDBDateValue {
  const m = /^(-?\d{4,})-(\d{2})-(\d{2})$/.exec(s);
  if (m) return DuckDBDateValue.fromParts({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) });
  const d = parseDate(s);
  return new DuckDBDateValue(Math.floor(d.getTime() / 86_400_000));
}
