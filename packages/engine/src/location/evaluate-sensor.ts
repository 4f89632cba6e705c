import {
  StrataError,
  advanceAssetSensorCursor,
  parseAssetSensorCursor,
  runSensorFunction,
  runStatusSensorMatches,
  type Definitions,
  type DefinitionsSnapshot,
  type Logger,
  type SensorContext,
  type SensorInstance,
  type SensorMaterialization,
  type SensorResult,
} from "@strata/core";
import type { Storage } from "@strata/storage";
import type { EvaluateSensorMessage } from "./protocol.ts";

/** Run-status events a run-status sensor reads per evaluation; the rest follow on the next tick. */
const RUN_EVENTS_PER_TICK = 1000;

function logger(name: string): Logger {
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    process.stderr.write(`[sensor ${name}] ${level}: ${message}${fields ? ` ${JSON.stringify(fields)}` : ""}\n`);
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

function sensorInstance(storage: Storage): SensorInstance {
  return {
    async getMaterializations(assetKey, options = {}) {
      const rows = await storage.getMaterializations(assetKey, {
        limit: options.limit ?? 100,
        ...(options.partition !== undefined ? { partition: options.partition } : {}),
      });
      return rows
        .filter((m) => options.afterEventId === undefined || m.eventId > options.afterEventId)
        .map((m) => ({
          assetKey: m.assetKey,
          runId: m.runId,
          eventId: m.eventId,
          timestamp: m.timestamp,
          ...(m.partition !== undefined ? { partition: m.partition } : {}),
          ...(m.codeVersion !== undefined ? { codeVersion: m.codeVersion } : {}),
        }));
    },
    getRuns: (filter) => storage.listRuns(filter),
    getDynamicPartitions: (name) => storage.getDynamicPartitions(name),
  };
}

/**
 * Evaluates one sensor in the code-location process (sensors are user code: the daemon never
 * imports them). Asset and run-status sensors keep their own cursor (event ids) here.
 */
export async function evaluateSensor(loaded: { defs: Definitions; snapshot: DefinitionsSnapshot }, storage: Storage, msg: EvaluateSensorMessage): Promise<SensorResult> {
  const def = loaded.defs.sensors.find((s) => s.name === msg.name);
  const snap = loaded.snapshot.sensors?.find((s) => s.name === msg.name);
  if (!def) throw new StrataError("USAGE", `No sensor named "${msg.name}" in the code location`, { hint: "The definitions changed: reload the daemon." });
  const instance = sensorInstance(storage);
  const ctx: SensorContext = {
    sensorName: def.name,
    cursor: msg.cursor,
    lastTickAt: msg.lastTickAt,
    now: msg.now,
    log: logger(def.name),
    instance,
  };
  if (def.type === "standard") return runSensorFunction(def, ctx);

  if (def.type === "asset") {
    const cursor = parseAssetSensorCursor(msg.cursor);
    const watched = snap?.watchedAssetKeys ?? [];
    const mats: SensorMaterialization[] = [];
    for (const key of watched) {
      const seen = cursor[key];
      // First evaluation of a key: react to its latest materialisation only, not its whole history.
      const found = await instance.getMaterializations(key, seen === undefined ? { limit: 1 } : { afterEventId: seen, limit: 1000 });
      mats.push(...found);
    }
    if (mats.length === 0) return { runRequests: [], skipReason: "no new materialisations of the watched assets" };
    mats.sort((a, b) => a.eventId - b.eventId);
    const result = await runSensorFunction(def, ctx, mats);
    return { ...result, cursor: advanceAssetSensorCursor(msg.cursor, mats) };
  }

  // Run-status sensor: cursor = the last run event id seen.
  if (msg.cursor === undefined) {
    const last = await storage.getLastEventId();
    return { runRequests: [], skipReason: "started watching runs", cursor: String(last) };
  }
  const after = Number(msg.cursor);
  if (!Number.isFinite(after)) throw new StrataError("USER_CODE", `Invalid run-status sensor cursor ${JSON.stringify(msg.cursor)}`, { hint: "Reset the sensor's cursor." });
  const events = await storage.getEventsAfter(after, RUN_EVENTS_PER_TICK);
  const out: SensorResult = { runRequests: [], cursor: String(events.at(-1)?.id ?? after) };
  const monitored = snap?.monitoredAssetKeys;
  let matched = 0;
  for (const e of events) {
    if (e.type !== "RUN_SUCCESS" && e.type !== "RUN_FAILURE") continue;
    const run = await storage.getRun(e.runId);
    if (!run || !runStatusSensorMatches({ runStatus: def.runStatus, ...(monitored ? { monitoredAssetKeys: monitored } : {}) }, run)) continue;
    matched++;
    const r = await runSensorFunction(def, ctx, run);
    // Default run keys per (run, request): re-reading this run's event (a crash before the tick
    // was stored, a rewound cursor) never launches the same request twice.
    out.runRequests.push(...r.runRequests.map((q, i) => (q.runKey === undefined ? { ...q, runKey: `run:${run.runId}:${i}` } : q)));
    if (r.dynamicPartitions) (out.dynamicPartitions ??= []).push(...r.dynamicPartitions);
  }
  if (matched === 0) out.skipReason = `no run reached ${def.runStatus}`;
  return out;
}
