import { isFinished, type RunRecord } from "@strata/core";
import { DAEMON_LAUNCH_TAG } from "@strata/engine";
import type { DaemonContext } from "./context.ts";
import { crashPoint } from "./crash.ts";
import { TAGS } from "./keys.ts";
import { planDequeue } from "./dequeue-plan.ts";
import { readQueueSettings, type QueueSettings } from "./queue-settings.ts";

/**
 * One pass of the run queue: starts the queued runs the limits allow. Each one is tagged as in
 * the daemon's custody, moved QUEUED → STARTING by compare-and-set (two daemons never both win)
 * and handed to the launcher. A crash between the CAS and the launch leaves a STARTING run
 * without a worker: the run monitor relaunches it once (the executor's STARTING → STARTED CAS
 * makes a duplicate worker a no-op). Returns how many runs were dequeued.
 */
export async function queueTick(ctx: DaemonContext, fallback: Partial<QueueSettings> = {}, launched?: Set<string>): Promise<number> {
  const { storage } = ctx;
  const queued = await heldForUpstreamParts(ctx, await storage.listRuns({ statuses: ["QUEUED"] }));
  if (queued.length === 0) return 0;
  const settings = await readQueueSettings(storage, fallback);
  const inProgress = await storage.listRuns({ statuses: ["STARTING", "STARTED", "CANCELING"] });
  let n = 0;
  for (const d of planDequeue(queued, inProgress, settings)) {
    if (!d.dequeue) continue;
    await storage.addRunTags(d.run.runId, { [DAEMON_LAUNCH_TAG]: "daemon" });
    launched?.add(d.run.runId);
    const won = await storage.transitionRun(d.run.runId, "STARTING", { fromStatuses: ["QUEUED"] });
    if (!won) continue;
    crashPoint("queue:dequeued");
    await ctx.launcher.launch({ ...d.run, status: "STARTING" });
    crashPoint("queue:launched");
    n++;
  }
  return n;
}

/**
 * The queued runs that may start: a part of a run split across code locations waits while the
 * parts it depends on (tag `strata/after_run`: their run ids, comma-separated) have not all
 * succeeded, and ends CANCELED (with the reason) when one of them did not.
 */
async function heldForUpstreamParts(ctx: DaemonContext, queued: RunRecord[]): Promise<RunRecord[]> {
  const ready: RunRecord[] = [];
  for (const run of queued) {
    const after = run.tags[TAGS.afterRun];
    if (after === undefined) {
      ready.push(run);
      continue;
    }
    const ids = after.split(",").filter(Boolean);
    const upstream = await Promise.all(ids.map((id) => ctx.storage.getRun(id)));
    const failed = upstream.findIndex((u) => !u || (isFinished(u.status) && u.status !== "SUCCESS"));
    if (failed >= 0) {
      const u = upstream[failed];
      const now = Date.now();
      await ctx.storage.transitionRun(run.runId, "CANCELED", {
        fromStatuses: ["QUEUED"],
        fields: { endedAt: now },
        event: {
          runId: run.runId,
          type: "RUN_CANCELED",
          timestamp: now,
          level: "warn",
          message: `Not run: run ${ids[failed]} of the upstream code location ${u ? `ended ${u.status}` : "no longer exists"}`,
        },
      });
    } else if (upstream.every((u) => u?.status === "SUCCESS")) ready.push(run);
  }
  return ready;
}
