import { hostname } from "node:os";
import { StrataError, isFinished, selectAssets, serializeError, type AssetGraph, type RunRecord } from "@strata/core";
import {
  createRun,
  partsDownstreamOf,
  reapDeadRuns,
  reexecutionRequest,
  upstreamParts,
  type RunRequest,
  type WorkspaceLocations,
} from "@strata/engine";
import type { Storage } from "@strata/storage";
import { TAGS } from "@strata/daemon";

/**
 * Launches runs from the API without blocking the request: the run is created (validated,
 * STARTING) before the response, then executed in a code-location process in the background.
 * A worker that dies leaves no run hanging: the run is marked FAILURE with the reason.
 *
 * When a daemon's run queue is live (`strata dev`, or `strata daemon` next to `strata ui`), a
 * run is recorded QUEUED and the queue starts it within its limits.
 *
 * In a workspace a selection spanning code locations becomes one run per location (as
 * `strata materialize` does), all recorded before the response: the first STARTING, the others
 * NOT_STARTED until the locations they depend on succeeded. A part downstream of a failed one
 * ends CANCELED with the reason; independent parts still run. With the queue live, every part
 * is recorded QUEUED instead, tagged `strata/after_run` with the parts it depends on: the queue
 * holds it until those succeeded (and cancels it, with the reason, if one did not), as it does
 * for the daemon's own split runs.
 */
export class RunLauncher {
  readonly #inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly storage: Storage,
    private readonly locations: WorkspaceLocations,
    /**
     * Whether a daemon's run queue is live: launches of one location are then recorded QUEUED
     * and started by the queue within its limits (max concurrent runs, tag limits), as Dagster's
     * queued run coordinator does; otherwise they start at once.
     */
    readonly queueLive: () => Promise<boolean> = async () => false,
  ) {}

  get inFlight(): string[] {
    return [...this.#inFlight.keys()];
  }

  /** Validates and records the run(s), starts them, returns the stored runs (in execution order) at once. */
  async launch(graph: AssetGraph, request: RunRequest): Promise<RunRecord[]> {
    if (!this.locations.isWorkspace) return [await this.launchOne(graph, request)];
    const keys = request.assetKeys ?? [...(request.selection ? selectAssets(request.selection, graph) : graph.keys())];
    if (keys.length === 0) {
      throw new StrataError("SELECTION_EMPTY", request.selection ? `The selection "${request.selection}" matches no assets` : "The workspace defines no assets", {
        hint: "GET /api/assets lists the asset keys, groups and tags you can select.",
      });
    }
    const unknown = keys.find((k) => !graph.has(k));
    if (unknown !== undefined) throw new StrataError("SELECTION_EMPTY", `Unknown asset "${unknown}"`, { hint: "GET /api/assets lists the asset keys." });
    const parts = this.locations.plan(keys);
    // Every part's location must be able to run before anything is recorded.
    const graphs = parts.map((p) => this.locations.graphOf(p.location));
    if (parts.length === 1) return [await this.launchOne(graphs[0]!, { ...request, assetKeys: parts[0]!.keys })];
    const queued = await this.queueLive();
    const waitsFor = queued ? upstreamParts(graph, parts) : [];
    const runs: RunRecord[] = [];
    for (const [i, part] of parts.entries()) {
      const after = (waitsFor[i] ?? []).map((j) => runs[j]!.runId);
      const { run } = await createRun(this.storage, graphs[i]!, {
        ...request,
        assetKeys: part.keys,
        tags: {
          ...request.tags,
          [TAGS.workspacePart]: `${i + 1}/${parts.length}`,
          ...(after.length > 0 ? { [TAGS.afterRun]: after.join(",") } : {}),
        },
        checkKeys: undefined,
        ...(queued ? { queued: true } : {}),
      });
      if (!queued && i > 0) await this.storage.transitionRun(run.runId, "NOT_STARTED", { fromStatuses: ["STARTING"] });
      runs.push((await this.storage.getRun(run.runId)) ?? run);
    }
    if (!queued) this.track(`parts:${runs[0]!.runId}`, this.runParts(graph, parts, runs));
    return runs;
  }

  /** One run: QUEUED for the daemon's queue when it is live, else executed at once. */
  private async launchOne(graph: AssetGraph, request: RunRequest): Promise<RunRecord> {
    const queued = await this.queueLive();
    const { run } = await createRun(this.storage, graph, { ...request, ...(queued ? { queued: true } : {}) });
    if (!queued) this.execute(run.runId);
    return run;
  }

  /** Runs one part after another; a part downstream of one that did not succeed is canceled with the reason. */
  private async runParts(graph: AssetGraph, parts: { location: string; keys: string[] }[], runs: RunRecord[]): Promise<void> {
    const skipped = new Map<string, string>();
    for (const [i, run] of runs.entries()) {
      const location = parts[i]!.location;
      const reason = skipped.get(location);
      if (reason !== undefined) {
        await this.endUnstarted(run.runId, reason);
        continue;
      }
      let status: RunRecord["status"];
      if (i === 0) status = await this.run(run.runId);
      else {
        const current = await this.storage.getRun(run.runId);
        status = current?.status === "NOT_STARTED" ? await this.run(run.runId) : (current?.status ?? "FAILURE");
      }
      if (status === "SUCCESS") continue;
      for (const l of partsDownstreamOf(graph, parts, location)) {
        if (!skipped.has(l)) skipped.set(l, `Not run: run ${run.runId} of upstream code location "${location}" ended ${status}`);
      }
    }
  }

  private async endUnstarted(runId: string, message: string): Promise<void> {
    const now = Date.now();
    await this.storage.transitionRun(runId, "CANCELED", {
      fromStatuses: ["NOT_STARTED"],
      fields: { endedAt: now },
      event: { runId, type: "RUN_CANCELED", timestamp: now, level: "warn", message },
    });
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
    return (await this.launch(graph, request))[0]!;
  }

  /** Executes a stored run in the background (also the backfill launcher's path). */
  execute(runId: string): void {
    this.track(runId, this.run(runId));
  }

  private track(id: string, work: Promise<unknown>): void {
    const p = work.then(
      () => undefined,
      () => undefined,
    );
    this.#inFlight.set(id, p);
    void p.finally(() => this.#inFlight.delete(id));
  }

  /** Executes a stored run in the location that owns it; on a worker failure, makes sure the run ends FAILURE with the reason. */
  async run(runId: string): Promise<RunRecord["status"]> {
    try {
      const run = await this.storage.getRun(runId);
      if (!run) throw new StrataError("RUN_NOT_FOUND", `No run ${runId}`);
      return await this.locations.execute(run);
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
