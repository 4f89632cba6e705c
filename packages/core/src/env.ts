/**
 * A reference to an environment variable, resolved when a run starts (never at import time),
 * so a project loads even where a secret is absent and only the assets needing it fail.
 *
 * @example
 * warehouse.configure({ url: env("WAREHOUSE_URL"), token: env("WAREHOUSE_TOKEN", { secret: true }) })
 */
export interface EnvVar {
  readonly kind: "env";
  readonly name: string;
  readonly default?: string;
  readonly secret: boolean;
}

export function env(name: string, options: { default?: string; secret?: boolean } = {}): EnvVar {
  return Object.freeze({
    kind: "env" as const,
    name,
    ...(options.default === undefined ? {} : { default: options.default }),
    secret: options.secret ?? false,
  });
}

export function isEnvVar(v: unknown): v is EnvVar {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "env" && "name" in v;
}
