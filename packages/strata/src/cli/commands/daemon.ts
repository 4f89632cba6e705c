import pc from "picocolors";
import { daemonStatus, freshnessStates, runDaemon, ALL_LOOPS, type LoopName } from "@strata/daemon";
import { StrataError } from "@strata/core";
import { instanceDirFor, openInstance } from "@strata/engine";
import { openLocations, openTargetInstance, resolveTarget, targetRoot } from "../project-context.ts";
import { formatTime, table } from "../output.ts";

/**
 * `strata daemon`: every automation loop in the foreground, for a project or every code location
 * of a workspace (each loaded in its own process, reloaded when its sources change unless
 * `--no-watch`); Ctrl-C stops cleanly.
 */
export async function daemonCommand(flags: { project?: string; loops?: string; watch?: boolean }): Promise<number> {
  const target = resolveTarget(flags.project);
  const loops = flags.loops?.split(",").map((l) => l.trim()) as LoopName[] | undefined;
  for (const l of loops ?? []) {
    if (!ALL_LOOPS.includes(l)) throw new StrataError("USAGE", `Unknown loop "${l}"`, { hint: `Use some of ${ALL_LOOPS.join(", ")}.` });
  }
  const instanceDir = instanceDirFor(targetRoot(target));
  // The daemon reaps lost runs itself (its monitor knows which STARTING runs it launched).
  const instance = await openInstance(instanceDir, { reap: false });
  const locations = openLocations(target, {
    instanceDir,
    // Reload the definitions when a source file changes (`--no-watch` turns it off).
    watch: flags.watch !== false,
    onOutput: (t) => process.stderr.write(t),
  });
  const ac = new AbortController();
  const stop = () => {
    if (ac.signal.aborted) process.exit(130);
    process.stderr.write("\nStopping the daemon (Ctrl-C again to exit at once)…\n");
    ac.abort();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  try {
    for (const s of await locations.start()) {
      if (s.status === "error") process.stderr.write(`strata daemon: code location ${s.name} failed to load (the others run): ${s.error?.message ?? "unknown error"}\n`);
    }
    if (!locations.graph()) {
      throw new StrataError("DEFS_IMPORT_FAILED", "No code location loaded, so the daemon has nothing to run", {
        hint: "Fix the errors above and start it again.",
      });
    }
    await runDaemon({
      locations,
      instanceDir,
      storage: instance.storage,
      signal: ac.signal,
      ...(loops ? { loops } : {}),
      ...(process.env.STRATA_DAEMON_INTERVAL_MS ? { intervals: intervalsFromEnv(process.env.STRATA_DAEMON_INTERVAL_MS) } : {}),
      onReady: () => process.stderr.write(`strata daemon: watching ${locations.names.join(", ")} (instance ${instanceDir}); Ctrl-C stops it.\n`),
    });
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    await locations.close();
    await instance.close();
  }
  return 0;
}

/** `STRATA_DAEMON_INTERVAL_MS=200` (every loop) or `queue=100,schedules=200`: faster loops for tests and demos. */
export function intervalsFromEnv(v: string): Partial<Record<LoopName, number>> {
  if (/^\d+$/.test(v)) return Object.fromEntries(ALL_LOOPS.map((l) => [l, Number(v)]));
  return Object.fromEntries(v.split(",").map((p) => p.split("=")).map(([k, n]) => [k!.trim(), Number(n)]));
}

/** `strata status`: daemon loops (heartbeats), queue, running runs, freshness. */
export async function statusCommand(flags: { project?: string; json?: boolean }): Promise<number> {
  const instance = await openTargetInstance(flags.project);
  try {
    const s = instance.storage;
    const now = Date.now();
    const loops = await daemonStatus(s, now);
    const queued = await s.listRuns({ statuses: ["QUEUED"] });
    const running = await s.listRuns({ statuses: ["STARTING", "STARTED", "CANCELING"] });
    const freshness = await freshnessStates(s);
    if (flags.json) {
      process.stdout.write(JSON.stringify({ loops, queued: queued.length, running: running.map((r) => ({ runId: r.runId, status: r.status })), freshness }, null, 2) + "\n");
      return 0;
    }
    const anyBeat = loops.some((l) => l.heartbeat);
    process.stdout.write(pc.bold("Daemon") + (anyBeat ? "" : pc.dim("  (never ran here: start it with `strata daemon`)")) + "\n");
    process.stdout.write(
      table(
        loops.map((l) => [
          l.loop,
          l.heartbeat ? (l.healthy ? pc.green("ok") : l.heartbeat.lastError ? pc.red("error") : pc.yellow("stale")) : pc.dim("-"),
          l.heartbeat ? `${Math.round((now - l.heartbeat.at) / 1000)} s ago` : "",
          l.heartbeat ? `${l.heartbeat.intervalMs} ms` : "",
          l.heartbeat?.lastError ? pc.red(l.heartbeat.lastError.slice(0, 80)) : "",
        ]),
        ["LOOP", "STATE", "HEARTBEAT", "INTERVAL", "LAST ERROR"],
      ) + "\n\n",
    );
    process.stdout.write(`${pc.bold("Queue")}: ${queued.length} queued, ${running.length} in progress\n`);
    for (const r of running) process.stdout.write(`  ${r.runId} ${r.status} ${r.selection.slice(0, 60)} (since ${formatTime(r.startedAt ?? r.updatedAt)})\n`);
    const fresh = Object.entries(freshness);
    if (fresh.length > 0) {
      process.stdout.write(`\n${pc.bold("Freshness")}\n`);
      const color = (st: string) => (st === "fresh" ? pc.green(st) : st === "warn" ? pc.yellow(st) : st === "fail" ? pc.red(st) : pc.dim(st));
      process.stdout.write(table(fresh.map(([k, e]) => [k, color(e.state), formatTime(e.since), e.reason]), ["ASSET", "STATE", "SINCE", "WHY"]) + "\n");
    }
    return 0;
  } finally {
    await instance.close();
  }
}
