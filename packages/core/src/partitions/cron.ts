import { StrataError } from "../errors.ts";
import { daysFromCivil, fieldsFromNaive, naiveFromFields, weekdayOfDays } from "./civil.ts";

// Local copies: module-namespace reads of imported constants are slow in hot loops.
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * A parsed five-field cron expression evaluated on wall-clock (naive) time. Time zones and DST
 * are handled one level up (see `tick-stream.ts`); here a day always has 24 hours.
 *
 * Supports `*`, `?`, numbers, ranges `a-b`, steps `*\/n` `a-b/n` `a/n`, lists, month and weekday
 * names, `7` for Sunday and the macros `@hourly @daily @midnight @weekly @monthly @yearly
 * @annually`. Day-of-month and day-of-week combine like Vixie cron: when both are restricted a
 * day matching either fires.
 *
 * @example
 * const c = parseCron("0 6 * * 1-5");
 * c.nextAfter(naiveFromFields(2024, 1, 5, 7)); // Monday 2024-01-08 06:00 (naive ms)
 */
export interface Cron {
  readonly source: string;
  /** Every hour of the day may fire (Dagster's "repeats every hour"): both fold instances are ticks. */
  readonly everyHour: boolean;
  /** Fires more than once on some day. */
  readonly subDaily: boolean;
  /** First matching naive time strictly after `naive`. */
  nextAfter(naive: number): number;
}

const MACROS: Record<string, string> = {
  "@hourly": "0 * * * *",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@weekly": "0 0 * * 0",
  "@monthly": "0 0 1 * *",
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
};
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  namesBase?: number;
}
const FIELDS: FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS, namesBase: 1 },
  { name: "day of week", min: 0, max: 7, names: DAYS, namesBase: 0 },
];

function cronError(source: string, why: string): StrataError {
  return new StrataError("PARTITION_INVALID", `Invalid cron schedule "${source}": ${why}`, {
    hint: 'Use five fields "minute hour day-of-month month day-of-week", e.g. "0 6 * * 1-5".',
  });
}

function parseValue(source: string, spec: FieldSpec, raw: string): number {
  const lower = raw.toLowerCase();
  const idx = spec.names?.indexOf(lower) ?? -1;
  if (idx >= 0) return idx + spec.namesBase!;
  if (!/^\d+$/.test(raw)) throw cronError(source, `"${raw}" is not a valid ${spec.name}`);
  const v = Number(raw);
  if (v < spec.min || v > spec.max) throw cronError(source, `${spec.name} ${v} is outside ${spec.min}-${spec.max}`);
  return v;
}

function parseField(source: string, spec: FieldSpec, text: string): { allowed: boolean[]; star: boolean } {
  const allowed = new Array<boolean>(spec.max + 1).fill(false);
  const star = text === "*" || text === "?";
  for (const part of text.split(",")) {
    if (part === "") throw cronError(source, `empty list item in ${spec.name}`);
    const [rangePart, stepPart, extra] = part.split("/");
    if (extra !== undefined) throw cronError(source, `"${part}" has two steps`);
    const step = stepPart === undefined ? 1 : Number(stepPart);
    if (!Number.isInteger(step) || step < 1 || !/^\d+$/.test(stepPart ?? "1")) throw cronError(source, `bad step in "${part}"`);
    let lo: number;
    let hi: number;
    if (rangePart === "*" || rangePart === "?") {
      lo = spec.min;
      hi = spec.name === "day of week" ? 6 : spec.max;
    } else if (rangePart!.includes("-")) {
      const [a, b] = rangePart!.split("-");
      lo = parseValue(source, spec, a ?? "");
      hi = parseValue(source, spec, b ?? "");
      if (hi < lo) throw cronError(source, `range "${rangePart}" is inverted`);
    } else {
      lo = parseValue(source, spec, rangePart!);
      hi = stepPart === undefined ? lo : spec.max;
    }
    for (let v = lo; v <= hi; v += step) allowed[v] = true;
  }
  return { allowed, star };
}

/**
 * Parses a cron expression; throws PARTITION_INVALID with the offending field.
 *
 * @example
 * parseCron("@daily").source; // "0 0 * * *"
 */
export function parseCron(expression: string): Cron {
  const trimmed = expression.trim().replace(/\s+/g, " ");
  const source = MACROS[trimmed.toLowerCase()] ?? trimmed;
  const parts = source.split(" ");
  if (parts.length !== 5) throw cronError(expression, `expected 5 fields, found ${parts.length}`);
  const [mi, h, dom, mon, dow] = parts.map((p, i) => parseField(expression, FIELDS[i]!, p));
  const dowAllowed = dow!.allowed.slice(0, 7);
  if (dow!.allowed[7]) dowAllowed[0] = true;
  const months = mon!.allowed;
  const days = dom!.allowed;
  const eitherDay = !dom!.star && !dow!.star;
  // Firing times within a matching day, as ms after midnight, ascending.
  const offsets: number[] = [];
  for (let hh = 0; hh < 24; hh++) {
    if (!h!.allowed[hh]) continue;
    for (let mm = 0; mm < 60; mm++) if (mi!.allowed[mm]) offsets.push(hh * HOUR_MS + mm * MINUTE_MS);
  }
  const firstOffsetAfter = (ms: number): number => {
    let lo = 0;
    let hi = offsets.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (offsets[mid]! <= ms) lo = mid + 1;
      else hi = mid;
    }
    return lo < offsets.length ? offsets[lo]! : -1;
  };
  let cachedDay = NaN;
  let cachedOk = false;
  const dayMatches = (day: number): boolean => {
    if (day === cachedDay) return cachedOk;
    const f = fieldsFromNaive(day * DAY_MS);
    const domOk = days[f.day]!;
    const dowOk = dowAllowed[weekdayOfDays(day)]!;
    cachedDay = day;
    cachedOk = months[f.month]! && (eitherDay ? domOk || dowOk : domOk && dowOk);
    return cachedOk;
  };

  const nextAfter = (naive: number): number => {
    let day = Math.floor(naive / DAY_MS);
    if (dayMatches(day)) {
      const off = firstOffsetAfter(naive - day * DAY_MS);
      if (off >= 0) return day * DAY_MS + off;
    }
    day++;
    for (let guard = 0; guard < 20_000; guard++) {
      if (dayMatches(day)) return day * DAY_MS + offsets[0]!;
      const f = fieldsFromNaive(day * DAY_MS);
      // Skip whole months that can't fire.
      if (!months[f.month]) day = daysFromCivil(f.month === 12 ? f.year + 1 : f.year, f.month === 12 ? 1 : f.month + 1, 1);
      else day++;
    }
    throw cronError(expression, "it never fires (e.g. February 30)");
  };

  const minutesPerHour = mi!.allowed.filter(Boolean).length;
  const hoursPerDay = h!.allowed.filter(Boolean).length;
  const cron: Cron = {
    source,
    everyHour: hoursPerDay === 24,
    subDaily: hoursPerDay * minutesPerHour > 1,
    nextAfter,
  };
  // Reject schedules that never fire within a few years (e.g. "0 0 30 2 *").
  const probe = nextAfter(naiveFromFields(2000, 1, 1) - MINUTE_MS);
  if (probe - naiveFromFields(2000, 1, 1) > 9 * 366 * DAY_MS + HOUR_MS) throw cronError(expression, "it fires too rarely");
  return Object.freeze(cron);
}
