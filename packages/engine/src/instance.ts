import { mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import type { Storage } from "@strata/storage";
import { reapDeadRuns } from "./run-monitor.ts";

/**
 * A Strata instance: the folder holding run history (`strata.db`), stored outputs
 * (`storage/`) and anything else a project's runs keep. Defaults to `<project>/.strata`;
 * `STRATA_HOME` moves it.
 */
export interface Instance {
  dir: string;
  storage: Storage;
  close(): Promise<void>;
}

export function instanceDirFor(projectDir: string, environment: NodeJS.ProcessEnv = process.env): string {
  return environment.STRATA_HOME ? resolve(environment.STRATA_HOME) : join(resolve(projectDir), ".strata");
}

/**
 * Opens (creating if needed) the instance and marks runs whose worker died as failed, so no
 * run stays STARTED forever whichever Strata process looks first.
 */
export async function openInstance(dir: string, options: { reap?: boolean } = {}): Promise<Instance> {
  mkdirSync(dir, { recursive: true });
  // Imported on first use, like materialize(): projects import the engine (through `strata`), and
  // a code-location process that only sends its snapshot must not load the SQL stack.
  const { openSqliteStorage } = await import("@strata/storage");
  const storage = await openSqliteStorage(join(dir, "strata.db"));
  if (options.reap ?? true) await reapDeadRuns(storage, { host: hostname() });
  return { dir, storage, close: () => storage.close() };
}
