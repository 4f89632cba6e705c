/**
 * Jinja2 filters that nunjucks lacks or implements differently (tojson, map, unique, items,
 * min/max, format, selectattr with a test, dbt's as_bool/as_number/as_text/as_native).
 *
 * @example
 * // {{ cols | map(attribute='name') | join(', ') }}   {{ {'a': 1} | tojson }}
 */
import type nunjucks from "nunjucks";
import { splitArgs } from "./kwargs.ts";

/** nunjucks' Environment, including the test registry its typings omit. */
type Env = nunjucks.Environment & {
  addTest(name: string, fn: (...args: never[]) => boolean): void;
  getTest(name: string): (...args: unknown[]) => boolean;
};

export function toJson(v: unknown, indent?: unknown): string {
  return JSON.stringify(v === undefined ? null : v, jsonReplacer, typeof indent === "number" ? indent : undefined);
}

function jsonReplacer(_k: string, v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  if (v !== null && typeof v === "object" && !Array.isArray(v) && v.constructor !== Object && typeof v.toString === "function") {
    const s = v.toString();
    if (s !== "[object Object]") return s;
  }
  return v;
}

function attrGetter(attr: string): (x: unknown) => unknown {
  const parts = attr.split(".");
  return (x) => parts.reduce<unknown>((o, p) => (o == null ? undefined : (o as Record<string, unknown>)[p]), x);
}

function pyPercent(fmt: string, values: unknown[]): string {
  let i = 0;
  return fmt.replace(/%([sdfr%])/g, (_m, c: string) => {
    if (c === "%") return "%";
    const v = values[i++];
    if (c === "d") return String(Math.trunc(Number(v)));
    if (c === "f") return Number(v).toFixed(6);
    return String(v);
  });
}

export function installFilters(environment: nunjucks.Environment): void {
  const env = environment as Env;
  env.addFilter("tojson", toJson);
  env.addFilter("unique", (xs: unknown) => (Array.isArray(xs) ? [...new Set(xs)] : xs));
  env.addFilter("items", (d: unknown) => (d && typeof d === "object" ? Object.entries(d) : []));
  env.addFilter("count", (xs: unknown) => (xs == null ? 0 : ((xs as { length?: number }).length ?? Object.keys(xs).length)));
  env.addFilter("min", (xs: unknown) => (Array.isArray(xs) && xs.length ? xs.reduce((a, b) => (b < a ? b : a)) : undefined));
  env.addFilter("max", (xs: unknown) => (Array.isArray(xs) && xs.length ? xs.reduce((a, b) => (b > a ? b : a)) : undefined));
  env.addFilter("bool", (v: unknown) => (typeof v === "string" ? ["true", "1", "yes", "on"].includes(v.toLowerCase()) : Boolean(v)));
  env.addFilter("format", (fmt: unknown, ...rest: unknown[]) => pyPercent(String(fmt), rest));
  env.addFilter("map", function (this: unknown, xs: unknown, ...rest: unknown[]) {
    const { args, kwargs } = splitArgs(rest);
    const list = Array.isArray(xs) ? xs : xs == null ? [] : Array.from(xs as Iterable<unknown>);
    if (typeof kwargs.attribute === "string" || typeof kwargs.attribute === "number") {
      const get = attrGetter(String(kwargs.attribute));
      return list.map((x) => get(x) ?? kwargs.default);
    }
    const name = String(args[0]);
    const f = env.getFilter(name) as (...a: unknown[]) => unknown;
    return list.map((x) => f.call(this, x, ...args.slice(1)));
  });
  for (const [name, negate] of [["selectattr", false], ["rejectattr", true]] as const) {
    env.addFilter(name, (xs: unknown, attr: unknown, test?: unknown, ...targs: unknown[]) => {
      const list = Array.isArray(xs) ? xs : [];
      const get = attrGetter(String(attr));
      const t = test === undefined ? (v: unknown) => Boolean(v) : env.getTest(String(test));
      return list.filter((x) => t(get(x), ...targs) !== negate);
    });
  }
  env.addFilter("as_bool", (v: unknown) => (typeof v === "string" ? v.trim().toLowerCase() === "true" : Boolean(v)));
  env.addFilter("as_number", (v: unknown) => Number(v));
  env.addFilter("as_text", (v: unknown) => (v == null ? "" : String(v)));
  env.addFilter("as_native", (v: unknown) => {
    if (typeof v !== "string") return v;
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  });
}

/** Jinja2 tests nunjucks lacks (`is none`, `is sequence`, `is boolean`...). */
export function installTests(environment: nunjucks.Environment): void {
  const env = environment as Env;
  env.addTest("none", (v: unknown) => v === null || v === undefined);
  env.addTest("sequence", (v: unknown) => Array.isArray(v) || typeof v === "string");
  env.addTest("boolean", (v: unknown) => typeof v === "boolean");
  env.addTest("integer", (v: unknown) => typeof v === "number" && Number.isInteger(v));
  env.addTest("float", (v: unknown) => typeof v === "number" && !Number.isInteger(v));
  env.addTest("in", (v: unknown, c: unknown) => (Array.isArray(c) || typeof c === "string" ? c.includes(v as string) : c != null && String(v) in (c as object)));
  env.addTest("true", (v: unknown) => v === true);
  env.addTest("false", (v: unknown) => v === false);
}
