import pc from "picocolors";
import { StrataError } from "@strata/core";
import { planDequeue, readQueueSettings, writeQueueSettings } from "@strata/daemon";
import { openTargetInstance } from "../project-context.ts";
import { formatTime, table } from "../output.ts";

/** `strata queue`: queued runs in dequeue order, and why each one waits. */
export async function queueCommand(flags: { project?: string; json?: boolean }): Promise<number> {
  const instance = await openTargetInstance(flags.project);
  try {
    const s = instance.storage;
    const settings = await readQueueSettings(s);
    const queued = await s.listRuns({ statuses: ["QUEUED"] });
    const inProgress = await s.listRuns({ statuses: ["STARTING", "STARTED", "CANCELING"] });
    const plan = planDequeue(queued, inProgress, settings);
    if (flags.json) {
      process.stdout.write(JSON.stringify({ settings, inProgress: inProgress.length, queue: plan.map((d) => ({ runId: d.run.runId, next: d.dequeue, reason: d.reason })) }, null, 2) + "\n");
      return 0;
    }
    const limits = settings.tagConcurrencyLimits.map((l) => `${l.key}${l.value !== undefined ? `=${l.value}` : ""}≤${l.limit}`).join(", ");
    process.stdout.write(`${inProgress.length} in progress, ${queued.length} queued (max_concurrent_runs ${settings.maxConcurrentRuns}${limits ? `; tag limits ${limits}` : ""})\n`);
    if (plan.length === 0) return 0;
    process.stdout.write(
      table(
        plan.map((d, i) => [String(i + 1), d.run.runId, d.run.tags["strata/priority"] ?? "0", formatTime(d.run.createdAt), d.run.selection.slice(0, 40), d.dequeue ? pc.green("starts on the next queue tick") : pc.yellow(d.reason ?? "")]),
        ["#", "RUN", "PRIORITY", "QUEUED", "SELECTION", "WHY IT WAITS"],
      ) + "\n",
    );
    return 0;
  } finally {
    await instance.close();
  }
}

/** `strata queue config`: set the instance's queue limits. */
export async function queueConfigCommand(flags: { project?: string; maxConcurrentRuns?: string; tagLimit?: string[] }): Promise<number> {
  const instance = await openTargetInstance(flags.project);
  try {
    const current = await readQueueSettings(instance.storage);
    const max = flags.maxConcurrentRuns === undefined ? current.maxConcurrentRuns : Number(flags.maxConcurrentRuns);
    if (!Number.isInteger(max) || max < 0) throw new StrataError("USAGE", `--max-concurrent-runs must be a whole number ≥ 0 (got ${flags.maxConcurrentRuns})`);
    const tagLimits = flags.tagLimit
      ? flags.tagLimit.map((t) => {
          const m = /^([^=:]+)(?:=([^:]*))?:(\d+)$/.exec(t);
          if (!m) throw new StrataError("USAGE", `Invalid --tag-limit "${t}"`, { hint: "Use key:limit or key=value:limit, e.g. team=growth:2." });
          return { key: m[1]!, ...(m[2] !== undefined ? { value: m[2] } : {}), limit: Number(m[3]) };
        })
      : current.tagConcurrencyLimits;
    await writeQueueSettings(instance.storage, { maxConcurrentRuns: max, tagConcurrencyLimits: tagLimits });
    process.stdout.write(`Queue: max_concurrent_runs ${max}${tagLimits.length ? `, tag limits ${tagLimits.map((l) => `${l.key}${l.value !== undefined ? `=${l.value}` : ""}:${l.limit}`).join(", ")}` : ""}\n`);
    return 0;
  } finally {
    await instance.close();
  }
}
