/**
 * Helpers for end-to-end tests: run the real `strata` CLI in a child process against
 * throw-away projects. Nothing is mocked: the CLI starts its own code-location process and
 * writes to a real SQLite instance inside the project folder.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const STRATA_BIN = join(REPO_ROOT, "packages/strata/bin/strata.mjs");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout + stderr, for assertions that don't care which stream. */
  output: string;
}

export interface CliOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed. */
  input?: string;
  timeoutMs?: number;
  /** Start in a new process group (then `process.kill(-pid, sig)` signals it like a terminal's Ctrl-C). */
  detached?: boolean;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
export const stripAnsi = (s: string): string => s.replace(ANSI, "");

function cliEnv(extra: Record<string, string | undefined> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" };
  // Vitest sets these for its own workers; they must not leak into the CLI under test.
  for (const k of Object.keys(env)) if (k.startsWith("VITEST") || k === "NODE_OPTIONS" || k === "TEST") delete env[k];
  for (const [k, v] of Object.entries(extra ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** A CLI process running in the background (for cancellation and concurrency tests). */
export interface CliProcess {
  child: ChildProcess;
  /** Resolves when the process exits. */
  done: Promise<CliResult>;
  /** Output so far (ANSI stripped). */
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout+stderr matches `pattern` (rejects if the process exits first or on timeout). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

/** Starts `strata <args>` without waiting for it. */
export function startCli(args: string[], options: CliOptions): CliProcess {
  const child = spawn(process.execPath, [STRATA_BIN, ...args], {
    cwd: options.cwd,
    env: cliEnv(options.env),
    stdio: ["pipe", "pipe", "pipe"],
    detached: options.detached ?? false,
  });
  let stdout = "";
  let stderr = "";
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
    notify();
  });
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
    notify();
  });
  if (options.input !== undefined) child.stdin!.end(options.input);
  else child.stdin!.end();

  const timeoutMs = options.timeoutMs ?? 60_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, timeoutMs);
  const done = new Promise<CliResult>((resolvePromise, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      notify();
      if (timedOut) {
        reject(new Error(`strata ${args.join(" ")} timed out after ${timeoutMs} ms\nstdout:\n${stripAnsi(stdout)}\nstderr:\n${stripAnsi(stderr)}`));
        return;
      }
      const out = stripAnsi(stdout);
      const err = stripAnsi(stderr);
      resolvePromise({ code, signal, stdout: out, stderr: err, output: `${out}\n${err}` });
    });
  });
  let exited = false;
  done.then(
    () => (exited = true),
    () => (exited = true),
  );

  return {
    child,
    done,
    stdout: () => stripAnsi(stdout),
    stderr: () => stripAnsi(stderr),
    waitFor(pattern, waitMs = 15_000) {
      return new Promise((resolveWait, reject) => {
        const check = () => {
          const m = stripAnsi(stdout + "\n" + stderr).match(pattern);
          if (m) {
            cleanup();
            resolveWait(m);
          } else if (exited || child.exitCode !== null) {
            cleanup();
            reject(new Error(`strata ${args.join(" ")} exited before printing ${pattern}\nstdout:\n${stripAnsi(stdout)}\nstderr:\n${stripAnsi(stderr)}`));
          }
        };
        const t = setTimeout(() => {
          cleanup();
          reject(new Error(`Timed out waiting for ${pattern}\nstdout:\n${stripAnsi(stdout)}\nstderr:\n${stripAnsi(stderr)}`));
        }, waitMs);
        const cleanup = () => {
          clearTimeout(t);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Runs `strata <args>` to completion: exit code and ANSI-free output. */
export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  return startCli(args, options).done;
}

export interface TempProject {
  dir: string;
  /** Instance folder (STRATA_HOME), inside the project folder. */
  home: string;
  env: Record<string, string>;
  /** `strata <args>` in the project, with its STRATA_HOME (extra env merged). */
  run(args: string[], options?: Partial<CliOptions>): Promise<CliResult>;
  start(args: string[], options?: Partial<CliOptions>): CliProcess;
  write(files: Record<string, string>): void;
  cleanup(): void;
}

const DEFAULT_PACKAGE_JSON = JSON.stringify({ name: "fixture", private: true, type: "module" }, null, 2);

/**
 * Creates a project folder in the OS temp dir with `files` (paths relative to it; a
 * package.json with `"type": "module"` is added unless given). Call `cleanup()` when done.
 */
export function makeProject(files: Record<string, string>, options: { name?: string } = {}): TempProject {
  const dir = mkdtempSync(join(tmpdir(), `strata-${options.name ?? "e2e"}-`));
  const home = join(dir, ".strata-home");
  const env = { STRATA_HOME: home };
  const write = (more: Record<string, string>) => {
    for (const [rel, content] of Object.entries(more)) {
      const path = join(dir, rel);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
  };
  write({ "package.json": DEFAULT_PACKAGE_JSON, ...files });
  return {
    dir,
    home,
    env,
    run: (args, o = {}) => runCli(args, { cwd: dir, ...o, env: { ...env, ...(o.env ?? {}) } }),
    start: (args, o = {}) => startCli(args, { cwd: dir, ...o, env: { ...env, ...(o.env ?? {}) } }),
    write,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Polls `fn` until it returns a truthy value (or throws after `timeoutMs`). */
export async function waitUntil<T>(fn: () => T | Promise<T>, timeoutMs = 10_000, intervalMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`waitUntil: condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
