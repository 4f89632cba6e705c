import { hostname } from "node:os";
import { join } from "node:path";
import type { RunRecord } from "@strata/core";
import { spawnRunWorker, type ProjectConfig } from "@strata/engine";
import type { Storage } from "@strata/storage";
import { TAGS } from "./keys.ts";

/** Starts a worker for a run the queue moved to STARTING. */
export interface RunLauncher {
  launch(run: RunRecord): Promise<void>;
}

/**
 * One detached code-location process per run (`--execute <runId>`): workers survive a daemon
 * crash or restart, and a run's user code never shares a process with another run. Measured
 * here: ~0.6–1 s of process start + definitions load per run, negligible next to most runs; a
 * pool of warm workers would save that at the price of runs sharing processes.
 */
export class ProcessRunLauncher implements RunLauncher {
  constructor(
    private readonly storage: Storage,
    private readonly project: ProjectConfig,
    private readonly instanceDir: string,
  ) {}

  async launch(run: RunRecord): Promise<void> {
    const pid = spawnRunWorker(this.project, {
      instanceDir: this.instanceDir,
      runId: run.runId,
      logFile: join(this.instanceDir, "logs", "runs", `${run.runId}.log`),
    });
    // Lets the run monitor tell "worker still loading" from "worker lost" after a daemon restart.
    await this.storage.addRunTags(run.runId, { [TAGS.launchPid]: String(pid), [TAGS.launchHost]: hostname() });
  }
}
