import pc from "picocolors";
import { StrataError, isFinished, type EventRecord, type LogLevel } from "@strata/core";
import { openTargetInstance } from "../project-context.ts";
import { colorStatus, formatTime } from "../output.ts";

const LEVELS: LogLevel[] = ["debug", "info", "warn", "error"];

/** `strata logs <run-id>`: the run's structured event log, optionally filtered and followed. */
export async function logsCommand(
  runId: string,
  flags: { step?: string; level?: string; follow?: boolean; json?: boolean; project?: string },
): Promise<number> {
  const min = (flags.level ?? "debug").toLowerCase() as LogLevel;
  if (!LEVELS.includes(min)) throw new StrataError("USAGE", `Unknown level "${flags.level}"`, { hint: `Use one of ${LEVELS.join(", ")}.` });
  const instance = await openTargetInstance(flags.project);
  try {
    const run = await instance.storage.getRun(runId);
    if (!run) throw new StrataError("RUN_NOT_FOUND", `No run ${runId}`, { hint: "List runs with `strata runs`." });
    if (!flags.json) process.stdout.write(`${pc.bold("Run")} ${runId} ${colorStatus(run.status)} ${pc.dim(run.selection)}\n`);
    let after = 0;
    for (;;) {
      const events = await instance.storage.getEvents(runId, { afterId: after, ...(flags.step ? { stepKey: flags.step } : {}) });
      for (const e of events) {
        after = e.id;
        if (LEVELS.indexOf(e.level) < LEVELS.indexOf(min)) continue;
        process.stdout.write((flags.json ? JSON.stringify(e) : formatEvent(e)) + "\n");
      }
      if (!flags.follow) break;
      const current = await instance.storage.getRun(runId);
      if (!current || isFinished(current.status)) {
        if (events.length === 0) break;
        continue;
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    return 0;
  } finally {
    await instance.close();
  }
}

function formatEvent(e: EventRecord): string {
  const level = e.level === "error" ? pc.red("ERROR") : e.level === "warn" ? pc.yellow("WARN ") : e.level === "info" ? "INFO " : pc.dim("DEBUG");
  const where = e.stepKey ? pc.cyan(e.stepKey) + " " : "";
  const fields = e.data?.fields ? " " + pc.dim(JSON.stringify(e.data.fields)) : "";
  let text = `${pc.dim(formatTime(e.timestamp))} ${level} ${pc.dim(e.type.padEnd(22))} ${where}${e.message}${fields}`;
  const err = e.data?.error;
  if (err?.stack && (e.type === "STEP_FAILURE" || e.type === "RUN_FAILURE")) text += "\n" + pc.dim(err.stack.split("\n").map((l) => "    " + l).join("\n"));
  const md = e.data?.metadata;
  if (md && Object.keys(md).length > 0 && e.type !== "LOG") {
    const parts = Object.entries(md)
      .filter(([, v]) => v.type !== "table" && v.type !== "table_schema")
      .map(([k, v]) => `${k}=${typeof v.value === "object" ? JSON.stringify(v.value) : String(v.value)}`);
    if (parts.length) text += "\n    " + pc.dim(parts.join("  "));
  }
  return text;
}
