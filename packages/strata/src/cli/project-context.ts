import { existsSync } from "node:fs";
import { join } from "node:path";
import { findProject, instanceDirFor, openInstance, startLocation, type Instance, type LocationHandle, type ProjectConfig } from "@strata/engine";

/** Resolves the project for a command: `--project` or the current folder (walking up). Loads `.env`. */
export function resolveProject(dir: string | undefined): ProjectConfig {
  const project = findProject(dir ?? process.cwd());
  const envFile = join(project.root, ".env");
  if (existsSync(envFile)) {
    // Values already in the environment win over the file.
    process.loadEnvFile(envFile);
  }
  return project;
}

export async function openProjectInstance(project: ProjectConfig): Promise<Instance> {
  return openInstance(instanceDirFor(project.root));
}

/** Starts the code-location process for the project (user code never runs in the CLI process). */
export async function loadLocation(project: ProjectConfig, onOutput?: (t: string) => void): Promise<LocationHandle> {
  return startLocation(project, { instanceDir: instanceDirFor(project.root), ...(onOutput ? { onOutput } : {}) });
}
