/**
 * Stopping runs from outside, end to end: `strata runs cancel` from a second process, Ctrl-C
 * (SIGINT) to `strata materialize`, and a worker killed with SIGKILL — which must never leave a
 * run STARTED forever.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { RunRecord } from "@strata/core";
import { makeProject, waitUntil, type CliProcess, type TempProject } from "../helpers/run-cli.ts";

// Each CLI call starts Node processes: generous limits for a busy 2-core machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

// `slow` reports its worker pid, then waits until it is canceled (or 60 s).
const CONFIG = `import { asset, defineDefinitions } from "strata";

export const slow = asset({ name: "slow" }, (ctx) => {
  ctx.log.info("slow started", { pid: process.pid });
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, 60_000);
    ctx.signal.addEventListener("abort", () => {
      clearTimeout(t);
      ctx.log.warn("slow saw the abort signal");
      reject(new Error("aborted"));
    });
  });
});

export const after = asset({ name: "after_slow", deps: [slow] }, (ctx) => {
  ctx.log.info("after_slow ran");
});

export default defineDefinitions({ assets: [slow, after] });
`;

let p: TempProject;
beforeAll(() => {
  p = makeProject({ "strata.config.ts": CONFIG }, { name: "cancel" });
});
afterAll(() => p?.cleanup());

/** Starts `strata materialize` and waits until `slow` is running; returns run id and worker pid. */
async function startSlowRun(options: { detached?: boolean } = {}): Promise<{ proc: CliProcess; runId: string; workerPid: number }> {
  const proc = p.start(["materialize"], { timeoutMs: 90_000, ...options });
  const [, runId] = await proc.waitFor(/^Run (\w+):/m, 60_000);
  const [, pid] = await proc.waitFor(/slow started \{"pid":(\d+)\}/, 60_000);
  return { proc, runId: runId!, workerPid: Number(pid) };
}

const runStatus = async (runId: string) => {
  const r = await p.run(["runs", "--json"]);
  expect(r.code, r.output).toBe(0);
  return (JSON.parse(r.stdout) as RunRecord[]).find((x) => x.runId === runId);
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// The four scenarios use separate runs of the same project, so they run at once.
describe.concurrent("stopping runs", () => {
  it("`strata runs cancel` from a second process: the run ends CANCELED, in-flight step aborted, downstream not run", async () => {
    const { proc, runId } = await startSlowRun();
    const cancel = await p.run(["runs", "cancel", runId]);
    expect(cancel.code, cancel.output).toBe(0);
    expect(cancel.stdout).toContain("CANCELING");

    const r = await proc.done;
    expect(r.code, r.output).toBe(130);
    expect(r.stdout).toMatch(/CANCELED in /);
    expect(r.stdout).toContain("slow saw the abort signal");
    expect(r.stdout).not.toContain("after_slow ran");
    const run = await runStatus(runId);
    expect(run?.status).toBe("CANCELED");

    // Canceling a finished run is an error, not a silent success.
    const again = await p.run(["runs", "cancel", runId]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/error\[RUN_INVALID_STATE\].*already ended \(CANCELED\)/);
  });

  it("Ctrl-C (SIGINT to the process group, as a terminal sends it): the run ends CANCELED and the CLI exits 130", async () => {
    const { proc, runId, workerPid } = await startSlowRun({ detached: true });
    // The CLI and its worker both receive it, as they would from a terminal.
    process.kill(-proc.child.pid!, "SIGINT");
    const r = await proc.done;
    expect(r.code, r.output).toBe(130);
    expect(r.stdout).toContain("Canceling the run");
    expect(r.stdout).toContain("slow saw the abort signal");
    expect(r.stdout).not.toContain("after_slow ran");
    expect((await runStatus(runId))?.status).toBe("CANCELED");
    await waitUntil(() => !alive(workerPid), 10_000);
  });

  it("kill -9 of the worker mid-run: the CLI reports it and the run is FAILURE, not STARTED", async () => {
    const { proc, runId, workerPid } = await startSlowRun();
    process.kill(workerPid, "SIGKILL");
    const r = await proc.done;
    expect(r.code, r.output).toBe(1);
    expect(r.stderr).toMatch(/error\[INTERNAL\] The run worker exited unexpectedly \(SIGKILL\)/);
    const run = await runStatus(runId);
    expect(run?.status).toBe("FAILURE");
  });

  it("kill -9 of the CLI and its worker: the next `strata runs` shows the run FAILURE", async () => {
    const { proc, runId, workerPid } = await startSlowRun();
    proc.child.kill("SIGKILL");
    process.kill(workerPid, "SIGKILL");
    await proc.done;
    await waitUntil(() => !alive(workerPid), 10_000);

    const r = await p.run(["runs"]);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${runId}\\s+FAILURE`));
    const logs = await p.run(["logs", runId, "--level", "error"]);
    expect(logs.stdout).toMatch(/RUN_FAILURE\s+Run marked FAILURE because its worker process \(pid \d+\) is no longer running/);
  });
});
