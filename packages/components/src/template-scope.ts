import { isAbsolute, resolve } from "node:path";
import {
  dailyPartitions,
  env as envRef,
  hourlyPartitions,
  monthlyPartitions,
  partitionsToSnapshot,
  staticPartitions,
  weeklyPartitions,
  type PartitionsDefinition,
} from "@strata/core";
import { automationTemplateHelpers } from "./automation-attributes.ts";
import { envDatabase, envSchema } from "./environment.ts";
import { helper, LookupObject, Missing, Opaque } from "./template.ts";

export interface TemplateScopeOptions {
  /** Environment variables (the process env, with the project's .env loaded). */
  environment: Readonly<Record<string, string | undefined>>;
  projectRoot: string;
  /** Folder of the defs.yaml being rendered. */
  folder: string;
  strataEnv: string;
  /** Env vars the document lists under `requirements.env`: when missing they become run-time references. */
  deferredEnv?: ReadonlySet<string>;
  /** Values from the folder's template-vars module; `"opaque"` when user code is not loaded (check yaml). */
  vars?: Readonly<Record<string, unknown>> | "opaque";
}

const ENV_HINT = (name: string) =>
  `Set ${name} (in the environment or the project's .env), give a default with env('${name}', 'value') or {{ env.${name} | default('value') }}, or list it under requirements.env to resolve it when the run starts.`;

/**
 * The names YAML templates can use. Everything here is data or a whitelisted helper; template
 * vars from the folder's `template_vars.ts` are added on top (only their functions are callable).
 */
export function templateScope(o: TemplateScopeOptions): Record<string, unknown> {
  const readEnv = (name: string, fallback?: unknown): unknown => {
    const v = o.environment[name];
    if (v !== undefined && v !== "") return v;
    if (fallback !== undefined) return fallback;
    if (o.deferredEnv?.has(name)) return envRef(name);
    return new Missing("ENV_MISSING", `Environment variable ${name} is not set`, ENV_HINT(name));
  };
  const partitions = (name: string, make: (start: string, end?: string) => PartitionsDefinition) =>
    helper(name, (start, end) => {
      if (typeof start !== "string") throw new Error(`${name}(start[, end]) needs a start date such as '2024-01-01'`);
      return partitionsToSnapshot(make(start, typeof end === "string" ? end : undefined));
    });
  const scope: Record<string, unknown> = {
    env: new LookupObject("env", (name) => readEnv(name), (name, fallback) => {
      if (typeof name !== "string") throw new Error("env(name[, default]) needs the variable name as a string");
      return readEnv(name, fallback);
    }),
    secret: helper("secret", (name) => {
      if (typeof name !== "string") throw new Error("secret(name) needs the variable name as a string");
      return envRef(name, { secret: true });
    }),
    strata_env: o.strataEnv,
    project_root: o.projectRoot,
    folder: o.folder,
    project_path: helper("project_path", (p) => resolve(o.projectRoot, String(p))),
    folder_path: helper("folder_path", (p) => (isAbsolute(String(p)) ? String(p) : resolve(o.folder, String(p)))),
    env_schema: helper("env_schema", (base) => envSchema(String(base), { env: o.strataEnv })),
    env_database: helper("env_database", (base) => envDatabase(base === undefined ? undefined : String(base), { env: o.strataEnv })),
    daily_partitions: partitions("daily_partitions", (start, end) => dailyPartitions({ start, ...(end ? { end } : {}) })),
    hourly_partitions: partitions("hourly_partitions", (start, end) => hourlyPartitions({ start, ...(end ? { end } : {}) })),
    weekly_partitions: partitions("weekly_partitions", (start, end) => weeklyPartitions({ start, ...(end ? { end } : {}) })),
    monthly_partitions: partitions("monthly_partitions", (start, end) => monthlyPartitions({ start, ...(end ? { end } : {}) })),
    static_partitions: helper("static_partitions", (keys) => {
      if (!Array.isArray(keys)) throw new Error("static_partitions(['a', 'b']) needs a list of keys");
      return partitionsToSnapshot(staticPartitions(keys.map(String)));
    }),
    // automation.eager() / on_cron(cron, tz) / on_missing(), freshness.time_window(fail_after=, warn_after=) / cron(...)
    ...automationTemplateHelpers(),
  };
  if (o.vars === "opaque") {
    return new Proxy(scope, {
      has: () => true,
      get: (t, k: string) => (k in t ? t[k] : new Opaque(`template var "${k}"`)),
      getOwnPropertyDescriptor: (t, k: string) =>
        Object.getOwnPropertyDescriptor(t, k) ?? { value: new Opaque(`template var "${k}"`), enumerable: true, configurable: true, writable: false },
    });
  }
  for (const [k, v] of Object.entries(o.vars ?? {})) scope[k] = typeof v === "function" ? helper(k, v as (...a: unknown[]) => unknown) : v;
  return scope;
}
