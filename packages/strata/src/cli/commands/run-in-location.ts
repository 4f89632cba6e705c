import pc from "picocolors";
import { AssetGraph, type RunStatus } from "@strata/core";
import { createRun, reapDeadRuns, type Instance, type LocationHandle, type RunRequest } from "@strata/engine";
import { hostname } from "node:os";
import { createProgressView } from "../progress.ts";
import { EXIT, colorStatus, formatDuration } from "../output.ts";

/**
 * Creates a run for `request` and executes it in the already-started code-location process,
 * with live progress. Ctrl-C cancels gracefully; a second Ctrl-C stops the worker at once.
 * Returns the process exit code.
 */
export async function runInLocation(
  instance: Instance,
  location: LocationHandle,
  request: RunRequest,
  setOutput: (fn: (t: string) => void) => void,
): Promise<number> {
  const graph = AssetGraph.fromSnapshot(location.snapshot);
  const { run, plan } = await createRun(instance.storage, graph, request);
  const checks = plan.checkKeys.length ? `, ${plan.checkKeys.length} check${plan.checkKeys.length > 1 ? "s" : ""}` : "";
  process.stdout.write(`${pc.bold("Run")} ${run.runId}: ${plan.assetKeys.length} asset${plan.assetKeys.length > 1 ? "s" : ""}${checks} in ${plan.steps.length} step${plan.steps.length > 1 ? "s" : ""}\n`);
  const view = createProgressView(plan.steps.length);
  setOutput((t) => view.onOutput(t));
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      view.onOutput(pc.yellow("Canceling the run… (press Ctrl-C again to stop it at once)\n"));
      location.cancel();
    } else {
      location.kill();
    }
  };
  process.on("SIGINT", onSigint);
  const started = Date.now();
  let status: RunStatus;
  try {
    status = await location.execute(run.runId, (e) => view.onEvent(e));
  } catch (err) {
    view.stop();
    await reapDeadRuns(instance.storage, { host: hostname() });
    const after = await instance.storage.getRun(run.runId);
    status = after?.status ?? "FAILURE";
    if (interrupts > 1 && status !== "CANCELED") {
      await instance.storage.transitionRun(run.runId, "CANCELED", {
        fromStatuses: ["STARTED", "STARTING", "CANCELING", "FAILURE"],
        fields: { endedAt: Date.now() },
        event: { runId: run.runId, type: "RUN_CANCELED", timestamp: Date.now(), level: "warn", message: "Run stopped by the user (worker killed)" },
      });
      status = "CANCELED";
    } else if (interrupts <= 1) {
      throw err;
    }
  } finally {
    process.off("SIGINT", onSigint);
  }
  view.stop();
  const events = await instance.storage.getEvents(run.runId, { types: ["STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"] });
  const count = (t: string) => events.filter((e) => e.type === t).length;
  process.stdout.write(
    `\n${colorStatus(status)} in ${formatDuration(Date.now() - started)}: ${count("STEP_SUCCESS")} succeeded, ${count("STEP_FAILURE")} failed, ${count("STEP_SKIPPED")} skipped\n` +
      pc.dim(`History: strata runs · strata logs ${run.runId}${status === "FAILURE" ? ` · strata reexecute ${run.runId} --from-failure` : ""}\n`),
  );
  return status === "SUCCESS" ? EXIT.ok : status === "CANCELED" ? EXIT.canceled : EXIT.failure;
}
