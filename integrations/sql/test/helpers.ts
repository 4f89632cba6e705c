import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadDbtProject, type LoadOptions } from "../src/load-project.ts";
import type { DbtProject } from "../src/project-types.ts";

export const JAFFLE = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "jaffle_shop");

const PROFILE = `p:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: ":memory:", schema: main }\n`;

/** Writes a throwaway dbt project (dbt_project.yml and profiles.yml included unless given). */
export function makeProject(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "strata-sql-"));
  const all = { "dbt_project.yml": "name: p\nprofile: p\n", "profiles.yml": PROFILE, ...files };
  for (const [rel, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

export function load(files: Record<string, string>, opts: LoadOptions = {}): DbtProject {
  return loadDbtProject(makeProject(files), opts);
}

/** Runs `fn` and returns what it threw. */
export function thrown(fn: () => unknown): Error & { code?: string; where?: string; hint?: string } {
  try {
    fn();
  } catch (e) {
    return e as Error & { code?: string; where?: string; hint?: string };
  }
  throw new Error("expected an error");
}
