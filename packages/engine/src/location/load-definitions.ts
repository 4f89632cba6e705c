import { pathToFileURL } from "node:url";
import {
  StrataError,
  buildSnapshot,
  isDefinitions,
  mergeDefinitions,
  type Definitions,
  type DefinitionsSnapshot,
} from "@strata/core";
import type { ProjectConfig } from "./project.ts";

export interface LoadedDefinitions {
  defs: Definitions;
  snapshot: DefinitionsSnapshot;
}

/**
 * Imports the project's entry (TypeScript loads directly through tsx) and validates it into a
 * snapshot. Only a code-location process calls this: it runs user code.
 */
export async function loadDefinitions(project: ProjectConfig): Promise<LoadedDefinitions> {
  const parts: Definitions[] = [];
  if (project.entry !== project.defsDir) parts.push(await importEntry(project));
  if (project.defsDir) parts.push(await loadDefsFolder(project));
  const defs = parts.length === 1 ? parts[0]! : mergeDefinitions(...parts);
  try {
    return {
      defs,
      snapshot: buildSnapshot(defs, { location: project.location, root: project.root, ...(project.workspace ? { allowUnknownDeps: true } : {}) }),
    };
  } catch (err) {
    throw err instanceof StrataError ? err : importError(err, project);
  }
}

async function importEntry(project: ProjectConfig): Promise<Definitions> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(project.entry).href)) as Record<string, unknown>;
  } catch (err) {
    throw importError(err, project);
  }
  const defs = mod.default ?? mod.defs ?? mod.definitions;
  if (!isDefinitions(defs)) {
    throw new StrataError("DEFS_NO_ENTRY", `${relative(project, project.entry)} does not export definitions`, {
      where: relative(project, project.entry),
      hint: "End the file with `export default defineDefinitions({ assets: [...] })`.",
    });
  }
  return defs;
}

/**
 * Loads the `defs/` folder through `@strata/components` (resolved at run time: the engine does
 * not depend on it, the components package depends on the engine's integrations).
 */
async function loadDefsFolder(project: ProjectConfig): Promise<Definitions> {
  const specifier = "@strata/components";
  let components: { loadDefsFolder(o: { root: string; defsDir: string; location: string }): Promise<Definitions> };
  try {
    components = (await import(specifier)) as typeof components;
  } catch (err) {
    throw new StrataError("DEFS_IMPORT_FAILED", `The project has a defs/ folder but @strata/components cannot be loaded: ${(err as Error).message}`, {
      where: relative(project, project.defsDir!),
      hint: "Install strata (it brings @strata/components).",
      cause: err,
    });
  }
  try {
    return await components.loadDefsFolder({ root: project.root, defsDir: project.defsDir!, location: project.location });
  } catch (err) {
    throw importError(err, project);
  }
}

function importError(err: unknown, project: ProjectConfig): StrataError {
  if (err instanceof StrataError) {
    if (err.where) return err;
    return new StrataError(err.code, err.message, { where: userFrame(err, project), hint: err.hint, assetKey: err.assetKey });
  }
  const e = err instanceof Error ? err : new Error(String(err));
  const where = userFrame(e, project) ?? relative(project, project.entry);
  const isSyntax = e.name === "SyntaxError" || /Transform failed|Expected|Unexpected/.test(e.message);
  return new StrataError("DEFS_IMPORT_FAILED", `Loading ${relative(project, project.entry)} failed: ${firstLine(e.message)}`, {
    where,
    hint: isSyntax ? "Fix the syntax error at that location." : "The module threw while being imported; fix the error at that location.",
    cause: e,
  });
}

/** The first stack frame (or esbuild location) inside the project, as `file:line`. */
function userFrame(err: Error, project: ProjectConfig): string | undefined {
  const text = `${err.message}\n${err.stack ?? ""}`;
  const re = /(?:file:\/\/)?(\/[^\s():]+):(\d+)(?::\d+)?/g;
  for (const m of text.matchAll(re)) {
    const file = decodeURIComponent(m[1]!);
    if (file.startsWith(project.root + "/") && !file.includes("/node_modules/") && !file.includes("/.strata/")) {
      return `${relative(project, file)}:${m[2]}`;
    }
  }
  return undefined;
}

function relative(project: ProjectConfig, file: string): string {
  return file.startsWith(project.root + "/") ? file.slice(project.root.length + 1) : file;
}

/** The informative line of an error message (esbuild puts the real error after a header). */
function firstLine(s: string): string {
  const esbuild = /ERROR: (.+)/.exec(s);
  if (esbuild) return `syntax error: ${esbuild[1]!.trim()}`;
  return s.split("\n").find((l) => l.trim().length > 0)?.trim() ?? s;
}
