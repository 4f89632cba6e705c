/**
 * dbt's `env_var(name, default)`: reads the environment; a missing variable without a
 * default is an `ENV_MISSING` error naming it.
 *
 * @example
 * envVar(process.env, "DBT_SCHEMA", "analytics");
 */
import { StrataError } from "@strata/core";

export function envVar(env: Record<string, string | undefined>, name: unknown, def?: unknown): unknown {
  const key = String(name);
  const v = env[key];
  if (v !== undefined) return v;
  if (def !== undefined) return def;
  throw new StrataError("ENV_MISSING", `Env var required but not provided: '${key}'`, {
    hint: `Set ${key} in the environment, or give env_var() a default: env_var('${key}', '...')`,
  });
}
