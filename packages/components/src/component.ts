import { captureCodeRef, isEnvVar, StrataError, type CodeRef, type Definitions, type EnvVar } from "@strata/core";
import { z } from "zod";

/**
 * What `buildDefs` receives: the validated attributes and where the instance lives.
 *
 * @example
 * buildDefs: (ctx) => defineDefinitions({
 *   assets: ctx.attributes.tables.map((t, i) =>
 *     asset({ key: t, codeRef: ctx.codeRef(["tables", i]) }, () => load(ctx.resolvePath(`data/${t}.csv`)))),
 * })
 */
export interface ComponentLoadContext<A = unknown> {
  /** The attributes after templating and validation (zod defaults applied). */
  readonly attributes: A;
  /** Component type name, e.g. `strata.duckdb_sql`. */
  readonly type: string;
  /** Absolute folder holding the defs.yaml. */
  readonly folder: string;
  /** Absolute project (code location) root. */
  readonly projectRoot: string;
  /** The defs.yaml file (absolute). */
  readonly file: string;
  /** `STRATA_ENV`, `"dev"` by default. */
  readonly env: string;
  /** Path of the folder relative to the defs root, e.g. `ingest/orders` (a stable instance id). */
  readonly path: string;
  /** Env vars the instance declares under `requirements.env`. */
  readonly requiredEnv: readonly string[];
  /** Resolves a path relative to the instance folder (absolute paths are returned as they are). */
  resolvePath(p: string): string;
  /** `file:line` of the attribute at `path` (relative to `attributes`), for asset code refs. */
  codeRef(path?: readonly (string | number)[]): CodeRef;
  /**
   * Resolves a value that may be an env reference (from `{{ secret('X') }}` or a deferred
   * `requirements.env` variable). Call it when the run starts, not in buildDefs: a missing
   * variable throws ENV_MISSING naming it and the defs.yaml line, failing only that asset.
   */
  resolveEnv(value: string | EnvVar, environment?: NodeJS.ProcessEnv): string;
  /** Throws ENV_MISSING for the first `requirements.env` variable that is not set (call at run time). */
  assertRequirements(environment?: NodeJS.ProcessEnv): void;
}

/** A component type: a named, documented factory from validated attributes to definitions. */
export interface ComponentType<S extends z.ZodType = z.ZodType> {
  readonly kind: "component_type";
  /** Registered name used in `type:` of defs.yaml (e.g. `strata.command`, `acme.lakehouse`). */
  readonly type: string;
  readonly description: string;
  readonly attributes: S;
  /** An example `attributes:` block for scaffolds and docs (defaults to placeholders from the schema). */
  readonly example?: Record<string, unknown>;
  buildDefs(context: ComponentLoadContext<z.output<S>>): Definitions | Promise<Definitions>;
  readonly codeRef: CodeRef | undefined;
}

export interface ComponentTypeInput<S extends z.ZodType> {
  type: string;
  description: string;
  attributes: S;
  example?: Record<string, unknown>;
  buildDefs(context: ComponentLoadContext<z.output<S>>): Definitions | Promise<Definitions>;
}

const TYPE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * Declares a component type. Export it from a module the project registers (its `components/`
 * folder or `strata.components` in package.json); defs.yaml files then use it by `type`.
 *
 * @example
 * export default defineComponent({
 *   type: "acme.api_extract",
 *   description: "One asset per API endpoint, stored as JSON rows.",
 *   attributes: z.object({ baseUrl: z.string().url(), endpoints: z.array(z.string()).min(1) }),
 *   buildDefs: (ctx) => defineDefinitions({
 *     assets: ctx.attributes.endpoints.map((e, i) =>
 *       asset({ key: ["raw", e], codeRef: ctx.codeRef(["endpoints", i]) }, () => fetchJson(ctx.attributes.baseUrl + e))),
 *   }),
 * });
 */
export function defineComponent<S extends z.ZodType>(input: ComponentTypeInput<S>): ComponentType<S> {
  const codeRef = captureCodeRef();
  const where = codeRef ? `${codeRef.file}:${codeRef.line}` : undefined;
  if (typeof input.type !== "string" || !TYPE_NAME.test(input.type)) {
    throw new StrataError("COMPONENT_INVALID", `Invalid component type name ${JSON.stringify(input.type)}`, {
      where,
      hint: 'Use dotted identifiers, e.g. "acme.lakehouse" (the "strata." prefix is reserved for built-in types).',
    });
  }
  // Duck-typed: a project may hold another copy of zod than ours.
  if (typeof (input.attributes as { safeParse?: unknown } | undefined)?.safeParse !== "function") {
    throw new StrataError("COMPONENT_INVALID", `Component type "${input.type}" needs a zod schema as \`attributes\``, {
      where,
      hint: "e.g. attributes: z.object({ tables: z.array(z.string()) }) — import z from \"zod\" or \"strata\".",
    });
  }
  if (typeof input.buildDefs !== "function") {
    throw new StrataError("COMPONENT_INVALID", `Component type "${input.type}" needs a buildDefs(context) function`, { where });
  }
  return Object.freeze({
    kind: "component_type" as const,
    type: input.type,
    description: input.description ?? "",
    attributes: input.attributes,
    ...(input.example ? { example: input.example } : {}),
    buildDefs: input.buildDefs,
    codeRef,
  });
}

export function isComponentType(v: unknown): v is ComponentType {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "component_type";
}

/** A string attribute that may also be an env reference (`{{ secret('TOKEN') }}`), resolved when a run starts. */
export const envString = (): z.ZodType<string | EnvVar> =>
  z.union([
    z.string(),
    z.custom<EnvVar>((v) => isEnvVar(v), { message: "expected a string or an env reference" }),
  ]) as z.ZodType<string | EnvVar>;
