import pc from "picocolors";
import { StrataError, type SerializedError } from "@strata/core";
import { runDaemon } from "@strata/daemon";
import { intervalsFromEnv } from "./daemon.ts";
import { instanceDirFor, openInstance, type Instance, type LocationState, type WorkspaceLocations } from "@strata/engine";
import { checkBinding, createApp, startServer, type StrataApp } from "@strata/server";
import { ensureWebBuild } from "@strata/web/build";
import { openLocations, resolveTarget, targetRoot } from "../project-context.ts";
import { EXIT, formatError, printError } from "../output.ts";

export interface ServeFlags {
  port?: string;
  host?: string;
  project?: string;
  readOnly?: boolean;
}

/** Something `strata dev` runs next to the server and stops on Ctrl-C (the API, HTTP, the daemon). */
export interface DevService {
  name: string;
  stop(): Promise<void>;
}

/** `strata ui`: the HTTP API and the web UI against an existing instance (no daemon, no watching). */
export function uiCommand(flags: ServeFlags): Promise<number> {
  return serveProject(flags, { watch: false });
}

/**
 * `strata dev`: the code location(s) (each reloaded when one of its source files changes), the
 * server, and the daemon's loops in this process, sharing the server's location processes.
 * At a workspace root, every location of workspace.yaml.
 */
export function devCommand(flags: ServeFlags): Promise<number> {
  return serveProject(flags, { watch: true });
}

async function serveProject(flags: ServeFlags, mode: { watch: boolean }): Promise<number> {
  const host = flags.host ?? "127.0.0.1";
  const port = parsePort(flags.port ?? "3000");
  const token = process.env.STRATA_TOKEN || undefined;
  // Checked before anything starts: a refused binding must not leave processes behind.
  checkBinding(host, token);
  const target = resolveTarget(flags.project);
  const instance = await openInstance(instanceDirFor(targetRoot(target)));
  const services: DevService[] = [];
  const locations = openLocations(target, {
    instanceDir: instance.dir,
    watch: mode.watch,
    onOutput: (t) => process.stderr.write(pc.dim(t)),
  });
  locations.subscribe(reportLocation());
  let stopping: Promise<number> | undefined;
  const stop = (code: number): Promise<number> =>
    (stopping ??= (async () => {
      process.stdout.write(pc.dim("\nStopping…\n"));
      for (const s of services.reverse()) await s.stop().catch((err: unknown) => printError(err));
      await instance.close().catch(() => undefined);
      return code;
    })());
  try {
    // The web UI is built on demand (dist is not committed): only when missing or older than its sources.
    await ensureWebBuild({ log: (l) => process.stdout.write(pc.dim(`${l}\n`)) }).catch((err: unknown) =>
      process.stderr.write(pc.yellow(`${(err as Error).message}; serving the API only\n`)),
    );
    await locations.start();
    const server = createApp({
      storage: instance.storage,
      locations,
      instanceDir: instance.dir,
      ...(token ? { token } : {}),
      readOnly: flags.readOnly ?? false,
    });
    const running = await startServer(server.app, { host, port, ...(token ? { token } : {}) });
    // Stopped in reverse order. The HTTP server first (open streams end); then the API's loops
    // are told to stop (synchronously: no backfill launches another run) while the code-location
    // processes are cancelled and killed, which lets those loops finish.
    services.push({
      name: "api",
      stop: async () => {
        const closed = server.close();
        await locations.close();
        await closed;
      },
    });
    services.push({ name: "http", stop: () => running.close() });
    // `strata dev` also runs the daemon (schedules, sensors, automation, queue, ...) in this process,
    // over the server's code locations (no process of its own; reloads reach it). Stopped first
    // on Ctrl-C: no loop launches a run while the rest shuts down.
    if (mode.watch) services.push(startDaemon(locations, instance, server.ctx.launcher));
    const shown =
      host === "0.0.0.0" || host === "::" ? running.url.replace(/\/\/[^:]+:/, "//localhost:") : running.url;
    process.stdout.write(
      `${pc.bold(mode.watch ? "Strata dev" : "Strata UI")} on ${pc.cyan(token ? `${shown}/?token=<STRATA_TOKEN>` : shown)}` +
        pc.dim(
          ` (API ${running.url}/api, instance ${instance.dir}${mode.watch ? ", watching for changes" : ""}) — Ctrl-C to stop\n`,
        ),
    );
  } catch (err) {
    services.push({ name: "locations", stop: () => locations.close() });
    await stop(EXIT.failure);
    throw err;
  }
  return new Promise<number>((resolve) => {
    const onSignal = () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      void stop(EXIT.ok).then(resolve);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

function startDaemon(locations: WorkspaceLocations, instance: Instance, runs: StrataApp["ctx"]["launcher"]): DevService {
  const ac = new AbortController();
  const log = (m: string) => process.stderr.write(pc.dim(`[daemon] ${m}\n`));
  const done = runDaemon({
    locations,
    // Runs the queue starts execute in the server's code-location processes (like runs launched
    // from the UI), so Ctrl-C stops them with everything else.
    launcher: { launch: async (run) => runs.execute(run.runId) },
    instanceDir: instance.dir,
    storage: instance.storage,
    signal: ac.signal,
    log,
    ...(process.env.STRATA_DAEMON_INTERVAL_MS ? { intervals: intervalsFromEnv(process.env.STRATA_DAEMON_INTERVAL_MS) } : {}),
  }).catch((err: unknown) => {
    // The UI keeps working without it (Overview and Deployment show the loops as not running).
    process.stderr.write(pc.yellow(`The daemon stopped: ${(err as Error).message}\n`));
  });
  return {
    name: "daemon",
    stop: async () => {
      ac.abort();
      await done;
    },
  };
}

function parsePort(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new StrataError("USAGE", `Invalid port "${text}"`, {
      hint: "Use a number from 1 to 65535 (0 picks a free port).",
    });
  return n;
}

/** Prints load results and errors as they happen (the CLI half of "a broken edit shows its error"). */
function reportLocation(): (s: LocationState) => void {
  const last = new Map<string, string>();
  return (s) => {
    const key = `${s.status}:${s.version}:${s.error?.message ?? ""}`;
    if (key === last.get(s.name) || s.status === "stopped") return;
    last.set(s.name, key);
    if (s.status === "loading") {
      if (s.version > 0 || s.error) process.stdout.write(pc.dim(`Reloading ${s.name}…\n`));
    } else if (s.status === "loaded") {
      process.stdout.write(
        `${pc.green("✓")} ${s.name}: ${s.snapshot?.assets.length ?? 0} assets, ${s.snapshot?.checks.length ?? 0} checks ${pc.dim(`(loaded in ${Math.round(s.loadMs ?? 0)} ms, version ${s.version})`)}\n`,
      );
    } else if (s.status === "error" && s.error) {
      // One write: a reader never sees the headline without the error under it.
      process.stdout.write(
        `${pc.red("✗")} ${s.name} failed to load${s.snapshot ? pc.dim(" (the UI keeps the last good definitions)") : ""}\n` +
          formatError(toError(s.error)),
      );
    }
  };
}

function toError(e: SerializedError): StrataError {
  return new StrataError(e.code as StrataError["code"], e.message, {
    ...(e.where ? { where: e.where } : {}),
    ...(e.hint ? { hint: e.hint } : {}),
  });
}
