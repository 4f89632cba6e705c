import { StrataError } from "@strata/core";

const ENV_NAME = /^[a-z][a-z0-9_-]*$/;

/** Environments whose schemas and databases carry no suffix. */
export const PRODUCTION_ENVS: readonly string[] = ["prod", "production"];

/**
 * The deployment environment: `STRATA_ENV` (dev, staging, prod…), `"dev"` when unset.
 * Available to definitions and, as `{{ strata_env }}`, to YAML templates.
 *
 * @example
 * const schema = currentEnv() === "prod" ? "analytics" : `analytics_${currentEnv()}`;
 */
export function currentEnv(environment: NodeJS.ProcessEnv = process.env): string {
  const value = (environment.STRATA_ENV ?? "").trim().toLowerCase() || "dev";
  if (!ENV_NAME.test(value)) {
    throw new StrataError("CONFIG_INVALID", `STRATA_ENV "${environment.STRATA_ENV}" is not a valid environment name`, {
      hint: "Use lower-case letters, digits, _ or -, e.g. dev, staging, prod.",
    });
  }
  return value;
}

/** Whether `env` is a production environment (no suffixes on schema/database names). */
export const isProduction = (env: string = currentEnv()): boolean => PRODUCTION_ENVS.includes(env);

/**
 * The schema name for `base` in the current environment: `analytics_dev`, `analytics_staging`,
 * and plain `analytics` in production (the convention of the seeds' dbt/Snowflake platforms).
 *
 * @example
 * envSchema("analytics")                   // "analytics_dev" (STRATA_ENV unset)
 * envSchema("analytics", { env: "prod" })  // "analytics"
 */
export function envSchema(base: string, options: { env?: string } = {}): string {
  const env = options.env ?? currentEnv();
  return isProduction(env) ? base : `${base}_${env.replace(/-/g, "_")}`;
}

/**
 * The database name for the current environment, upper-case as warehouses show it: `PROD`,
 * `DEV`, `STAGING` — or `<BASE>_<ENV>` (`ANALYTICS_DEV`; `ANALYTICS` in prod) when `base` is given.
 *
 * @example
 * envDatabase()             // "DEV"
 * envDatabase("analytics")  // "ANALYTICS_DEV"
 */
export function envDatabase(base?: string, options: { env?: string } = {}): string {
  const env = options.env ?? currentEnv();
  const suffix = env.replace(/-/g, "_").toUpperCase();
  if (!base) return suffix;
  return isProduction(env) ? base.toUpperCase() : `${base.toUpperCase()}_${suffix}`;
}
