import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseSelection } from "@strata/core";
import { BUILTIN_COMPONENTS } from "./builtins/index.ts";
import { DEFS_FILES, TEMPLATE_VARS_FILES } from "./defs-document.ts";
import { currentEnv } from "./environment.ts";
import { checkJsonSchema } from "./json-schema-check.ts";
import type { Problem } from "./problems.ts";
import { processDefsFile, type TypeLookup, type TypeValidator } from "./process-defs-file.ts";
import { projectComponentModules, packageComponentModules, zodValidator, type ComponentTypeInfo } from "./registry.ts";
import { templateScope } from "./template-scope.ts";

export interface CheckYamlOptions {
  root: string;
  defsDir?: string;
  environment?: NodeJS.ProcessEnv;
}

export interface CheckYamlResult {
  /** defs.yaml files checked (relative to the root). */
  files: string[];
  /** Component instances that passed. */
  instances: number;
  problems: Problem[];
}

/** Path of the schema snapshot written whenever the project's code is loaded. */
export const schemaSnapshotPath = (root: string): string => join(root, ".strata", "component-schemas.json");

/** Reads `.strata/component-schemas.json` (empty when absent or unreadable). */
export function readSchemaSnapshot(root: string): ComponentTypeInfo[] {
  try {
    const body = JSON.parse(readFileSync(schemaSnapshotPath(root), "utf8")) as { version?: number; types?: ComponentTypeInfo[] };
    return body.version === 1 && Array.isArray(body.types) ? body.types : [];
  } catch {
    return [];
  }
}

/**
 * The types `check yaml` knows without importing user code: built-ins (validated with their
 * zod schemas, in process: they are ours) and the project's and packages' types from the
 * schema snapshot (validated as JSON Schema). A type that appears in a component module's
 * source but not in the snapshot gets a warning instead of an "unknown type" error.
 */
export function snapshotTypeLookup(root: string): TypeLookup {
  const validators = new Map<string, TypeValidator>();
  for (const c of BUILTIN_COMPONENTS) validators.set(c.type, zodValidator(c));
  const stale = new Map<string, string>();
  for (const t of readSchemaSnapshot(root)) {
    validators.set(t.type, { type: t.type, validate: (v) => {
      const issues = checkJsonSchema(t.schema, v);
      return issues.length ? { ok: false, issues } : { ok: true, value: v };
    } });
    if (t.file && t.mtimeMs !== undefined && (!existsSync(t.file) || statSync(t.file).mtimeMs !== t.mtimeMs)) stale.set(t.type, t.file);
  }
  let declared: Set<string> | undefined;
  const declaredTypes = () => {
    if (declared) return declared;
    declared = new Set();
    const modules = [...projectComponentModules(root), ...packageComponentModules(root).flatMap((p) => p.modules)];
    for (const m of modules) {
      const text = existsSync(m) ? readFileSync(m, "utf8") : "";
      for (const x of text.matchAll(/\btype\s*:\s*["'`]([A-Za-z_][\w.]*)["'`]/g)) declared.add(x[1]!);
    }
    return declared;
  };
  return {
    get: (type) => validators.get(type),
    names: () => [...new Set([...validators.keys(), ...declaredTypes()])].sort(),
    unknownSchemaHint: (type) =>
      declaredTypes().has(type)
        ? "its schema is not in .strata/component-schemas.json yet; run `strata check defs` once (it loads the code and writes the snapshot)"
        : undefined,
    ...(stale.size ? { stale } : {}),
  };
}

/** Every defs.yaml under `dir` (component folders are not walked further). */
export function findDefsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  const own = entries.find((e) => e.isFile() && DEFS_FILES.includes(e.name));
  if (own) return [join(dir, own.name)];
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith(".") && !e.name.startsWith("_") && e.name !== "node_modules")
    .flatMap((e) => findDefsFiles(join(dir, e.name)));
}

/**
 * `strata check yaml`: validates every defs.yaml against its type's schema without importing
 * any of the project's code, and returns ALL problems with file:line:col (YAML syntax, unknown
 * types with a suggestion, invalid attributes at the attribute's position, missing env vars,
 * bad post_processing selections). Values from `template_vars.ts` are not known here: attributes
 * using them are not validated (check defs does).
 */
export function checkYaml(options: CheckYamlOptions): CheckYamlResult {
  const root = resolve(options.root);
  const defsDir = resolve(root, options.defsDir ?? "defs");
  const environment = options.environment ?? process.env;
  const types = snapshotTypeLookup(root);
  const problems: Problem[] = [];
  let instances = 0;
  let strataEnv = "dev";
  try {
    strataEnv = currentEnv(environment);
  } catch (err) {
    problems.push({ code: "CONFIG_INVALID", message: (err as Error).message, file: "STRATA_ENV", line: 1, col: 1 });
  }
  const files = findDefsFiles(defsDir);
  for (const file of files) {
    const folder = resolve(file, "..");
    const hasVars = TEMPLATE_VARS_FILES.some((f) => existsSync(join(folder, f)));
    const displayFile = relative(root, file);
    const r = processDefsFile(readFileSync(file, "utf8"), {
      displayFile,
      types,
      scope: (deferredEnv) => templateScope({ environment, projectRoot: root, folder, strataEnv, deferredEnv, ...(hasVars ? { vars: "opaque" as const } : {}) }),
    });
    problems.push(...r.problems);
    for (const inst of r.instances) {
      instances++;
      for (const [i, rule] of (inst.envelope.post_processing?.assets ?? []).entries()) {
        try {
          parseSelection(rule.target);
        } catch (err) {
          problems.push({ code: "COMPONENT_INVALID", message: `post_processing.assets[${i}].target: ${(err as Error).message}`, ...inst.doc.pos(["post_processing", "assets", i, "target"]) });
        }
      }
      const stale = (types as { stale?: Map<string, string> }).stale?.get(inst.envelope.type);
      if (stale) {
        problems.push({
          code: "COMPONENT_INVALID",
          severity: "warning",
          message: `The schema of "${inst.envelope.type}" may be stale: ${relative(root, stale)} changed since it was recorded`,
          ...inst.doc.pos(["type"]),
          hint: "Run `strata check defs` to refresh .strata/component-schemas.json.",
        });
      }
    }
  }
  return { files: files.map((f) => relative(root, f)), instances, problems };
}

