import { StrataError } from "../errors.ts";
import { parseCron, type Cron } from "../partitions/cron.ts";
import { TickStream, tickBefore } from "../partitions/tick-stream.ts";
import { zone, type Zone } from "../partitions/timezone.ts";

/**
 * Cron helpers for schedules, `cron_tick_passed` and cron freshness. They share the partitions
 * cron walker, so a schedule and a daily partitions definition agree on every DST day:
 * a wall time skipped by spring-forward fires at the end of the gap (02:30 → 03:00), a
 * repeated wall time fires once, at its later instance; schedules that fire every hour drop
 * the skipped hour and fire at both instances of the repeated one.
 */

/** More ticks than this in one call is a mistake (a minutely cron over years). */
export const MAX_TICKS_PER_CALL = 100_000;

const parsed = new Map<string, Cron>();

function cronOf(expression: string): Cron {
  let c = parsed.get(expression);
  if (c === undefined) {
    c = parseCron(expression);
    parsed.set(expression, c);
  }
  return c;
}

const ms = (t: number | Date): number => (typeof t === "number" ? t : t.getTime());

/**
 * Throws a DEFS_INVALID StrataError naming `what` and `where` (file:line) unless the cron
 * expression and IANA time zone are valid. Returns the normalised cron (macros expanded).
 *
 * @example
 * validateCronSchedule("0 6 * * 1-5", "Europe/Berlin", 'Schedule "daily"'); // "0 6 * * 1-5"
 */
export function validateCronSchedule(cron: unknown, timezone: unknown, what: string, where?: string): string {
  if (typeof cron !== "string" || cron.trim() === "") {
    throw new StrataError("DEFS_INVALID", `${what} needs a cron expression (got ${JSON.stringify(cron)})`, {
      where,
      hint: 'Use five fields "minute hour day-of-month month day-of-week", e.g. "0 6 * * *".',
    });
  }
  if (typeof timezone !== "string" || timezone === "") {
    throw new StrataError("DEFS_INVALID", `${what} needs an IANA time zone (got ${JSON.stringify(timezone)})`, {
      where,
      hint: 'e.g. "UTC", "America/New_York", "Europe/Berlin".',
    });
  }
  let c: Cron;
  try {
    c = cronOf(cron);
    zone(timezone);
  } catch (err) {
    const e = err as StrataError;
    throw new StrataError("DEFS_INVALID", `${what}: ${e.message}`, { where, hint: e.hint, cause: err });
  }
  return c.source;
}

function setup(cron: string, timezone: string): { c: Cron; z: Zone } {
  return { c: cronOf(cron), z: zone(timezone) };
}

/**
 * Tick instants (ms) in `(from, to]`, in order: the ticks that "passed" between two
 * evaluations. Throws when there would be more than `limit` (default 100,000).
 *
 * @example
 * cronTicksBetween("0 2 * * *", "America/New_York", Date.parse("2024-03-09T12:00Z"), Date.parse("2024-03-11T12:00Z"));
 * // [2024-03-10T07:00Z (02:00 does not exist: 03:00 EDT), 2024-03-11T06:00Z]
 */
export function cronTicksBetween(cron: string, timezone: string, from: number | Date, to: number | Date, limit = MAX_TICKS_PER_CALL): number[] {
  const { c, z } = setup(cron, timezone);
  const end = ms(to);
  const out: number[] = [];
  const s = new TickStream(c, z, ms(from) + 1);
  for (let t = s.next(); t <= end; t = s.next()) {
    if (out.length >= limit) {
      throw new StrataError("USAGE", `More than ${limit} ticks of "${cron}" between ${new Date(ms(from)).toISOString()} and ${new Date(end).toISOString()}`, {
        hint: "Ask for a shorter period, or use scanCronTicks to count without keeping every tick.",
      });
    }
    out.push(t);
  }
  return out;
}

/**
 * The first tick strictly after `after`.
 *
 * @example
 * nextTick("0 0 * * *", "UTC", Date.parse("2024-01-01T00:00Z")); // 2024-01-02T00:00Z
 */
export function nextTick(cron: string, timezone: string, after: number | Date): number {
  const { c, z } = setup(cron, timezone);
  return new TickStream(c, z, ms(after) + 1).next();
}

/**
 * The last tick at or before `atOrBefore` (a tick exactly at that instant counts).
 *
 * @example
 * previousTick("0 0 * * *", "UTC", Date.parse("2024-01-01T13:00Z")); // 2024-01-01T00:00Z
 */
export function previousTick(cron: string, timezone: string, atOrBefore: number | Date): number {
  const { c, z } = setup(cron, timezone);
  return tickBefore(c, z, ms(atOrBefore) + 1);
}

/** Ticks of one pass over `(from, to]` without keeping them all: see {@link scanCronTicks}. */
export interface CronScan {
  total: number;
  first?: number;
  /** The first `keepFirst` ticks. */
  firstTicks: number[];
  /** The last `keepLast` ticks. */
  lastTicks: number[];
  /** The tick just before `lastTicks` (the last one not kept), when there is one. */
  lastSkipped?: number;
}

/** Hard stop for a scan: a minutely cron over ~19 years. */
const MAX_SCAN = 10_000_000;

/**
 * Counts the ticks in `(from, to]` and keeps the first `keepFirst` and last `keepLast`, in
 * constant memory (catch-up after long downtime of a frequent schedule).
 *
 * @example
 * scanCronTicks("* * * * *", "UTC", t0, t0 + 86_400_000, 1, 0).total; // 1440
 */
export function scanCronTicks(cron: string, timezone: string, from: number, to: number, keepLast: number, keepFirst: number): CronScan {
  const { c, z } = setup(cron, timezone);
  const s = new TickStream(c, z, from + 1);
  const firstTicks: number[] = [];
  const ring: number[] = [];
  let total = 0;
  let first: number | undefined;
  let lastSkipped: number | undefined;
  for (let t = s.next(); t <= to; t = s.next()) {
    if (++total > MAX_SCAN) throw new StrataError("USAGE", `More than ${MAX_SCAN} ticks of "${cron}" to scan`);
    first ??= t;
    if (firstTicks.length < keepFirst) firstTicks.push(t);
    if (keepLast > 0) {
      ring.push(t);
      if (ring.length > keepLast) lastSkipped = ring.shift();
    }
  }
  return { total, ...(first === undefined ? {} : { first }), firstTicks, lastTicks: ring, ...(lastSkipped === undefined ? {} : { lastSkipped }) };
}
