import type { z } from "zod";
import { StrataError } from "./errors.ts";
import { isEnvVar, type EnvVar } from "./env.ts";
import { captureCodeRef, type CodeRef } from "./code-ref.ts";

/**
 * A resource is a configured object (a client, credentials, an I/O manager) injected into
 * assets by name. Its config is validated by a zod schema when the run starts; values can be
 * literals or {@link env} references. Mark a field secret with `secret(z.string())` or use
 * `env("X", { secret: true })`: its value is redacted from logs, events, CLI output and errors.
 *
 * @example
 * const warehouse = resource({
 *   config: z.object({ url: z.string(), token: secret(z.string()) }),
 *   create: ({ url, token }) => new Client(url, token),
 * });
 * defineDefinitions({ resources: { warehouse: warehouse.configure({ url: env("URL"), token: env("TOKEN") }) } });
 */
export interface ResourceSetupContext {
  /** Directory of the Strata instance (for resources that keep files). */
  instanceDir: string;
  runId: string;
  log: (message: string) => void;
}

export interface ResourceSpec<TSchema extends z.ZodType, T> {
  description?: string;
  config?: TSchema;
  create: (config: z.output<TSchema>, ctx: ResourceSetupContext) => T | Promise<T>;
  teardown?: (value: T) => void | Promise<void>;
}

export type ConfigValues<TSchema extends z.ZodType> = {
  [K in keyof z.input<TSchema>]: z.input<TSchema>[K] | EnvVar;
};

export interface ResourceDefinition<T = unknown, TSchema extends z.ZodType = z.ZodType> {
  readonly kind: "resource";
  readonly description: string | undefined;
  readonly schema: TSchema | undefined;
  readonly values: Readonly<Record<string, unknown>>;
  // Method syntax keeps ResourceDefinition<X> assignable to ResourceDefinition<unknown>.
  create(config: unknown, ctx: ResourceSetupContext): T | Promise<T>;
  teardown?(value: T): void | Promise<void>;
  /** Where `configure()` was called (for config errors). */
  readonly codeRef: CodeRef | undefined;
  /** A copy with config values (literals or `env()` refs). */
  configure(values: Partial<ConfigValues<TSchema>>): ResourceDefinition<T, TSchema>;
}

export function resource<T, TSchema extends z.ZodType = z.ZodType>(
  spec: ResourceSpec<TSchema, T>,
): ResourceDefinition<T, TSchema> {
  return makeResource(spec, {}, captureCodeRef());
}

function makeResource<T, TSchema extends z.ZodType>(
  spec: ResourceSpec<TSchema, T>,
  values: Record<string, unknown>,
  codeRef: CodeRef | undefined,
): ResourceDefinition<T, TSchema> {
  return Object.freeze({
    kind: "resource" as const,
    description: spec.description,
    schema: spec.config,
    values: Object.freeze({ ...values }),
    create: spec.create as (config: unknown, ctx: ResourceSetupContext) => T | Promise<T>,
    teardown: spec.teardown,
    codeRef,
    configure: (more: Partial<ConfigValues<TSchema>>) =>
      makeResource(spec, { ...values, ...(more as Record<string, unknown>) }, captureCodeRef()),
  });
}

/** A resource whose value is given directly (an object, a client, a setting). */
export function constantResource<T>(value: T, description?: string): ResourceDefinition<T> {
  return resource({ description, create: () => value });
}

export function isResourceDefinition(v: unknown): v is ResourceDefinition {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "resource";
}

/** Marks a zod schema field as secret: its value is redacted wherever it could be shown. */
export function secret<S extends z.ZodType>(schema: S): S {
  return schema.meta({ ...(schema.meta() ?? {}), secret: true }) as S;
}

function isSecretSchema(schema: z.ZodType | undefined): boolean {
  return Boolean(schema && (schema.meta() as { secret?: unknown } | undefined)?.secret);
}

function fieldSchema(schema: z.ZodType | undefined, field: string): z.ZodType | undefined {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> } | undefined)?.shape;
  return shape?.[field];
}

/** What the snapshot (and UI) may show of a resource: field names, env var names, never secret values. */
export interface ResourceSnapshot {
  name: string;
  description?: string;
  fields: { name: string; env?: string; secret: boolean; value?: unknown }[];
}

export function snapshotResource(name: string, def: ResourceDefinition): ResourceSnapshot {
  const fields = Object.entries(def.values).map(([field, v]) => {
    const isSecret = isSecretSchema(fieldSchema(def.schema, field)) || (isEnvVar(v) && v.secret);
    if (isEnvVar(v)) return { name: field, env: v.name, secret: isSecret };
    return isSecret ? { name: field, secret: true } : { name: field, secret: false, value: v };
  });
  return { name, ...(def.description ? { description: def.description } : {}), fields };
}

/**
 * Validates literal config values at load time (env refs are checked at run start), so a
 * typo in a resource's config is reported when the project loads.
 */
export function validateLiteralConfig(name: string, def: ResourceDefinition): void {
  if (!def.schema) return;
  const shape = (def.schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
  if (!shape) return;
  for (const [field, v] of Object.entries(def.values)) {
    const fs = shape[field];
    if (!fs) {
      throw new StrataError("DEFS_INVALID_CONFIG", `Resource "${name}" has no config field "${field}"`, {
        hint: `Known fields: ${Object.keys(shape).join(", ") || "(none)"}`,
      });
    }
    if (isEnvVar(v)) continue;
    const r = fs.safeParse(v);
    if (!r.success) {
      throw new StrataError(
        "DEFS_INVALID_CONFIG",
        `Resource "${name}" config field "${field}" is invalid: ${r.error.issues.map((i) => i.message).join("; ")}`,
        { hint: "Fix the value passed to configure()." },
      );
    }
  }
}

export interface ResolvedResourceConfig {
  config: unknown;
  /** Concrete secret values to redact from everything this run prints or stores. */
  secrets: string[];
}

/**
 * Resolves env refs from `environment` and validates the whole config. Throws ENV_MISSING
 * (naming the variable and resource) or CONFIG_INVALID; never includes secret values.
 */
export function resolveResourceConfig(
  name: string,
  def: ResourceDefinition,
  environment: Record<string, string | undefined>,
): ResolvedResourceConfig {
  const secrets: string[] = [];
  const raw: Record<string, unknown> = {};
  for (const [field, v] of Object.entries(def.values)) {
    const isSecret = isSecretSchema(fieldSchema(def.schema, field)) || (isEnvVar(v) && v.secret);
    let value: unknown = v;
    if (isEnvVar(v)) {
      value = environment[v.name] ?? v.default;
      if (value === undefined) {
        throw new StrataError("ENV_MISSING", `Environment variable ${v.name} is not set (needed by resource "${name}", field "${field}")`, {
          hint: `Set ${v.name} in the environment (or a .env file in the project) and run again.`,
        });
      }
    }
    if (isSecret && typeof value === "string" && value.length > 0) secrets.push(value);
    raw[field] = value;
  }
  if (!def.schema) return { config: raw, secrets };
  const r = def.schema.safeParse(raw);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new StrataError("CONFIG_INVALID", `Resource "${name}" config is invalid: ${msg}`, {
      hint: "Check the values passed to configure() and the environment variables they read.",
    });
  }
  return { config: r.data, secrets };
}
