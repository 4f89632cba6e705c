import { StrataError } from "../errors.ts";
import { naiveFromFields } from "./civil.ts";
import { parseCron } from "./cron.ts";
import { compileKeyFormat, normalizeKeyFormat } from "./key-format.ts";
import { timeIndex } from "./time-index.ts";
import { assertTimezone, zone } from "./timezone.ts";
import type { TimeWindowPartitionsDefinition } from "./types.ts";

/** Options shared by every time-window constructor. */
export interface TimeWindowOptions {
  /** First window = first tick at or after this. A string is read in `timezone` (with `fmt` or ISO `YYYY-MM-DD[THH:mm[:ss]]`); a Date is an instant. */
  start: string | Date;
  /** Exclusive: only windows ending at or before it. Same forms as `start`. */
  end?: string | Date;
  /** IANA zone. Default "UTC". */
  timezone?: string;
  /** Key format; see the per-schedule defaults. */
  fmt?: string;
  /** Default 0: last partition = last complete window. 1 includes the open window. */
  endOffset?: number;
}

export const DEFAULT_DATE_FORMAT = "YYYY-MM-DD";
export const DEFAULT_HOURLY_FORMAT = "YYYY-MM-DD-HH:mm";

function checkInt(name: string, v: number | undefined, min: number, max: number, dflt: number): number {
  const x = v ?? dflt;
  if (!Number.isInteger(x) || x < min || x > max) {
    throw new StrataError("PARTITION_INVALID", `${name} must be an integer from ${min} to ${max}, got ${String(v)}`);
  }
  return x;
}

/**
 * Time-window partitions for any cron schedule: each tick starts a window that the next tick
 * ends; the key is the window start formatted with `fmt`.
 *
 * @example
 * const weekdays = timeWindowPartitions({ cron: "0 6 * * 1-5", start: "2024-01-01", timezone: "Europe/Berlin" });
 */
export function timeWindowPartitions(opts: TimeWindowOptions & { cron: string }): TimeWindowPartitionsDefinition {
  const cron = parseCron(opts.cron);
  const timezone = opts.timezone ?? "UTC";
  assertTimezone(timezone);
  const fmt = normalizeKeyFormat(opts.fmt ?? (cron.subDaily ? DEFAULT_HOURLY_FORMAT : DEFAULT_DATE_FORMAT));
  const endOffset = opts.endOffset ?? 0;
  if (!Number.isInteger(endOffset)) throw new StrataError("PARTITION_INVALID", `endOffset must be an integer, got ${endOffset}`);
  const start = toInstant(opts.start, timezone, fmt, "start");
  const end = opts.end === undefined ? undefined : toInstant(opts.end, timezone, fmt, "end");
  if (end !== undefined && end <= start) {
    throw new StrataError("PARTITION_INVALID", `Time-window partitions end (${new Date(end).toISOString()}) is not after start (${new Date(start).toISOString()})`);
  }
  const def: TimeWindowPartitionsDefinition = Object.freeze({
    kind: "time_window" as const,
    cron: cron.source,
    start: new Date(start).toISOString(),
    ...(end === undefined ? {} : { end: new Date(end).toISOString() }),
    timezone,
    fmt,
    endOffset,
  });
  checkKeysDistinct(def);
  return def;
}

/**
 * One partition per day, keyed `YYYY-MM-DD` by default.
 *
 * @example
 * const days = dailyPartitions({ start: "2024-01-01", timezone: "America/New_York", hourOffset: 6 });
 */
export function dailyPartitions(opts: TimeWindowOptions & { minuteOffset?: number; hourOffset?: number }): TimeWindowPartitionsDefinition {
  const m = checkInt("minuteOffset", opts.minuteOffset, 0, 59, 0);
  const h = checkInt("hourOffset", opts.hourOffset, 0, 23, 0);
  return timeWindowPartitions({ ...opts, cron: `${m} ${h} * * *`, fmt: opts.fmt ?? DEFAULT_DATE_FORMAT });
}

/**
 * One partition per hour, keyed `YYYY-MM-DD-HH:mm` by default. At a DST fall-back the repeated
 * hour's second instance gets the offset appended (`2024-11-03-01:00-0500`), as in Dagster.
 *
 * @example
 * const hours = hourlyPartitions({ start: "2024-01-01-00:00", timezone: "Europe/Berlin" });
 */
export function hourlyPartitions(opts: TimeWindowOptions & { minuteOffset?: number }): TimeWindowPartitionsDefinition {
  const m = checkInt("minuteOffset", opts.minuteOffset, 0, 59, 0);
  return timeWindowPartitions({ ...opts, cron: `${m} * * * *`, fmt: opts.fmt ?? DEFAULT_HOURLY_FORMAT });
}

