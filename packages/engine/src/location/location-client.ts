import { fork, spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  StrataError,
  deserializeError,
  type DefinitionsSnapshot,
  type RunStatus,
  type SensorResult,
  type SerializedError,
  type StrataEvent,
} from "@strata/core";
import type { ProjectConfig } from "./project.ts";
import { parseChildMessage, type ChildMessage, type ParentMessage } from "./protocol.ts";

// The engine's own folder, found the same way whether this code runs from src/ or from a bundle.
const ENGINE_DIR = dirname(fileURLToPath(import.meta.resolve("@strata/engine/package.json")));
/** "dist" when the CLI runs from prebuilt bundles (packages/strata/bin/strata.mjs decides). */
const DIST = process.env.STRATA_RUNTIME === "dist";
const ENTRY = DIST ? join(ENGINE_DIR, "dist", "location-process.mjs") : join(ENGINE_DIR, "src", "location", "location-process.ts");
const PRELOAD = pathToFileURL(join(ENGINE_DIR, "src", "location", "preload.mjs")).href;

/** Node flags that let a child load TypeScript and find `strata` even when the project lacks it. */
export const CHILD_EXEC_ARGV = [...(DIST ? ["--conditions=strata-dist"] : []), "--import", PRELOAD];

/**
 * V8's young generation may grow to 2 × 16 MB, and a process answering sensors every second
 * keeps it there: ~25 MB of its ~150 MB idle RSS. Capped at 2 × 4 MB for the processes
 * {@link startLocation} starts (the daemon's, `strata dev`'s and worker pools' long-lived ones;
 * ~10% more CPU per sensor evaluation); detached one-run workers keep the default.
 */
const LONG_LIVED_EXEC_ARGV = ["--max-semi-space-size=4", ...CHILD_EXEC_ARGV];

export interface LocationHandle {
  readonly snapshot: DefinitionsSnapshot;
  readonly loadMs: number;
  readonly pid: number;
  /** Executes a run (already created in storage) in the child; resolves with its final status. */
  execute(runId: string, onEvent?: (e: StrataEvent) => void): Promise<RunStatus>;
  /**
   * Evaluates a sensor in the child (user code). Rejects with `SENSOR_TIMEOUT`-style USER_CODE
   * error after `timeoutMs`; the caller should then kill this process (a sensor stuck in a loop
   * blocks it) and start a new one.
   */
  evaluateSensor(request: { name: string; cursor?: string; lastTickAt?: number; now: number }, timeoutMs: number): Promise<SensorResult>;
  /**
   * Evaluates a schedule's partition function (user code) for the tick at `scheduledAt`:
   * its partition key(s). Times out like `evaluateSensor` (then kill this process).
   */
  evaluateSchedule(request: { name: string; scheduledAt: number }, timeoutMs: number): Promise<string[]>;
  /** Asks the child to cancel the run gracefully. */
  cancel(): void;
  /** Kills the child at once. */
  kill(): void;
  close(): void;
}

export interface StartLocationOptions {
  instanceDir: string;
  env?: NodeJS.ProcessEnv;
  /** Receives what user code prints (stdout and stderr of the child). */
  onOutput?: (text: string) => void;
  /**
   * Run the child in its own process group, so Ctrl-C in the parent's terminal does not reach
   * it (backfill workers finish their run when the backfill command is interrupted).
   */
  detached?: boolean;
}

/**
 * Starts a code-location process for `project` and waits for its snapshot. A project that
 * fails to load rejects with the child's StrataError (code, where, hint) — the parent never
 * imports user code, so a broken module can't take it down.
 */
export function startLocation(project: ProjectConfig, options: StartLocationOptions): Promise<LocationHandle> {
  const child = fork(
    ENTRY,
    [
      "--root", project.root, "--entry", project.entry, "--location", project.location, "--instance", options.instanceDir,
      ...(project.defsDir ? ["--defs", project.defsDir] : []),
      ...(project.workspace ? ["--workspace"] : []),
    ],
    {
      execArgv: LONG_LIVED_EXEC_ARGV,
      cwd: project.root,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "advanced",
      detached: options.detached ?? false,
    },
  );
  const out = options.onOutput ?? ((t: string) => process.stderr.write(t));
  child.stdout?.setEncoding("utf8").on("data", out);
  child.stderr?.setEncoding("utf8").on("data", out);

  return new Promise((resolve, reject) => {
    let settled = false;
    const onExit = (code: number | null, signal: string | null) => {
      if (settled) return;
      settled = true;
      reject(new StrataError("DEFS_IMPORT_FAILED", `The code-location process exited before loading (code ${code ?? signal})`, {
        hint: "Its output above says why.",
      }));
    };
    child.once("exit", onExit);
    child.on("message", function onFirst(raw) {
      const msg = safeParse(raw);
      if (!msg || settled) return;
      if (msg.type === "snapshot") {
        settled = true;
        child.off("message", onFirst);
        child.off("exit", onExit);
        resolve(handle(child, msg.snapshot, msg.loadMs));
      } else if (msg.type === "load_error" || msg.type === "fatal") {
        settled = true;
        child.off("exit", onExit);
        child.kill();
        reject(deserializeError(msg.error));
      }
    });
  });
}

let userCodeRequests = 0;

/**
 * Starts a run worker that outlives its parent: a detached code-location process executing
 * `runId` (`--execute`), its output appended to `logFile`. The executor's compare-and-set
 * (STARTING → STARTED) makes a second worker for the same run exit without executing it.
 * Returns the worker's pid.
 */
