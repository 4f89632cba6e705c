/**
 * Nunjucks passes Jinja keyword arguments as a trailing object tagged `__keywords`.
 * These helpers split a call's arguments the way Python would see them.
 *
 * @example
 * const { args, kwargs } = splitArgs(["orders", { v: 2, __keywords: true }]); // args ["orders"], kwargs { v: 2 }
 */
export interface SplitArgs {
  args: unknown[];
  kwargs: Record<string, unknown>;
}

export function isKwargs(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && (v as { __keywords?: unknown }).__keywords === true;
}

export function splitArgs(all: readonly unknown[]): SplitArgs {
  const last = all[all.length - 1];
  if (isKwargs(last)) {
    const kwargs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(last)) if (k !== "__keywords") kwargs[k] = v;
    return { args: all.slice(0, -1), kwargs };
  }
  return { args: [...all], kwargs: {} };
}

/** Positional argument `i`, else keyword `name`, else `def`. */
export function argOr(s: SplitArgs, i: number, name: string, def?: unknown): unknown {
  if (s.args.length > i && s.args[i] !== undefined) return s.args[i];
  if (name in s.kwargs) return s.kwargs[name];
  return def;
}
