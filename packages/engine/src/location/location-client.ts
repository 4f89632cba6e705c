import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  StrataError,
  deserializeError,
  type DefinitionsSnapshot,
  type RunStatus,
  type StrataEvent,
} from "@strata/core";
import type { ProjectConfig } from "./project.ts";
import { parseChildMessage, type ChildMessage, type ParentMessage } from "./protocol.ts";

const ENTRY = fileURLToPath(new URL("./location-process.ts", import.meta.url));
const PRELOAD = new URL("./preload.mjs", import.meta.url).href;

/** Node flags that let a child load TypeScript and find `strata` even when the project lacks it. */
export const CHILD_EXEC_ARGV = ["--import", PRELOAD];

export interface LocationHandle {
  readonly snapshot: DefinitionsSnapshot;
  readonly loadMs: number;
  readonly pid: number;
  /** Executes a run (already created in storage) in the child; resolves with its final status. */
  execute(runId: string, onEvent?: (e: StrataEvent) => void): Promise<RunStatus>;
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
    ["--root", project.root, "--entry", project.entry, "--location", project.location, "--instance", options.instanceDir],
    {
      execArgv: CHILD_EXEC_ARGV,
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

function handle(child: ChildProcess, snapshot: DefinitionsSnapshot, loadMs: number): LocationHandle {
  const send = (m: ParentMessage) => {
    // The child may disconnect between the check and the write (it does after each run):
    // with a callback, a failed write (EPIPE) is reported there instead of crashing the parent.
    if (child.connected) child.send(m, () => undefined);
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
