import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { StrataError } from "@strata/core";
import { z } from "zod";
import { problemsError, type Problem } from "./problems.ts";
import { parseYamlFile } from "./yaml-source.ts";

/** One code location of a workspace: a project folder loaded in its own process. */
export interface WorkspaceLocation {
  /** Location name (workspace.yaml `name`, else the project's package name or folder name). */
  name: string;
  /** Absolute project folder. */
  root: string;
}

export interface Workspace {
  /** Folder holding workspace.yaml (the instance lives in `<root>/.strata`). */
  root: string;
  /** workspace.yaml, or package.json when declared there. */
  file: string;
  locations: WorkspaceLocation[];
}

export const WORKSPACE_FILES = ["workspace.yaml", "workspace.yml"];

const locationEntry = z.union([
  z.string().min(1),
  z.strictObject({ path: z.string().min(1), name: z.string().regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . -").optional() }),
]);
const workspaceSchema = z.strictObject({ locations: z.array(locationEntry).min(1) });

/**
 * Reads the workspace declared at `dir` exactly: `workspace.yaml`
 *
 * ```yaml
 * locations:
 *   - ingestion                       # a folder (a Strata project)
 *   - { path: teams/analytics, name: analytics }
 * ```
 *
 * or `"strata": { "workspace": ["ingestion", "analytics"] }` in package.json.
 */
export function workspaceAt(dir: string): Workspace | undefined {
  const root = resolve(dir);
  const yamlName = WORKSPACE_FILES.find((f) => existsSync(join(root, f)));
  let raw: unknown;
  let file: string;
  let problemsAt: (path: (string | number)[]) => { line: number; col: number } = () => ({ line: 1, col: 1 });
  if (yamlName) {
    file = join(root, yamlName);
    const parsed = parseYamlFile(file, readFileSync(file, "utf8"), yamlName);
    if (parsed.problems.length) throw problemsError(parsed.problems);
    const doc = parsed.docs[0];
    raw = doc?.value;
    if (doc) problemsAt = (p) => doc.pos(p);
  } else {
    const pkg = join(root, "package.json");
    if (!existsSync(pkg)) return undefined;
    let field: unknown;
    try {
      field = (JSON.parse(readFileSync(pkg, "utf8")) as { strata?: { workspace?: unknown } }).strata?.workspace;
    } catch {
      return undefined;
    }
    if (field === undefined) return undefined;
    file = pkg;
    raw = { locations: field };
  }
  const r = workspaceSchema.safeParse(raw);
  const display = relative(process.cwd(), file) || file;
  if (!r.success) {
    throw problemsError(
      r.error.issues.map((i): Problem => ({
        code: "WORKSPACE_INVALID",
        message: `${i.path.join(".") || "workspace"}: ${i.message}`,
        file: display,
        ...problemsAt(i.path as (string | number)[]),
        hint: "workspace.yaml lists code locations: `locations: [ingestion, { path: analytics, name: analytics }]`.",
      })),
    );
  }
  const seen = new Map<string, string>();
  const locations = r.data.locations.map((e, i) => {
    const path = typeof e === "string" ? e : e.path;
    const locRoot = resolve(root, path);
    if (!existsSync(locRoot) || !statSync(locRoot).isDirectory()) {
      const p = problemsAt(["locations", i]);
      throw new StrataError("WORKSPACE_INVALID", `Code location folder "${path}" does not exist`, { where: `${display}:${p.line}:${p.col}` });
    }
    const name = (typeof e === "object" && e.name) || packageName(locRoot) || basename(locRoot);
    if (seen.has(name)) {
      const p = problemsAt(["locations", i]);
      throw new StrataError("WORKSPACE_INVALID", `Two code locations are named "${name}" (${seen.get(name)} and ${path})`, {
        where: `${display}:${p.line}:${p.col}`,
        hint: "Give one of them a `name:`.",
      });
    }
    seen.set(name, path);
    return { name, root: locRoot };
  });
  return { root, file, locations };
}

function packageName(dir: string): string | undefined {
  try {
    const name = (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; strata?: { location?: string } });
    const n = name.strata?.location ?? name.name;
    return n ? n.replace(/^@/, "").replace(/[^A-Za-z0-9_.-]+/g, "_") : undefined;
  } catch {
    return undefined;
  }
}

// Combining loaded locations is the engine's (the server and daemon do it too); re-exported here.
export { combineWorkspace, planAcrossLocations, type CombinedWorkspace, type LocationLoadResult } from "@strata/engine";
