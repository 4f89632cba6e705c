import { StrataError } from "../errors.ts";
import { fieldsFromNaive, type CivilFields } from "./civil.ts";

// Local copies: module-namespace reads of imported constants are slow in hot loops.
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * Partition key formats use day.js-style tokens: `YYYY MM DD HH mm ss`, `ZZ` (offset `-0500`),
 * `Z` (offset `-05:00`) and `[literal]`. Dagster-style strftime formats (`%Y-%m-%d-%H:%M`) are
 * translated on the way in, so definitions ported from Dagster keep their keys.
 *
 * @example
 * const f = compileKeyFormat("YYYY-MM-DD-HH:mm");
 * f.format(naiveFromFields(2024, 3, 10, 3), -4 * 3_600_000, false); // "2024-03-10-03:00"
 */
export interface KeyFormat {
  readonly pattern: string;
  /** Whether the pattern itself carries the UTC offset (then no DST suffix is ever needed). */
  readonly hasOffset: boolean;
  /** Which calendar fields the pattern shows. */
  readonly shows: ReadonlySet<"YYYY" | "MM" | "DD" | "HH" | "mm" | "ss">;
  /**
   * Formats a wall-clock time given as naive ms (see `civil.ts`). `withOffsetSuffix` appends
   * `±HHMM` (Dagster's disambiguation of the repeated DST hour).
   */
  format(naive: number, offsetMs: number, withOffsetSuffix: boolean): string;
  /** Fields and, when present in the key, the offset in ms; undefined when the key doesn't match. */
  parse(key: string): { fields: CivilFields; offsetMs: number | undefined } | undefined;
}

type Part = { token: "YYYY" | "MM" | "DD" | "HH" | "mm" | "ss" | "ZZ" | "Z" } | { literal: string };

const PAD2: readonly string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : String(i)));
const TOKENS = ["YYYY", "MM", "DD", "HH", "mm", "ss", "ZZ", "Z"] as const;
const STRFTIME: Record<string, string> = { Y: "YYYY", m: "MM", d: "DD", H: "HH", M: "mm", S: "ss", z: "ZZ", "%": "[%]" };

/** Translates a strftime pattern (`%Y-%m-%d`) to token form; other patterns pass through. */
export function normalizeKeyFormat(fmt: string): string {
  if (!fmt.includes("%")) return fmt;
  return fmt.replace(/%(.)|([^%]+)/g, (_m, code: string | undefined, text: string | undefined) => {
    if (text !== undefined) return /[A-Za-z[\]]/.test(text) ? `[${text}]` : text;
    const t = STRFTIME[code!];
    if (t === undefined) {
      throw new StrataError("PARTITION_INVALID", `Unsupported strftime directive "%${code}" in key format "${fmt}"`, {
        hint: "Supported: %Y %m %d %H %M %S %z, or day.js tokens YYYY MM DD HH mm ss ZZ.",
      });
    }
    return t;
  });
}

function pad(n: number, w: number): string {
  const s = String(n);
  return s.length >= w ? s : "0".repeat(w - s.length) + s;
}

/** `-0500` style offset (Python's `%z`). */
export function formatOffset(offsetMs: number, colon: boolean): string {
  const sign = offsetMs < 0 ? "-" : "+";
  const mins = Math.round(Math.abs(offsetMs) / 60_000);
  return `${sign}${pad(Math.floor(mins / 60), 2)}${colon ? ":" : ""}${pad(mins % 60, 2)}`;
}

function parseOffset(text: string): number {
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(text)!;
  const mins = Number(m[2]) * 60 + Number(m[3]);
  return (m[1] === "-" ? -mins : mins) * 60_000;
}

