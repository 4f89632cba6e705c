import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { StrataError } from "@strata/core";
import { z } from "zod";
import { isComponentType, type ComponentType } from "./component.ts";
import type { JsonSchema } from "./json-schema-check.ts";
import { importFailure } from "./import-error.ts";
import { hoistDefs } from "./json-schema-defs.ts";
import { issueDetails, type AttributeIssue, type TypeLookup, type TypeValidator } from "./process-defs-file.ts";

/** A registered type and where it came from. */
export interface RegisteredType {
  component: ComponentType;
  /** `builtin`, `package:<name>` or `project`. */
  source: string;
  /** Module that exports it (absolute), when not built in. */
  file?: string;
}

/** What `strata list components` prints and `.strata/component-schemas.json` stores. */
export interface ComponentTypeInfo {
  type: string;
  description: string;
  source: string;
  file?: string;
  /** Modification time of `file` when the schema was generated (staleness check). */
  mtimeMs?: number;
  schema: JsonSchema;
  example?: Record<string, unknown>;
}

/** The JSON Schema of a type's attributes (what YAML authors write: defaults optional). */
export function attributesJsonSchema(component: ComponentType): JsonSchema {
  return hoistDefs(z.toJSONSchema(component.attributes, { unrepresentable: "any", io: "input", target: "draft-2020-12" }) as JsonSchema);
}

/** Validates attributes with the type's zod schema (in a process that loaded the type). */
export function zodValidator(component: ComponentType): TypeValidator {
  return {
    type: component.type,
    validate(value) {
      const r = component.attributes.safeParse(value);
      if (r.success) return { ok: true, value: r.data };
      return {
        ok: false,
        issues: r.error.issues.map((i): AttributeIssue => ({
          path: i.path.filter((p): p is string | number => typeof p !== "symbol"),
          message: i.message,
          ...(i.code === "unrecognized_keys" ? { keys: i.keys } : {}),
          ...(i.code === "custom" ? issueDetails(i.params) : {}),
        })),
      };
    },
  };
}

/**
 * The component types a project can use: Strata's built-ins, types exported by packages that
 * declare `"strata": { "components": "<module>" }` in their package.json (when the project
 * depends on them), and the project's own (`components/` folder, or `"strata": { "components":
 * [...] }` in its package.json). A type name registered twice is an error naming both modules.
 */
export class ComponentRegistry implements TypeLookup {
  private readonly byType = new Map<string, RegisteredType>();

  constructor(entries: Iterable<RegisteredType>) {
    for (const e of entries) this.add(e);
  }

  add(e: RegisteredType): void {
    const prev = this.byType.get(e.component.type);
    if (prev && prev.component !== e.component) {
      throw new StrataError("COMPONENT_INVALID", `Component type "${e.component.type}" is registered twice`, {
        where: e.file ?? e.source,
        hint: `Also registered by ${prev.file ?? prev.source}. Rename one of them.`,
      });
    }
    this.byType.set(e.component.type, e);
  }

  get(type: string): TypeValidator | undefined {
    const e = this.byType.get(type);
    return e ? zodValidator(e.component) : undefined;
  }

  component(type: string): ComponentType | undefined {
    return this.byType.get(type)?.component;
  }

  names(): string[] {
    return [...this.byType.keys()].sort();
  }

  list(): RegisteredType[] {
    return [...this.byType.values()].sort((a, b) => a.component.type.localeCompare(b.component.type));
  }

  /** Info (with JSON Schemas) of every type, for listings and the schema snapshot. */
  info(): ComponentTypeInfo[] {
    return this.list().map((e) => ({
      type: e.component.type,
      description: e.component.description,
      source: e.source,
      ...(e.file ? { file: e.file, mtimeMs: safeMtime(e.file) } : {}),
      schema: attributesJsonSchema(e.component),
      ...(e.component.example ? { example: e.component.example } : {}),
    }));
  }
}

