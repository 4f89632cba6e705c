import { runBackfill, type RunLauncher as BackfillLauncher } from "@strata/engine";
import { isFinished, type RunStatus } from "@strata/core";
import { graphOf, type DaemonContext } from "./context.ts";
import { sleep } from "./loop.ts";

/**
 * Drives backfills submitted to the daemon (REQUESTED, e.g. from the UI) and IN_PROGRESS ones
 * this daemon drove before a restart, each in the background so other loops never wait on
 * them. Chunk runs go through this daemon's run queue when its queue loop runs (so max
 * concurrent runs and tag limits apply to them, as to every other run), else they start on
 * detached workers (the run launcher); `runBackfill`'s compare-and-set chunk launches make a
 * crash or a second driver harmless.
 */
export class BackfillDriver {
  private readonly driving = new Map<string, Promise<unknown>>();

  constructor(
    private readonly ctx: DaemonContext,
    private readonly signal: AbortSignal,
    /** Whether this daemon runs the queue loop: chunk runs are then recorded QUEUED for it. */
    private readonly viaQueue = false,
  ) {}

  async tick(): Promise<void> {
    const { storage } = this.ctx;
    const mine = new Set(JSON.parse((await storage.getValue("daemon/backfills")) ?? "[]") as string[]);
    for (const b of await storage.listBackfills({ statuses: ["REQUESTED", "IN_PROGRESS", "CANCELING"] })) {
      if (this.driving.has(b.backfillId)) continue;
      if (b.status !== "REQUESTED" && !mine.has(b.backfillId)) continue; // driven by the command that created it
      mine.add(b.backfillId);
      await storage.setValue("daemon/backfills", JSON.stringify([...mine]));
      const launcher: BackfillLauncher = { run: (runId) => this.runToEnd(runId) };
      const queued = async () => this.viaQueue;
      const p = runBackfill({ storage, graph: graphOf(this.ctx), backfillId: b.backfillId, launcher, queued, signal: this.signal })
        .catch((err: unknown) => this.ctx.log(`backfill ${b.backfillId}: ${(err as Error).message}`))
        .finally(() => this.driving.delete(b.backfillId));
      this.driving.set(b.backfillId, p);
    }
  }

  private async runToEnd(runId: string): Promise<RunStatus> {
    const run = (await this.ctx.storage.getRun(runId))!;
    await this.ctx.launcher.launch(run);
    for (;;) {
      const r = await this.ctx.storage.getRun(runId);
      if (!r || isFinished(r.status)) return r?.status ?? "FAILURE";
      await sleep(1000, this.signal);
      if (this.signal.aborted) return r.status;
    }
  }
}
