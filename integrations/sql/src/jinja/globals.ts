/**
 * Python builtins and Jinja2/dbt globals that nunjucks lacks: `namespace()`, `dict()`, `zip`,
 * `tojson`/`fromjson`, `toyaml`/`fromyaml`, `set`, and `modules` (datetime, re).
 *
 * @example
 * // {% set ns = namespace(total=0) %}{% for x in xs %}{% set ns.total = ns.total + x %}{% endfor %}{{ ns.total }}
 */
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { splitArgs } from "./kwargs.ts";
import { toJson } from "./filters.ts";
import { datetimeModule } from "./datetime-module.ts";

function pyRegex(pattern: unknown, flags = ""): RegExp {
  return new RegExp(String(pattern).replace(/\(\?P</g, "(?<"), flags);
}

function matchObject(m: RegExpExecArray | null): unknown {
  if (!m) return null;
  return {
    group: (i: unknown = 0) => (typeof i === "string" ? m.groups?.[i] : m[Number(i)]) ?? null,
    groups: () => m.slice(1).map((x) => x ?? null),
    groupdict: () => ({ ...(m.groups ?? {}) }),
    start: () => m.index,
    end: () => m.index + m[0].length,
  };
}

const reModule = {
  match: (p: unknown, s: unknown) => matchObject(pyRegex(`^(?:${String(p)})`).exec(String(s))),
  search: (p: unknown, s: unknown) => matchObject(pyRegex(p).exec(String(s))),
  fullmatch: (p: unknown, s: unknown) => matchObject(pyRegex(`^(?:${String(p)})$`).exec(String(s))),
  findall: (p: unknown, s: unknown) =>
    [...String(s).matchAll(pyRegex(p, "g"))].map((m) => (m.length > 2 ? m.slice(1) : (m[1] ?? m[0]))),
  sub: (p: unknown, r: unknown, s: unknown) => String(s).replace(pyRegex(p, "g"), String(r).replace(/\\(\d)/g, "$$$1")),
  split: (p: unknown, s: unknown) => String(s).split(pyRegex(p)),
  escape: (s: unknown) => String(s).replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
};

/** A `namespace()` object: attributes may be assigned with `{% set ns.attr = value %}`. */
export class Namespace {
  [key: string]: unknown;
}

export function pythonGlobals(): Record<string, unknown> {
  return {
    namespace: (...all: unknown[]) => Object.assign(new Namespace(), ...splitArgs(all).args.filter((a) => a && typeof a === "object"), splitArgs(all).kwargs),
    dict: (...all: unknown[]) => {
      const { args, kwargs } = splitArgs(all);
      const out: Record<string, unknown> = {};
      for (const a of args) {
        if (Array.isArray(a)) for (const pair of a as unknown[][]) out[String(pair[0])] = pair[1];
        else if (a && typeof a === "object") Object.assign(out, a);
      }
      return Object.assign(out, kwargs);
    },
    list: (x: unknown) => (x == null ? [] : typeof x === "string" ? [...x] : Array.isArray(x) ? [...x] : Object.keys(x)),
    zip: (...lists: unknown[]) => {
      const ls = lists.filter(Array.isArray) as unknown[][];
      const n = ls.length ? Math.min(...ls.map((l) => l.length)) : 0;
      return Array.from({ length: n }, (_, i) => ls.map((l) => l[i]));
    },
    set: (x: unknown) => (Array.isArray(x) ? [...new Set(x)] : []),
    set_strict: (x: unknown) => [...new Set(x as unknown[])],
    tojson: (v: unknown, ...rest: unknown[]) => toJson(v, splitArgs(rest).kwargs.indent),
    fromjson: (s: unknown, def?: unknown) => {
      try {
        return JSON.parse(String(s));
      } catch {
        return def ?? null;
      }
    },
    toyaml: (v: unknown) => stringifyYaml(v),
    fromyaml: (s: unknown, def?: unknown) => {
      try {
        return parseYaml(String(s)) as unknown;
      } catch {
        return def ?? null;
      }
    },
    __setattr: (obj: unknown, key: string, value: unknown) => {
      if (obj === null || typeof obj !== "object") throw new Error(`cannot set attribute '${key}' on a non-object`);
      (obj as Record<string, unknown>)[key] = value;
      return "";
    },
    modules: { datetime: datetimeModule, re: reModule },
  };
}
