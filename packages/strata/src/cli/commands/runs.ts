import pc from "picocolors";
import { StrataError, isFinished, type RunStatus } from "@strata/core";
import { openTargetInstance } from "../project-context.ts";
import { colorStatus, formatDuration, formatTime, parseTags, table } from "../output.ts";

const STATUSES: RunStatus[] = ["QUEUED", "NOT_STARTED", "STARTING", "STARTED", "SUCCESS", "FAILURE", "CANCELING", "CANCELED"];

/** `strata runs`: recent runs, newest first, filterable by status and tags. */
export async function runsListCommand(flags: { status?: string[]; tag?: string[]; limit?: string; json?: boolean; project?: string }): Promise<number> {
  const statuses = (flags.status ?? []).map((s) => s.toUpperCase());
  for (const s of statuses) {
    if (!STATUSES.includes(s as RunStatus)) {
      throw new StrataError("USAGE", `Unknown run status "${s}"`, { hint: `Use one of ${STATUSES.join(", ")}.` });
    }
  }
  const limit = flags.limit ? Number(flags.limit) : 20;
  if (!Number.isInteger(limit) || limit < 1) throw new StrataError("USAGE", `--limit must be a positive whole number (got ${flags.limit})`);
  const instance = await openTargetInstance(flags.project);
  try {
    const runs = await instance.storage.listRuns({
      ...(statuses.length ? { statuses: statuses as RunStatus[] } : {}),
      ...(flags.tag?.length ? { tags: parseTags(flags.tag) } : {}),
      limit,
    });
    if (flags.json) {
      process.stdout.write(JSON.stringify(runs, null, 2) + "\n");
      return 0;
    }
    if (runs.length === 0) {
      process.stdout.write("No runs yet. Start one with `strata materialize --select '*'`.\n");
      return 0;
    }
    const rows = runs.map((r) => [
      r.runId,
      colorStatus(r.status),
      truncate(r.selection, 40),
      String(r.assetKeys.length),
      formatTime(r.createdAt),
      formatDuration(r.endedAt && r.startedAt ? r.endedAt - r.startedAt : r.startedAt ? Date.now() - r.startedAt : undefined),
      pc.dim(Object.entries(r.tags).map(([k, v]) => `${k}=${v}`).join(" ")),
    ]);
    process.stdout.write(table(rows, ["RUN", "STATUS", "SELECTION", "ASSETS", "CREATED", "DURATION", "TAGS"]) + "\n");
    return 0;
  } finally {
    await instance.close();
  }
}

/** `strata runs cancel <id>`: queued runs end at once; running ones are asked to stop. */
export async function runsCancelCommand(runId: string, flags: { project?: string }): Promise<number> {
  const instance = await openTargetInstance(flags.project);
  try {
    const run = await instance.storage.getRun(runId);
    if (!run) throw new StrataError("RUN_NOT_FOUND", `No run ${runId}`, { hint: "List runs with `strata runs`." });
    if (isFinished(run.status)) {
      throw new StrataError("RUN_INVALID_STATE", `Run ${runId} already ended (${run.status})`);
    }
    const now = Date.now();
    if (run.status === "QUEUED" || run.status === "NOT_STARTED" || (run.status === "STARTING" && !run.workerPid)) {
      await instance.storage.transitionRun(runId, "CANCELED", {
        fromStatuses: [run.status],
        fields: { endedAt: now },
        event: { runId, type: "RUN_CANCELED", timestamp: now, level: "warn", message: "Run canceled before it started" },
      });
      process.stdout.write(`Run ${runId} ${colorStatus("CANCELED")}.\n`);
      return 0;
    }
    const ok = await instance.storage.transitionRun(runId, "CANCELING", {
      fromStatuses: ["STARTING", "STARTED"],
      event: { runId, type: "RUN_CANCELING", timestamp: now, level: "warn", message: "Cancellation requested" },
    });
    process.stdout.write(
      ok || run.status === "CANCELING"
        ? `Run ${runId} is ${colorStatus("CANCELING")}; its worker stops in-flight steps and ends it as CANCELED.\n`
        : `Run ${runId} changed state meanwhile; see \`strata runs\`.\n`,
    );
    return 0;
  } finally {
    await instance.close();
  }
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + "…" : s;
}
