/**
 * The basics of Python's `datetime` module for `modules.datetime` in templates: `datetime.now()`,
 * `datetime.utcnow()`, `date.today()`, `datetime(y, m, d)`, `timedelta(days=1)`, `strftime`,
 * `isoformat`. Values are UTC. Operators (`now - timedelta(...)`) are not supported; use
 * `.minus(delta)` / `.plus(delta)` or SQL date arithmetic instead.
 *
 * @example
 * // {{ modules.datetime.datetime(2024, 1, 31).strftime('%Y-%m-%d') }}  ->  2024-01-31
 */
import { splitArgs } from "./kwargs.ts";

const pad = (n: number, w = 2) => String(n).padStart(w, "0");
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

export class PyTimedelta {
  constructor(readonly ms: number) {}
  total_seconds(): number {
    return this.ms / 1000;
  }
  get days(): number {
    return Math.floor(this.ms / 86_400_000);
  }
}

export class PyDateTime {
  constructor(
    readonly d: Date,
    readonly dateOnly = false,
  ) {}
  get year(): number { return this.d.getUTCFullYear(); }
  get month(): number { return this.d.getUTCMonth() + 1; }
  get day(): number { return this.d.getUTCDate(); }
  get hour(): number { return this.d.getUTCHours(); }
  get minute(): number { return this.d.getUTCMinutes(); }
  get second(): number { return this.d.getUTCSeconds(); }
  weekday(): number { return (this.d.getUTCDay() + 6) % 7; }
  date(): PyDateTime { return new PyDateTime(new Date(Date.UTC(this.year, this.month - 1, this.day)), true); }
  plus(delta: PyTimedelta): PyDateTime { return new PyDateTime(new Date(this.d.getTime() + delta.ms), this.dateOnly); }
  minus(delta: PyTimedelta): PyDateTime { return new PyDateTime(new Date(this.d.getTime() - delta.ms), this.dateOnly); }
  timestamp(): number { return this.d.getTime() / 1000; }
  isoformat(sep = "T"): string {
    const date = `${pad(this.year, 4)}-${pad(this.month)}-${pad(this.day)}`;
    if (this.dateOnly) return date;
    const ms = this.d.getUTCMilliseconds();
    return `${date}${sep}${pad(this.hour)}:${pad(this.minute)}:${pad(this.second)}${ms ? "." + pad(ms * 1000, 6) : ""}`;
  }
  strftime(fmt: string): string {
    return fmt.replace(/%([a-zA-Z%])/g, (_m, c: string) => {
      switch (c) {
        case "Y": return pad(this.year, 4);
        case "m": return pad(this.month);
        case "d": return pad(this.day);
        case "H": return pad(this.hour);
        case "M": return pad(this.minute);
        case "S": return pad(this.second);
        case "f": return pad(this.d.getUTCMilliseconds() * 1000, 6);
        case "y": return pad(this.year % 100);
        case "j": return pad(Math.floor((this.d.getTime() - Date.UTC(this.year, 0, 1)) / 86_400_000) + 1, 3);
        case "A": return DAYS[this.d.getUTCDay()]!;
        case "a": return DAYS[this.d.getUTCDay()]!.slice(0, 3);
        case "B": return MONTHS[this.month - 1]!;
        case "b": return MONTHS[this.month - 1]!.slice(0, 3);
        case "%": return "%";
        default: return `%${c}`;
      }
    });
  }
  toString(): string { return this.isoformat(" "); }
  toJSON(): string { return this.isoformat(); }
}

function construct(all: unknown[], dateOnly: boolean): PyDateTime {
  const { args } = splitArgs(all);
  const n = args.map(Number);
  return new PyDateTime(new Date(Date.UTC(n[0]!, (n[1] ?? 1) - 1, n[2] ?? 1, n[3] ?? 0, n[4] ?? 0, n[5] ?? 0)), dateOnly);
}

const datetimeCtor = Object.assign((...a: unknown[]) => construct(a, false), {
  now: () => new PyDateTime(new Date()),
  utcnow: () => new PyDateTime(new Date()),
  fromisoformat: (s: unknown) => new PyDateTime(new Date(String(s).includes("T") || String(s).includes(" ") ? String(s).replace(" ", "T") + (/[zZ]|[+-]\d\d:?\d\d$/.test(String(s)) ? "" : "Z") : String(s))),
});
const dateCtor = Object.assign((...a: unknown[]) => construct(a, true), {
  today: () => new PyDateTime(new Date()).date(),
  fromisoformat: (s: unknown) => new PyDateTime(new Date(String(s).slice(0, 10)), true),
});

export const datetimeModule = {
  datetime: datetimeCtor,
  date: dateCtor,
  timedelta: (...all: unknown[]) => {
    const { args, kwargs } = splitArgs(all);
    const num = (k: string, i: number) => Number(kwargs[k] ?? args[i] ?? 0);
    return new PyTimedelta(
      num("days", 0) * 86_400_000 + num("seconds", 1) * 1000 + num("microseconds", 2) / 1000 + num("milliseconds", 3) +
        num("minutes", 4) * 60_000 + num("hours", 5) * 3_600_000 + num("weeks", 6) * 604_800_000,
    );
  },
};
