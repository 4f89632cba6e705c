import pc from "picocolors";
import { nextTick, StrataError, type DefinitionsSnapshot, type ScheduleSnapshot, type SensorSnapshot } from "@strata/core";
import { instigatorStatus, readState, setInstigatorStatus } from "@strata/daemon";
import type { Storage } from "@strata/storage";
import { loadDefinitions, openTargetInstance } from "../project-context.ts";
import { formatTime, table } from "../output.ts";

type Kind = "schedules" | "sensors";
type Snap = ScheduleSnapshot | SensorSnapshot;

const listOf = (snap: DefinitionsSnapshot, kind: Kind): Snap[] => (kind === "schedules" ? (snap.schedules ?? []) : (snap.sensors ?? []));

function find(snap: DefinitionsSnapshot, kind: Kind, name: string): Snap {
  const s = listOf(snap, kind).find((x) => x.name === name);
  if (!s) {
    const names = listOf(snap, kind).map((x) => x.name);
    throw new StrataError("USAGE", `No ${kind === "schedules" ? "schedule" : "sensor"} named "${name}"`, {
      hint: names.length ? `Defined: ${names.join(", ")}.` : `The project defines no ${kind}.`,
    });
  }
  return s;
}

/** `strata schedules|sensors list|start|stop|preview|ticks`. */
export async function instigatorCommand(kind: Kind, verb: "list" | "start" | "stop" | "preview" | "ticks", name: string | undefined, flags: { project?: string; json?: boolean; limit?: string }): Promise<number> {
  if (verb !== "list" && !name) throw new StrataError("USAGE", `strata ${kind} ${verb} needs a name`);
  const instance = await openTargetInstance(flags.project);
  try {
    const storage = instance.storage;
    if (verb === "ticks") return await ticks(storage, name!, flags);
    // At a workspace root: every location's schedules and sensors (names are unique across it).
    const defs = await loadDefinitions(flags.project);
    try {
      const snap = defs.snapshot;
      if (verb === "list") return await list(storage, snap, kind, flags);
      const s = find(snap, kind, name!);
      if (verb === "start" || verb === "stop") {
        await setInstigatorStatus(storage, s.name, verb === "start" ? "RUNNING" : "STOPPED");
        process.stdout.write(`${kind === "schedules" ? "Schedule" : "Sensor"} ${s.name} ${verb === "start" ? "started" : "stopped"}.${verb === "start" ? " The daemon (`strata daemon`) runs it." : ""}\n`);
        return 0;
      }
      if (kind === "schedules") {
        const sc = s as ScheduleSnapshot;
        let t = Date.now();
        process.stdout.write(`Schedule ${sc.name}: "${sc.cron}" (${sc.timezone}) → ${sc.assetKeys.join(", ")}\nNext ticks:\n`);
        for (let i = 0; i < 5; i++) {
          t = nextTick(sc.cron, sc.timezone, t);
          process.stdout.write(`  ${new Date(t).toISOString()}  run key schedule:${sc.name}:${t}\n`);
        }
        return 0;
      }
      const state = await readState(storage, s.name);
      // The sensor's own code location evaluates it.
      const handle = defs.locationWhere((own) => (own.sensors ?? []).some((x) => x.name === s.name))!;
      const result = await handle.evaluateSensor(
        { name: s.name, now: Date.now(), ...(state.cursor !== undefined ? { cursor: state.cursor } : {}), ...(state.lastTickAt !== undefined ? { lastTickAt: state.lastTickAt } : {}) },
        (s as SensorSnapshot).timeoutSeconds * 1000,
      );
      if (flags.json) process.stdout.write(JSON.stringify(result, null, 2) + "\n");
      else {
        process.stdout.write(`Sensor ${s.name} (preview: nothing launched, cursor not saved)\n`);
        if (result.skipReason) process.stdout.write(`  skipped: ${result.skipReason}\n`);
        for (const r of result.runRequests) process.stdout.write(`  run request${r.runKey ? ` ${r.runKey}` : ""}${r.partitionKey ? ` partition ${r.partitionKey}` : ""}${r.selection ? ` select ${r.selection}` : ""}\n`);
        if (result.cursor !== undefined) process.stdout.write(`  new cursor: ${result.cursor}\n`);
      }
      return 0;
    } finally {
      defs.close();
    }
  } finally {
    await instance.close();
  }
}

async function list(storage: Storage, snap: DefinitionsSnapshot, kind: Kind, flags: { json?: boolean }): Promise<number> {
  const rows = [];
  for (const s of listOf(snap, kind)) {
    const status = await instigatorStatus(storage, s.name, s.defaultStatus);
    const [last] = await storage.listTicks({ instigatorName: s.name, limit: 1 });
    rows.push({ name: s.name, status, what: "cron" in s ? `${s.cron} (${s.timezone})` : `every ${s.intervalSeconds} s (${s.type})`, last });
  }
  if (flags.json) {
    process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
    return 0;
  }
  if (rows.length === 0) {
    process.stdout.write(`The project defines no ${kind}.\n`);
    return 0;
  }
  process.stdout.write(
    table(
      rows.map((r) => [r.name, r.status === "RUNNING" ? pc.green(r.status) : pc.dim(r.status), r.what, r.last ? `${r.last.status} ${formatTime(r.last.createdAt)}` : pc.dim("no tick yet")]),
      ["NAME", "STATUS", "WHEN", "LAST TICK"],
    ) + "\n",
  );
  return 0;
}

async function ticks(storage: Storage, name: string, flags: { json?: boolean; limit?: string }): Promise<number> {
  const list = await storage.listTicks({ instigatorName: name, limit: Number(flags.limit ?? 20) });
  if (flags.json) {
    process.stdout.write(JSON.stringify(list, null, 2) + "\n");
    return 0;
  }
  if (list.length === 0) {
    process.stdout.write(`No ticks of ${name} yet.\n`);
    return 0;
  }
  const color = (s: string) => (s === "SUCCESS" ? pc.green(s) : s === "FAILURE" ? pc.red(s) : s === "SKIPPED" ? pc.dim(s) : pc.yellow(s));
  process.stdout.write(
    table(
      list.map((t) => [formatTime(t.createdAt), color(t.status), t.scheduledAt ? new Date(t.scheduledAt).toISOString() : "", t.runIds.join(" "), (t.error ?? t.skipReason ?? "").slice(0, 100)]),
      ["TICK", "STATUS", "SCHEDULED", "RUNS", "WHY"],
    ) + "\n",
  );
  return 0;
}
