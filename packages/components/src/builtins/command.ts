import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { asset, defineDefinitions, StrataError } from "@strata/core";
import { z } from "zod";
import { automationAttributeSchema, automationOptions, freshnessAttributeSchema } from "../automation-attributes.ts";
import { defineComponent, envString } from "../component.ts";
import { partitionsAttributeSchema, toPartitionsDefinition } from "../partitions-attribute.ts";

const attributes = z.strictObject({
  /** Asset key produced by the command. */
  key: z.string().min(1),
  /** Executable (looked up on PATH) — no shell is involved unless `shell: true`. */
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  /** Extra environment variables; values may be `{{ secret('X') }}` (resolved and redacted at run time). */
  env: z.record(z.string(), envString()).default({}),
  /** Working folder, relative to the defs.yaml folder. */
  cwd: z.string().default("."),
  /** Run through /bin/sh (then `command` is a shell command line). */
  shell: z.boolean().default(false),
  timeout_seconds: z.number().positive().optional(),
  deps: z.array(z.string()).default([]),
  description: z.string().optional(),
  group: z.string().optional(),
  owners: z.array(z.string()).optional(),
  tags: z.record(z.string(), z.string()).optional(),
  kinds: z.array(z.string()).max(3).default(["command"]),
  /** When the daemon materialises the asset(s): { preset: eager } or {{ automation.eager() }} (see README). */
  automation: automationAttributeSchema.optional(),
  /** Freshness policy: { fail_after: 24h, warn_after: 12h } or {{ freshness.time_window(fail_after='24h') }}. */
  freshness: freshnessAttributeSchema.optional(),
  /**
   * Partitions: `{{ daily_partitions('2024-01-01') }}`, `{{ static_partitions(['us', 'eu']) }}`.
   * The command gets STRATA_PARTITION_KEY (and STRATA_PARTITION_START / _END for time windows).
   */
  partitions: partitionsAttributeSchema.optional(),
});

/**
 * `strata.command`: an asset materialised by running an external command. Each stdout line is
 * logged (stderr as warnings); a non-zero exit code fails the step with the code and the last
 * lines of stderr. Canceling the run stops the command (SIGTERM).
 */
export const commandComponent = defineComponent({
  type: "strata.command",
  description: "An asset produced by running an external command (args, env, cwd); stdout lines become logs, a non-zero exit code fails it.",
  attributes,
  example: { key: "raw/hello", command: "node", args: ["-e", "console.log('hello from strata.command')"] },
  buildDefs(ctx) {
    const a = ctx.attributes;
    const def = asset(
      {
        key: a.key,
        deps: a.deps,
        kinds: a.kinds,
        ...(a.group ? { group: a.group } : {}),
        ...(a.owners ? { owners: a.owners } : {}),
        ...(a.tags ? { tags: a.tags } : {}),
        ...automationOptions(a),
        ...(a.partitions ? { partitions: toPartitionsDefinition(a.partitions) } : {}),
        description: a.description ?? `${a.command} ${a.args.join(" ")}`.trim(),
        metadata: { command: [a.command, ...a.args].join(" ") },
        codeRef: ctx.codeRef(["command"]),
      },
      async (actx) => {
        ctx.assertRequirements();
        const env: Record<string, string> = {};
        for (const [k, v] of Object.entries(a.env)) env[k] = ctx.resolveEnv(v);
        const started = Date.now();
        const code = await runCommand(a.command, a.args, {
          cwd: ctx.resolvePath(a.cwd),
          env: { ...process.env, ...env, STRATA_RUN_ID: actx.runId, STRATA_ASSET_KEY: actx.assetKey, ...partitionEnv(actx) },
          shell: a.shell,
          signal: actx.signal,
          timeoutMs: a.timeout_seconds ? a.timeout_seconds * 1000 : undefined,
          onStdout: (l) => actx.log.info(l),
          onStderr: (l) => actx.log.warn(l),
        });
        actx.addMetadata({ exit_code: code.exitCode, duration_ms: Date.now() - started });
        if (code.exitCode !== 0) {
          throw new StrataError("USER_CODE", `Command "${a.command}" exited with code ${code.exitCode ?? code.signal}`, {
            assetKey: a.key,
            hint: code.stderrTail.length ? `Last stderr lines:\n${code.stderrTail.join("\n")}` : "Its output is in the step's logs.",
          });
        }
      },
    );
    return defineDefinitions({ assets: [def] });
  },
});

/**
 * For a partitioned step: STRATA_PARTITION_KEY (one partition) or STRATA_PARTITION_KEY_RANGE_START /
 * _END (a range run), and STRATA_PARTITION_START / _END (ISO) of the time window.
 */
function partitionEnv(actx: {
  partitionKey: string | undefined;
  partitionKeyRange: { start: string; end: string } | undefined;
  partitionTimeWindow: { start: Date; end: Date } | undefined;
}): Record<string, string> {
  const out: Record<string, string> = {};
  if (actx.partitionKey !== undefined) out.STRATA_PARTITION_KEY = actx.partitionKey;
  else if (actx.partitionKeyRange) {
    out.STRATA_PARTITION_KEY_RANGE_START = actx.partitionKeyRange.start;
    out.STRATA_PARTITION_KEY_RANGE_END = actx.partitionKeyRange.end;
  }
  if (actx.partitionTimeWindow) {
    out.STRATA_PARTITION_START = actx.partitionTimeWindow.start.toISOString();
    out.STRATA_PARTITION_END = actx.partitionTimeWindow.end.toISOString();
  }
  return out;
}

interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  shell: boolean;
  signal: AbortSignal;
  timeoutMs: number | undefined;
  onStdout(line: string): void;
  onStderr(line: string): void;
}

function runCommand(command: string, args: string[], o: RunOptions): Promise<{ exitCode: number | null; signal: string | null; stderrTail: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: o.cwd, env: o.env, shell: o.shell, stdio: ["ignore", "pipe", "pipe"] });
    const tail: string[] = [];
    createInterface({ input: child.stdout }).on("line", o.onStdout);
    createInterface({ input: child.stderr }).on("line", (l) => {
      tail.push(l);
      if (tail.length > 5) tail.shift();
      o.onStderr(l);
    });
    const kill = () => child.kill("SIGTERM");
    o.signal.addEventListener("abort", kill, { once: true });
    const timer = o.timeoutMs ? setTimeout(kill, o.timeoutMs) : undefined;
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(
        new StrataError("USER_CODE", `Could not start "${command}": ${err.message}`, {
          hint: (err as NodeJS.ErrnoException).code === "ENOENT" ? "Is it installed and on PATH (or give an absolute path)?" : undefined,
        }),
      );
    });
    child.once("close", (exitCode, signal) => {
      clearTimeout(timer);
      o.signal.removeEventListener("abort", kill);
      resolve({ exitCode, signal, stderrTail: tail });
    });
  });
}
