/**
 * Python methods on str, list and dict values, as Jinja2 templates call them
 * (`name.upper()`, `cols.append(c)`, `cfg.get('k', 1)`, `d.items()`). Installed into nunjucks'
 * member lookup by {@link installJinjaPatches}.
 *
 * @example
 * // {{ ' a,b '.strip().split(',') | join('|') }}  ->  a|b
 */
import { splitArgs } from "./kwargs.ts";

type Method = (self: never, ...args: unknown[]) => unknown;

function pyStr(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  return String(v);
}

function stripChars(s: string, chars: unknown, left: boolean, right: boolean): string {
  if (chars === undefined || chars === null) {
    if (left && right) return s.trim();
    return left ? s.trimStart() : s.trimEnd();
  }
  const set = String(chars);
  let a = 0;
  let b = s.length;
  if (left) while (a < b && set.includes(s[a]!)) a++;
  if (right) while (b > a && set.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

/** Python's `str.format` for `{}`, `{0}` and `{name}` fields. */
export function pyFormat(fmt: string, all: unknown[]): string {
  const { args, kwargs } = splitArgs(all);
  let auto = 0;
  return fmt.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (m, field: string | undefined) => {
    if (m === "{{") return "{";
    if (m === "}}") return "}";
    const key = (field ?? "").split(":")[0]!;
    if (key === "") return pyStr(args[auto++]);
    if (/^\d+$/.test(key)) return pyStr(args[Number(key)]);
    return pyStr(kwargs[key]);
  });
}

export const STRING_METHODS: Record<string, (s: string, ...a: unknown[]) => unknown> = {
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  strip: (s, c) => stripChars(s, c, true, true),
  lstrip: (s, c) => stripChars(s, c, true, false),
  rstrip: (s, c) => stripChars(s, c, false, true),
  split: (s, sep, max) => {
    const limit = typeof max === "number" && max >= 0 ? max : -1;
    if (sep === undefined || sep === null) {
      const parts = s.trim().split(/\s+/).filter((p) => p !== "");
      return limit < 0 || parts.length <= limit + 1 ? parts : [...parts.slice(0, limit), parts.slice(limit).join(" ")];
    }
    const parts = s.split(String(sep));
    return limit < 0 || parts.length <= limit + 1 ? parts : [...parts.slice(0, limit), parts.slice(limit).join(String(sep))];
  },
  replace: (s, a, b) => s.split(String(a)).join(String(b)),
  startswith: (s, p) => (Array.isArray(p) ? p.some((x) => s.startsWith(String(x))) : s.startsWith(String(p))),
  endswith: (s, p) => (Array.isArray(p) ? p.some((x) => s.endsWith(String(x))) : s.endsWith(String(p))),
  find: (s, sub) => s.indexOf(String(sub)),
  count: (s, sub) => (String(sub) === "" ? s.length + 1 : s.split(String(sub)).length - 1),
  join: (s, items) => (Array.isArray(items) ? items.map(pyStr).join(s) : ""),
  title: (s) => s.replace(/\w\S*/g, (w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase()),
  capitalize: (s) => (s === "" ? s : s[0]!.toUpperCase() + s.slice(1).toLowerCase()),
  isdigit: (s) => /^\d+$/.test(s),
  isalpha: (s) => /^[A-Za-z]+$/.test(s),
  isupper: (s) => /[A-Z]/.test(s) && s === s.toUpperCase(),
  islower: (s) => /[a-z]/.test(s) && s === s.toLowerCase(),
  zfill: (s, n) => s.padStart(Number(n), "0"),
  splitlines: (s) => s.split(/\r?\n/),
  format: (s, ...a) => pyFormat(s, a),
};

export const LIST_METHODS: Record<string, Method> = {
  append: (l: unknown[], x: unknown) => void l.push(x),
  extend: (l: unknown[], xs: unknown) => void (Array.isArray(xs) ? l.push(...(xs as unknown[])) : undefined),
  insert: (l: unknown[], i: unknown, x: unknown) => void l.splice(Number(i), 0, x),
  pop: (l: unknown[], i?: unknown) => (i === undefined ? l.pop() : l.splice(Number(i), 1)[0]),
  remove: (l: unknown[], x: unknown) => {
    const i = l.indexOf(x);
    if (i < 0) throw new Error("list.remove(x): x not in list");
    l.splice(i, 1);
  },
  index: (l: unknown[], x: unknown) => {
    const i = l.indexOf(x);
    if (i < 0) throw new Error(`${pyStr(x)} is not in list`);
    return i;
  },
  count: (l: unknown[], x: unknown) => l.filter((y) => y === x).length,
  reverse: (l: unknown[]) => void l.reverse(),
  sort: (l: unknown[]) => void l.sort(),
  copy: (l: unknown[]) => [...l],
} as Record<string, Method>;

type Dict = Record<string, unknown>;

export const DICT_METHODS: Record<string, Method> = {
  items: (d: Dict) => Object.entries(d),
  keys: (d: Dict) => Object.keys(d),
  values: (d: Dict) => Object.values(d),
  get: (d: Dict, k: unknown, def: unknown = null) => {
    const v = d[String(k)];
    return v === undefined ? def : v;
  },
  has_key: (d: Dict, k: unknown) => String(k) in d,
  pop: (d: Dict, k: unknown, def?: unknown) => {
    const key = String(k);
    if (!(key in d)) return def;
    const v = d[key];
    delete d[key];
    return v;
  },
  setdefault: (d: Dict, k: unknown, def: unknown = null) => {
    const key = String(k);
    if (!(key in d)) d[key] = def;
    return d[key];
  },
  update: (d: Dict, ...rest: unknown[]) => {
    const { args, kwargs } = splitArgs(rest);
    for (const a of args) if (a && typeof a === "object") Object.assign(d, a);
    Object.assign(d, kwargs);
  },
  copy: (d: Dict) => ({ ...d }),
} as Record<string, Method>;