function tokenize(pattern: string): Part[] {
  const parts: Part[] = [];
  let i = 0;
  outer: while (i < pattern.length) {
    if (pattern[i] === "[") {
      const close = pattern.indexOf("]", i);
      if (close < 0) throw new StrataError("PARTITION_INVALID", `Unclosed "[" in key format "${pattern}"`);
      parts.push({ literal: pattern.slice(i + 1, close) });
      i = close + 1;
      continue;
    }
    for (const t of TOKENS) {
      if (pattern.startsWith(t, i)) {
        parts.push({ token: t });
        i += t.length;
        continue outer;
      }
    }
    parts.push({ literal: pattern[i]! });
    i++;
  }
  return parts;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const TOKEN_RE: Record<string, string> = {
  YYYY: "(\\d{4})",
  MM: "(\\d{2})",
  DD: "(\\d{2})",
  HH: "(\\d{2})",
  mm: "(\\d{2})",
  ss: "(\\d{2})",
  ZZ: "([+-]\\d{4})",
  Z: "([+-]\\d{2}:\\d{2})",
};

/** Compiles a key format; throws PARTITION_INVALID when it lacks a year. */
export function compileKeyFormat(fmt: string): KeyFormat {
  const pattern = normalizeKeyFormat(fmt);
  const parts = tokenize(pattern);
  const shows = new Set<"YYYY" | "MM" | "DD" | "HH" | "mm" | "ss">();
  let hasOffset = false;
  for (const p of parts) {
    if ("token" in p) {
      if (p.token === "Z" || p.token === "ZZ") hasOffset = true;
      else shows.add(p.token);
    }
  }
  if (!shows.has("YYYY")) {
    throw new StrataError("PARTITION_INVALID", `Key format "${fmt}" has no year (YYYY)`, {
      hint: 'Time-window keys are the window start formatted with fmt, e.g. "YYYY-MM-DD".',
    });
  }
  const order = parts.flatMap((p) => ("token" in p ? [p.token] : []));
  const re = new RegExp(
    `^${parts.map((p) => ("token" in p ? TOKEN_RE[p.token] : escapeRe(p.literal))).join("")}${hasOffset ? "" : "([+-]\\d{4})?"}$`,
  );

  type Tok = "YYYY" | "MM" | "DD" | "HH" | "mm" | "ss" | "ZZ" | "Z";
  const render = (from: number, to: number, d: CivilFields, hour: number, minute: number, second: number, offsetMs: number): string => {
    let s = "";
    for (let i = from; i < to; i++) {
      const p = parts[i]!;
      if (!("token" in p)) {
        s += p.literal;
        continue;
      }
      switch (p.token as Tok) {
        case "YYYY": s += d.year >= 1000 ? String(d.year) : pad(d.year, 4); break;
        case "MM": s += PAD2[d.month]; break;
        case "DD": s += PAD2[d.day]; break;
        case "HH": s += PAD2[hour]; break;
        case "mm": s += PAD2[minute]; break;
        case "ss": s += PAD2[second]; break;
        case "ZZ": s += formatOffset(offsetMs, false); break;
        case "Z": s += formatOffset(offsetMs, true); break;
      }
    }
    return s;
  };
  // Hot path (100,000 keys): when date tokens all precede HH/mm (and there is no ss or offset),
  // a key is a per-day prefix plus a per-minute-of-day suffix: one string allocation per key.
  const firstTime = parts.findIndex((p) => "token" in p && p.token !== "YYYY" && p.token !== "MM" && p.token !== "DD");
  const split = firstTime < 0 ? parts.length : firstTime;
  const fast = !hasOffset && !shows.has("ss") && parts.slice(split).every((p) => !("token" in p) || p.token === "HH" || p.token === "mm");
  const suffixes: (string | undefined)[] = [];
  let lastDay = NaN;
  let dateFields: CivilFields = fieldsFromNaive(0);
  let prefix = "";
  const format = (naive: number, offsetMs: number, withOffsetSuffix: boolean): string => {
    const day = Math.floor(naive / DAY_MS);
    if (day !== lastDay) {
      lastDay = day;
      dateFields = fieldsFromNaive(day * DAY_MS);
      prefix = fast ? render(0, split, dateFields, 0, 0, 0, 0) : "";
    }
    const rest = naive - day * DAY_MS;
    const hour = Math.floor(rest / HOUR_MS);
    const minute = Math.floor((rest - hour * HOUR_MS) / MINUTE_MS);
    let s: string;
    if (fast) {
      const m = hour * 60 + minute;
      let suffix = suffixes[m];
      if (suffix === undefined) suffixes[m] = suffix = render(split, parts.length, dateFields, hour, minute, 0, 0);
      s = prefix + suffix;
    } else {
      const second = Math.floor((rest - hour * HOUR_MS - minute * MINUTE_MS) / 1000);
      s = render(0, parts.length, dateFields, hour, minute, second, offsetMs);
    }
    return withOffsetSuffix && !hasOffset ? s + formatOffset(offsetMs, false) : s;
  };

  const parse = (key: string): { fields: CivilFields; offsetMs: number | undefined } | undefined => {
    const m = re.exec(key);
    if (m === null) return undefined;
    const fields: CivilFields = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
    let offsetMs: number | undefined;
    order.forEach((t, i) => {
      const v = m[i + 1]!;
      if (t === "Z" || t === "ZZ") offsetMs = parseOffset(v);
      else if (t === "YYYY") fields.year = Number(v);
      else if (t === "MM") fields.month = Number(v);
      else if (t === "DD") fields.day = Number(v);
      else if (t === "HH") fields.hour = Number(v);
      else if (t === "mm") fields.minute = Number(v);
      else fields.second = Number(v);
    });
    const suffix = m[order.length + 1];
    if (suffix !== undefined) offsetMs = parseOffset(suffix);
    if (fields.month < 1 || fields.month > 12 || fields.day < 1 || fields.day > 31 || fields.hour > 23 || fields.minute > 59 || fields.second > 59) return undefined;
    return { fields, offsetMs };
  };

  return Object.freeze({ pattern, hasOffset, shows, format, parse });
}
