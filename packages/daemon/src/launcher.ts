import { hostname } from "node:os";
import { join } from "node:path";
import { serializeError, type RunRecord } from "@strata/core";
import { spawnRunWorker, type ProjectConfig } from "@strata/engine";
import type { Storage } from "@strata/storage";
import { TAGS } from "./keys.ts";

/** Starts a worker for a run the queue moved to STARTING. */
export interface RunLauncher {
  launch(run: RunRecord): Promise<void>;
}

/** The project (code location) a run executes in, and its processes' environment. */
export type RunLocationResolver = (run: RunRecord) => { project: ProjectConfig; env?: NodeJS.ProcessEnv };

/**
 * One detached code-location process per run (`--execute <runId>`), started in the code
 * location that owns the run (a workspace has several): workers survive a daemon crash or
 * restart, and a run's user code never shares a process with another run. Measured here:
 * ~0.6–1 s of process start + definitions load per run, negligible next to most runs; a pool
 * of warm workers would save that at the price of runs sharing processes.
 */
export class ProcessRunLauncher implements RunLauncher {
  readonly #resolve: RunLocationResolver;

  constructor(
    private readonly storage: Storage,
    project: ProjectConfig | RunLocationResolver,
    private readonly instanceDir: string,
  ) {
    this.#resolve = typeof project === "function" ? project : () => ({ project });
  }

  async launch(run: RunRecord): Promise<void> {
    let target: ReturnType<RunLocationResolver>;
    try {
      target = this.#resolve(run);
    } catch (err) {
      // No location can execute it (its location left the workspace): it ends now, with the reason.
      const now = Date.now();
      const error = serializeError(err);
      delete error.stack;
      await this.storage.transitionRun(run.runId, "FAILURE", {
        fromStatuses: ["STARTING"],
        fields: { endedAt: now },
        event: { runId: run.runId, type: "RUN_FAILURE", timestamp: now, level: "error", message: `Run failed to start: ${error.message}`, data: { error } },
      });
      return;
    }
    const pid = spawnRunWorker(target.project, {
      instanceDir: this.instanceDir,
      runId: run.runId,
      logFile: join(this.instanceDir, "logs", "runs", `${run.runId}.log`),
      ...(target.env ? { env: target.env } : {}),
    });
    // Lets the run monitor tell "worker still loading" from "worker lost" after a daemon restart.
    await this.storage.addRunTags(run.runId, { [TAGS.launchPid]: String(pid), [TAGS.launchHost]: hostname() });
  }
}