export function spawnRunWorker(project: ProjectConfig, options: { instanceDir: string; runId: string; logFile: string; env?: NodeJS.ProcessEnv }): number {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const fd = openSync(options.logFile, "a");
  try {
    const child = spawn(
      process.execPath,
      [
        ...CHILD_EXEC_ARGV, ENTRY,
        "--root", project.root, "--entry", project.entry, "--location", project.location, "--instance", options.instanceDir,
        "--execute", options.runId,
        ...(project.defsDir ? ["--defs", project.defsDir] : []),
        ...(project.workspace ? ["--workspace"] : []),
      ],
      { cwd: project.root, env: options.env ?? process.env, stdio: ["ignore", fd, fd], detached: true },
    );
    child.unref();
    return child.pid ?? -1;
  } finally {
    closeSync(fd);
  }
}

function handle(child: ChildProcess, snapshot: DefinitionsSnapshot, loadMs: number): LocationHandle {
  // Concurrent sensor evaluations each listen for their reply.
  child.setMaxListeners(0);
  const send = (m: ParentMessage) => {
    // The child may disconnect between the check and the write (it does after each run):
    // with a callback, a failed write (EPIPE) is reported there instead of crashing the parent.
    if (child.connected) child.send(m, () => undefined);
  };
  /** Sends a request for user code to the child and waits for its reply (matched by requestId). */
  const userCode = <T>(
    what: string,
    timeoutHint: string,
    during: string,
    timeoutMs: number,
    request: (requestId: string) => ParentMessage,
    reply: (msg: ChildMessage) => { error: SerializedError | undefined; value: T | undefined } | undefined,
  ): Promise<T> => {
    const requestId = `u${++userCodeRequests}`;
    return new Promise<T>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        child.off("message", onMessage);
        child.off("exit", onExit);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new StrataError("USER_CODE", `${what} did not finish within ${Math.round(timeoutMs / 1000)} s`, { hint: timeoutHint }));
      }, timeoutMs);
      const onMessage = (raw: unknown) => {
        const msg = safeParse(raw);
        const r = msg && (msg as { requestId?: string }).requestId === requestId ? reply(msg) : undefined;
        if (!r) return;
        cleanup();
        if (r.error) reject(deserializeError(r.error));
        else if (r.value !== undefined) resolve(r.value);
        else reject(new StrataError("INTERNAL", `${what}: the code location sent neither a result nor an error`));
      };
      const onExit = (code: number | null, signal: string | null) => {
        cleanup();
        reject(new StrataError("USER_CODE", `The code-location process exited while evaluating ${during} (${signal ?? `code ${code}`})`));
      };
      child.on("message", onMessage);
      child.once("exit", onExit);
      send(request(requestId));
    });
  };
  return {
    snapshot,
    loadMs,
    pid: child.pid ?? -1,
    execute(runId, onEvent) {
      return new Promise<RunStatus>((resolve, reject) => {
        const cleanup = () => {
          child.off("message", onMessage);
          child.off("exit", onExit);
        };
        const onMessage = (raw: unknown) => {
          const msg = safeParse(raw);
          if (!msg) return;
          if (msg.type === "event") onEvent?.(msg.event);
          else if (msg.type === "run_finished" && msg.runId === runId) {
            cleanup();
            resolve(msg.status);
          } else if (msg.type === "fatal") {
            cleanup();
            reject(deserializeError(msg.error));
          }
        };
        const onExit = (code: number | null, signal: string | null) => {
          cleanup();
          reject(new StrataError("INTERNAL", `The run worker exited unexpectedly (${signal ?? `code ${code}`})`, {
            hint: "Its output above may say why; the run has been marked failed.",
          }));
        };
        child.on("message", onMessage);
        child.once("exit", onExit);
        send({ type: "execute", runId });
      });
    },
    evaluateSensor(request, timeoutMs) {
      return userCode<SensorResult>(
        `Sensor "${request.name}"`,
        "Make the sensor faster (narrow queries, fewer files), or raise its timeoutSeconds.",
        `sensor "${request.name}"`,
        timeoutMs,
        (requestId) => ({
          type: "evaluate_sensor",
          requestId,
          name: request.name,
          now: request.now,
          ...(request.cursor !== undefined ? { cursor: request.cursor } : {}),
          ...(request.lastTickAt !== undefined ? { lastTickAt: request.lastTickAt } : {}),
        }),
        (msg) => (msg.type === "sensor_result" ? { error: msg.error, value: msg.result } : undefined),
      );
    },
    evaluateSchedule(request, timeoutMs) {
      return userCode<string[]>(
        `The partition function of schedule "${request.name}"`,
        "Make the partition function faster (it runs on every tick).",
        `the partition function of schedule "${request.name}"`,
        timeoutMs,
        (requestId) => ({ type: "evaluate_schedule", requestId, name: request.name, scheduledAt: request.scheduledAt }),
        (msg) => (msg.type === "schedule_result" ? { error: msg.error, value: msg.partitionKeys } : undefined),
      );
    },
    cancel: () => send({ type: "cancel" }),
    kill: () => void child.kill("SIGKILL"),
    close: () => {
      send({ type: "shutdown" });
      if (child.connected) child.disconnect();
    },
  };
}

function safeParse(raw: unknown): ChildMessage | undefined {
  try {
    return parseChildMessage(raw);
  } catch {
    return undefined;
  }
}
