import { StrataError, type AssetGraph } from "@strata/core";
import { cancelBackfill, runBackfill, type BackfillOutcome } from "@strata/engine";
import type { BackfillStatus, Storage } from "@strata/storage";
import type { RunLauncher } from "./run-launcher.ts";

/**
 * Drives backfills created or resumed from the API in the background, as `strata backfill
 * create` does in the foreground: runBackfill launches chunks (crash-safe, compare-and-set),
 * each run executes in its own code-location process; while a daemon's run queue is live, chunk
 * runs are recorded QUEUED and the queue starts them within its limits. Closing pauses them (runs in flight end
 * on their own; `resume` picks them up later).
 */
export class BackfillRunner {
  readonly #active = new Map<
    string,
    { controller: AbortController; done: Promise<BackfillOutcome | undefined> }
  >();

  constructor(
    private readonly storage: Storage,
    private readonly launcher: RunLauncher,
    private readonly pollMs = 500,
  ) {}

  isActive(backfillId: string): boolean {
    return this.#active.has(backfillId);
  }

  get active(): string[] {
    return [...this.#active.keys()];
  }

  /** Starts driving a stored backfill (no-op when already driven here). */
  start(graph: AssetGraph, backfillId: string): void {
    if (this.#active.has(backfillId)) return;
    const controller = new AbortController();
    const done = runBackfill({
      storage: this.storage,
      graph,
      backfillId,
      launcher: { run: (runId) => this.launcher.run(runId) },
      // With a daemon's queue live, chunk runs wait in it like other launches.
      queued: () => this.launcher.queueLive(),
      signal: controller.signal,
      pollMs: this.pollMs,
    }).catch(async (err: unknown) => {
      await this.storage
        .transitionBackfill(backfillId, "FAILED", {
          fromStatuses: ["REQUESTED", "IN_PROGRESS"],
          error: err instanceof Error ? err.message : String(err),
        })
        .catch(() => undefined);
      return undefined;
    });
    this.#active.set(backfillId, { controller, done });
    void done.finally(() => this.#active.delete(backfillId));
  }

  /** Resumes a paused, interrupted or failed backfill. */
  async resume(graph: AssetGraph, backfillId: string): Promise<void> {
    const b = await this.storage.getBackfill(backfillId);
    if (!b)
      throw new StrataError("BACKFILL_NOT_FOUND", `No backfill ${backfillId}`, {
        hint: "List them with GET /api/backfills.",
      });
    if (["COMPLETED", "CANCELED", "CANCELING"].includes(b.status)) {
      throw new StrataError(
        "RUN_INVALID_STATE",
        `Backfill ${backfillId} is ${b.status}; there is nothing to resume`,
        {
          hint: "Create a new backfill for what is left (onlyMissing: true).",
        },
      );
    }
    this.start(graph, backfillId);
  }

  async cancel(backfillId: string): Promise<BackfillStatus> {
    const b = await this.storage.getBackfill(backfillId);
    if (!b)
      throw new StrataError("BACKFILL_NOT_FOUND", `No backfill ${backfillId}`, {
        hint: "List them with GET /api/backfills.",
      });
    if (["COMPLETED", "CANCELED"].includes(b.status))
      throw new StrataError("RUN_INVALID_STATE", `Backfill ${backfillId} already ended (${b.status})`);
    return cancelBackfill(this.storage, backfillId);
  }

  /** Waits for a backfill driven here to end (tests). */
  async wait(backfillId: string): Promise<BackfillOutcome | undefined> {
    return this.#active.get(backfillId)?.done;
  }

  /** Pauses every backfill driven here and waits for their loops to stop. */
  async close(): Promise<void> {
    for (const a of this.#active.values()) a.controller.abort();
    await Promise.all([...this.#active.values()].map((a) => a.done));
  }
}
