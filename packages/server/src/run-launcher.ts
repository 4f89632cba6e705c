import { hostname } from "node:os";
import { StrataError, isFinished, serializeError, type AssetGraph, type RunRecord } from "@strata/core";
import {
  createRun,
  reapDeadRuns,
  reexecutionRequest,
  type LocationManager,
  type RunRequest,
} from "@strata/engine";
import type { Storage } from "@strata/storage";

/**
 * Launches runs from the API without blocking the request: the run is created (validated,
 * STARTING) before the response, then executed in a code-location process in the background.
 * A worker that dies leaves no run hanging: the run is marked FAILURE with the reason.
 */
export class RunLauncher {
  readonly #inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly storage: Storage,
    private readonly locations: LocationManager,
  ) {}

  get inFlight(): string[] {
    return [...this.#inFlight.keys()];
  }

  /** Validates and records the run, starts it, returns the stored run at once. */
  async launch(graph: AssetGraph, request: RunRequest): Promise<RunRecord> {
    const { run } = await createRun(this.storage, graph, request);
    this.execute(run.runId);
    return run;
  }

  /** Re-executes a finished run: all of it, or (fromFailure) what did not materialise. */
  async reexecute(graph: AssetGraph, parent: RunRecord, fromFailure: boolean): Promise<RunRecord> {
    if (!isFinished(parent.status)) {
      throw new StrataError("RUN_INVALID_STATE", `Run ${parent.runId} is still ${parent.status}`, {
        hint: "Wait for it to end, or cancel it first.",
      });
    }
    const request: RunRequest = fromFailure
      ? await reexecutionRequest(this.storage, graph, parent)
      : {
          assetKeys: parent.assetKeys.filter((k) => graph.has(k)),
          tags: { ...parent.tags, "strata/parent_run_id": parent.runId },
          parentRunId: parent.runId,
          rootRunId: parent.rootRunId ?? parent.runId,
          selection: `re-execution of ${parent.runId}`,
          ...(parent.partitionKey !== undefined ? { partitionKey: parent.partitionKey } : {}),
        };
    if (request.assetKeys?.length === 0) {
      throw new StrataError(
        "RUN_INVALID_STATE",
        `None of run ${parent.runId}'s assets exist in the current definitions`,
      );
    }
    return this.launch(graph, request);
  }

  /** Executes a stored run in the background (also the backfill launcher's path). */
  execute(runId: string): void {
    const p = this.run(runId).then(
      () => undefined,
      () => undefined,
    );
    this.#inFlight.set(runId, p);
    void p.finally(() => this.#inFlight.delete(runId));
  }

  /** Executes a stored run; on a worker failure, makes sure the run ends FAILURE with the reason. */
  async run(runId: string): Promise<RunRecord["status"]> {
    try {
      return await this.locations.execute(runId);
    } catch (err) {
      await this.failIfStuck(runId, err);
      return (await this.storage.getRun(runId))?.status ?? "FAILURE";
    }
  }

  /**
   * Cancels a run: runs that have not started end CANCELED at once; running ones move to
   * CANCELING (their worker notices within a heartbeat) and the worker is signalled directly.
   */
  async cancel(runId: string): Promise<RunRecord> {
    const run = await this.storage.getRun(runId);
    if (!run)
      throw new StrataError("RUN_NOT_FOUND", `No run ${runId}`, { hint: "List runs with GET /api/runs." });
    if (isFinished(run.status))
      throw new StrataError("RUN_INVALID_STATE", `Run ${runId} already ended (${run.status})`);
    const now = Date.now();
    if (
      run.status === "QUEUED" ||
      run.status === "NOT_STARTED" ||
      (run.status === "STARTING" && !run.workerPid && !this.#inFlight.has(runId))
    ) {
      await this.storage.transitionRun(runId, "CANCELED", {
        fromStatuses: [run.status],
        fields: { endedAt: now },
        event: {
          runId,
          type: "RUN_CANCELED",
          timestamp: now,
          level: "warn",
          message: "Run canceled before it started",
        },
      });
    } else if (run.status !== "CANCELING") {
      await this.storage.transitionRun(runId, "CANCELING", {
        fromStatuses: ["STARTING", "STARTED"],
        event: {
          runId,
          type: "RUN_CANCELING",
          timestamp: now,
          level: "warn",
          message: "Cancellation requested from the UI",
        },
      });
      this.locations.cancel(runId);
    }
    return (await this.storage.getRun(runId))!;
  }

  /** Waits for every run launched here to end (tests; graceful shutdown). */
  async drain(): Promise<void> {
    await Promise.all([...this.#inFlight.values()]);
  }

  private async failIfStuck(runId: string, err: unknown): Promise<void> {
    await reapDeadRuns(this.storage, { host: hostname() }).catch(() => undefined);
    const run = await this.storage.getRun(runId);
    if (!run || isFinished(run.status)) return;
    const now = Date.now();
    const error = serializeError(err);
    delete error.stack;
    await this.storage
      .transitionRun(runId, "FAILURE", {
        fromStatuses: [run.status],
        fields: { endedAt: now },
        event: {
          runId,
          type: "RUN_FAILURE",
          timestamp: now,
          level: "error",
          message: `Run failed to execute: ${error.message}`,
          data: { error, lostWorker: true },
        },
      })
      .catch(() => undefined);
  }
}
