import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { StrataError } from "@strata/core";

/** Where a project's definitions come from. */
export interface ProjectConfig {
  /** Project folder (holds the entry, `.strata/`, `.env`). */
  root: string;
  /** Absolute path of the module whose default export is the definitions. */
  entry: string;
  /** Code location name (package name or folder name). */
  location: string;
  /**
   * The project's `defs/` folder (components in YAML, plain `.ts` definitions), loaded
   * automatically next to the entry. A project with only `defs/` has `entry === defsDir`.
   */
  defsDir?: string;
  /**
   * Set for a code location of a workspace: its assets may depend on keys other locations
   * define (the workspace validates those deps across locations).
   */
  workspace?: boolean;
}

const ENTRY_FILES = ["strata.config.ts", "strata.config.mts", "strata.config.js", "strata.config.mjs"];

/**
 * Finds the project containing `start` (walking up): a `strata.config.ts`, a package.json
 * with `"strata": { "entry": "src/defs.ts" }` (or `"strata": "src/defs.ts"`), or a package.json
 * next to a `defs/` folder. A `defs/` folder is loaded in addition to the entry unless
 * package.json says `"strata": { "defs": false }` (then load it yourself with `loadDefsFolder`).
 */
export function findProject(start: string): ProjectConfig {
  let dir = resolve(start);
  for (;;) {
    const found = projectAt(dir);
    if (found) return found;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new StrataError("DEFS_NO_ENTRY", `No Strata project found in ${resolve(start)} or its parents`, {
    hint: 'Create strata.config.ts (export default defineDefinitions({...})), add "strata": { "entry": "..." } to package.json, or run `strata init <dir>`.',
  });
}

/** The project whose root is exactly `dir`, if any (no walking up). */
export function projectAt(dir: string): ProjectConfig | undefined {
  const found = entryProjectAt(dir);
  const pkgPath = join(dir, "package.json");
  const defsDir = join(dir, "defs");
  if (!existsSync(defsDir) || !statSync(defsDir).isDirectory()) return found;
  if (found) return strataField(dir)?.defs === false ? found : { ...found, defsDir };
  if (!existsSync(pkgPath)) return undefined;
  const field = strataField(dir);
  if (field?.defs === false) return undefined;
  const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as { name?: string };
  return { root: dir, entry: defsDir, location: sanitizeLocation(field?.location ?? pkg.name ?? basename(dir)), defsDir };
}

function strataField(dir: string): { entry?: string; location?: string; defs?: boolean } | undefined {
  const pkgPath = join(dir, "package.json");
  if (!existsSync(pkgPath)) return undefined;
  try {
    const field = (JSON.parse(readFileSync(pkgPath, "utf8")) as { strata?: unknown }).strata;
    return typeof field === "object" && field !== null ? (field as { entry?: string; location?: string; defs?: boolean }) : undefined;
  } catch {
    return undefined;
  }
}

function entryProjectAt(dir: string): ProjectConfig | undefined {
  const pkgPath = join(dir, "package.json");
  let pkg: { name?: string; strata?: string | { entry?: string; location?: string } } | undefined;
  if (existsSync(pkgPath)) {
    try {
      pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as typeof pkg;
    } catch (err) {
      throw new StrataError("DEFS_INVALID", `${pkgPath} is not valid JSON: ${(err as Error).message}`, { where: pkgPath });
    }
  }
  const field = pkg?.strata;
  const declared = typeof field === "string" ? field : field?.entry;
  const location = (typeof field === "object" ? field.location : undefined) ?? pkg?.name ?? basename(dir);
  if (declared) {
    const entry = resolve(dir, declared);
    if (!existsSync(entry)) {
      throw new StrataError("DEFS_NO_ENTRY", `package.json names the Strata entry "${declared}", which does not exist`, {
        where: pkgPath,
        hint: "Fix the path in the \"strata\" field of package.json.",
      });
    }
    return { root: dir, entry, location: sanitizeLocation(location) };
  }
  for (const f of ENTRY_FILES) {
    if (existsSync(join(dir, f))) return { root: dir, entry: join(dir, f), location: sanitizeLocation(location) };
  }
  return undefined;
}

export function sanitizeLocation(name: string): string {
  return name.replace(/^@/, "").replace(/[^A-Za-z0-9_.-]+/g, "_");
}