const safeMtime = (f: string): number => {
  try {
    return statSync(f).mtimeMs;
  } catch {
    return 0;
  }
};

const MODULE_EXT = /\.(ts|mts|js|mjs)$/;
const SKIP = /\.(test|spec)\.[cm]?[jt]s$|\.d\.ts$/;

interface StrataPackageField {
  components?: string | string[];
}

function readPackage(dir: string): { name?: string; strata?: unknown; dependencies?: Record<string, string>; devDependencies?: Record<string, string> } | undefined {
  const p = join(dir, "package.json");
  if (!existsSync(p)) return undefined;
  try {
    return JSON.parse(readFileSync(p, "utf8")) as ReturnType<typeof readPackage>;
  } catch (err) {
    throw new StrataError("CONFIG_INVALID", `${p} is not valid JSON: ${(err as Error).message}`, { where: p });
  }
}

const componentsField = (strata: unknown): string[] => {
  if (typeof strata !== "object" || strata === null) return [];
  const c = (strata as StrataPackageField).components;
  return typeof c === "string" ? [c] : Array.isArray(c) ? c.filter((x): x is string => typeof x === "string") : [];
};

/** Modules of the project that may export component types (no code is imported here). */
export function projectComponentModules(root: string): string[] {
  const out: string[] = [];
  const folder = join(root, "components");
  if (existsSync(folder) && statSync(folder).isDirectory()) out.push(...listModules(folder));
  for (const rel of componentsField(readPackage(root)?.strata)) {
    const p = resolve(root, rel);
    if (!existsSync(p)) {
      throw new StrataError("CONFIG_INVALID", `package.json "strata.components" names ${rel}, which does not exist`, {
        where: join(root, "package.json"),
      });
    }
    out.push(...(statSync(p).isDirectory() ? listModules(p) : [p]));
  }
  return [...new Set(out)];
}

function listModules(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory() && !e.name.startsWith(".") && e.name !== "node_modules") out.push(...listModules(p));
    else if (e.isFile() && MODULE_EXT.test(e.name) && !SKIP.test(e.name)) out.push(p);
  }
  return out;
}

/** Packages the project depends on that declare component modules: `{ name, modules }`. */
export function packageComponentModules(root: string): { name: string; modules: string[] }[] {
  const pkg = readPackage(root);
  const deps = Object.keys({ ...(pkg?.dependencies ?? {}), ...(pkg?.devDependencies ?? {}) }).sort();
  const out: { name: string; modules: string[] }[] = [];
  for (const name of deps) {
    const dir = findPackageDir(root, name);
    if (!dir) continue;
    const mods = componentsField(readPackage(dir)?.strata).map((m) => resolve(dir, m));
    if (mods.length) out.push({ name, modules: mods });
  }
  return out;
}

function findPackageDir(from: string, name: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    const p = join(dir, "node_modules", name);
    if (existsSync(join(p, "package.json"))) return p;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Imports a module and returns the component types it exports (default and named). */
export async function importComponentTypes(file: string, root: string): Promise<ComponentType[]> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw importFailure(err, file, root, "Loading component module");
  }
  return [...new Set(Object.values(mod).filter(isComponentType))];
}

/**
 * Builds the registry of a project: imports the component modules (user code: only code-location
 * processes, and `strata list components`, call this).
 */
export async function loadRegistry(root: string, builtins: readonly ComponentType[]): Promise<ComponentRegistry> {
  const registry = new ComponentRegistry(builtins.map((component) => ({ component, source: "builtin" })));
  for (const { name, modules } of packageComponentModules(root)) {
    for (const file of modules) {
      for (const component of await importComponentTypes(file, root)) registry.add({ component, source: `package:${name}`, file });
    }
  }
  for (const file of projectComponentModules(root)) {
    const types = await importComponentTypes(file, root);
    for (const component of types) registry.add({ component, source: "project", file });
  }
  return registry;
}