/**
 * One partition per week starting on `dayOffset` (0 = Sunday, Dagster's default; 1 = Monday).
 *
 * @example
 * const weeks = weeklyPartitions({ start: "2024-01-01", dayOffset: 1 });
 */
export function weeklyPartitions(opts: TimeWindowOptions & { minuteOffset?: number; hourOffset?: number; dayOffset?: number }): TimeWindowPartitionsDefinition {
  const m = checkInt("minuteOffset", opts.minuteOffset, 0, 59, 0);
  const h = checkInt("hourOffset", opts.hourOffset, 0, 23, 0);
  const d = checkInt("dayOffset", opts.dayOffset, 0, 6, 0);
  return timeWindowPartitions({ ...opts, cron: `${m} ${h} * * ${d}`, fmt: opts.fmt ?? DEFAULT_DATE_FORMAT });
}

/**
 * One partition per month starting on day `dayOffset` (1-28, default 1: every month has it).
 *
 * @example
 * const months = monthlyPartitions({ start: "2024-01-01" });
 */
export function monthlyPartitions(opts: TimeWindowOptions & { minuteOffset?: number; hourOffset?: number; dayOffset?: number }): TimeWindowPartitionsDefinition {
  const m = checkInt("minuteOffset", opts.minuteOffset, 0, 59, 0);
  const h = checkInt("hourOffset", opts.hourOffset, 0, 23, 0);
  const d = checkInt("dayOffset", opts.dayOffset, 1, 28, 1);
  return timeWindowPartitions({ ...opts, cron: `${m} ${h} ${d} * *`, fmt: opts.fmt ?? DEFAULT_DATE_FORMAT });
}

/** "daily", "hourly", "weekly", "monthly" or `cron "…"`, for messages. */
export function describeSchedule(def: TimeWindowPartitionsDefinition): string {
  const c = def.cron;
  if (/^\d+ \* \* \* \*$/.test(c)) return "hourly";
  if (/^\d+ \d+ \* \* \*$/.test(c)) return "daily";
  if (/^\d+ \d+ \* \* \d$/.test(c)) return "weekly";
  if (/^\d+ \d+ \d+ \* \*$/.test(c)) return "monthly";
  return `cron "${c}"`;
}

const ISO_LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * Reads a start/end value: a Date is an instant; a string is wall time in `timezone`, in the key
 * format or ISO form, or an ISO instant with `Z`/offset. A skipped wall time means the first
 * instant after the gap; a repeated one means its first instance.
 */
export function toInstant(value: string | Date, timezone: string, fmt: string, what: string): number {
  if (value instanceof Date) {
    const t = value.getTime();
    if (Number.isNaN(t)) throw new StrataError("PARTITION_INVALID", `Time-window partitions ${what} is an invalid Date`);
    return t;
  }
  const z = zone(timezone);
  const parsed = compileKeyFormat(fmt).parse(value);
  let fields = parsed?.fields;
  const offset = parsed?.offsetMs;
  if (fields === undefined) {
    const m = ISO_LOCAL.exec(value);
    if (m !== null) fields = { year: +m[1]!, month: +m[2]!, day: +m[3]!, hour: +(m[4] ?? 0), minute: +(m[5] ?? 0), second: +(m[6] ?? 0) };
  }
  if (fields !== undefined) {
    const naive = naiveFromFields(fields.year, fields.month, fields.day, fields.hour, fields.minute, fields.second);
    if (offset !== undefined) return naive - offset;
    const r = z.resolve(naive);
    return r.kind === "unique" ? r.instant : r.kind === "fold" ? r.first : r.transition;
  }
  if (/(Z|[+-]\d{2}:?\d{2})$/.test(value) && !Number.isNaN(Date.parse(value))) return Date.parse(value);
  throw new StrataError("PARTITION_INVALID", `Cannot read time-window partitions ${what} "${value}"`, {
    hint: `Write it as "${fmt}", "YYYY-MM-DD[THH:mm]" (wall time in ${timezone}) or an ISO instant with Z.`,
  });
}

/** Rejects formats that give two windows the same key (e.g. "YYYY-MM" for daily windows). */
function checkKeysDistinct(def: TimeWindowPartitionsDefinition): void {
  const ix = timeIndex(def);
  const seen = new Map<string, number>();
  for (let i = 0; i < 100; i++) {
    const key = ix.keyAt(i);
    const prev = seen.get(key);
    if (prev !== undefined) {
      throw new StrataError("PARTITION_INVALID", `Key format "${def.fmt}" gives windows starting ${new Date(ix.tick(prev)).toISOString()} and ${new Date(ix.tick(i)).toISOString()} the same key "${key}"`, {
        hint: `Include every field that changes between windows of "${def.cron}" (e.g. HH:mm for sub-daily schedules).`,
      });
    }
    seen.set(key, i);
  }
}
