/**
 * Entry of a code-location process: the only kind of process that imports user code.
 * It loads the project, sends the snapshot, then executes runs when asked (or, with
 * `--execute <runId>`, executes that run and exits: how the daemon launches run workers).
 */
import { parseArgs } from "node:util";
import { AssetGraph, runSchedulePartitionFunction, serializeError, StrataError, type RunStatus } from "@strata/core";
import { loadDefinitions, type LoadedDefinitions } from "./load-definitions.ts";
import type { Storage } from "@strata/storage";
import { parseParentMessage, type ChildMessage, type EvaluateScheduleMessage, type EvaluateSensorMessage } from "./protocol.ts";
import { Redactor } from "../redactor.ts";

const { values } = parseArgs({
  options: {
    root: { type: "string" },
    entry: { type: "string" },
    location: { type: "string" },
    instance: { type: "string" },
    execute: { type: "string" },
    defs: { type: "string" },
    workspace: { type: "boolean" },
  },
});
const send = (m: ChildMessage) => (process.send ? process.send(m) : undefined);
const controller = new AbortController();
let interrupted = 0;
process.on("SIGINT", () => {
  // Ctrl-C reaches the whole process group: cancel gracefully; a second one exits.
  if (++interrupted > 1) process.exit(130);
  controller.abort();
});
process.on("SIGTERM", () => controller.abort());

// What user code prints goes to the parent (the CLI shows it): secrets resolved by this
// process's runs are redacted from it, as they are from events.
const redactor = new Redactor();
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    const encoding = typeof rest[0] === "string" ? rest[0].toLowerCase() : "utf8";
    const redactable = typeof chunk === "string" ? encoding === "utf8" || encoding === "utf-8" : chunk instanceof Uint8Array;
    if (!redactor.active || !redactable) return write(chunk, ...rest);
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8");
    return write(redactor.text(text), ...rest.filter((r) => typeof r === "function"));
  }) as typeof stream.write;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  let loaded: LoadedDefinitions;
  try {
    loaded = await loadDefinitions({
      root: values.root!,
      entry: values.entry!,
      location: values.location!,
      ...(values.defs ? { defsDir: values.defs } : {}),
      ...(values.workspace ? { workspace: true } : {}),
    });
  } catch (err) {
    send({ type: "load_error", error: serializeError(err) });
    if (!process.send) console.error(serializeError(err).message);
    process.exitCode = 1;
    return;
  }
  send({ type: "snapshot", snapshot: loaded.snapshot, loadMs: performance.now() - t0 });
  if (values.execute) {
    const status = await execute(loaded, values.execute);
    process.exitCode = status === "SUCCESS" ? 0 : 1;
    return;
  }
  if (!process.send) return;
  process.on("message", (raw) => {
    let msg;
    try {
      msg = parseParentMessage(raw);
    } catch (err) {
      send({ type: "fatal", error: serializeError(err) });
      return;
    }
    if (msg.type === "evaluate_sensor") {
      // Sensors are evaluated while runs may execute: replies are matched by requestId.
      void replySensor(loaded, msg);
      return;
    }
    if (msg.type === "evaluate_schedule") {
      void replySchedule(loaded, msg);
      return;
    }
    if (msg.type === "cancel") controller.abort();
    else if (msg.type === "shutdown") process.disconnect();
    else
      // Runs execute one after another; the parent keeps the process for the next one
      // (backfill worker pools) or sends "shutdown". If the parent dies, the IPC channel
      // closes and the process exits once the current run has finished.
      void execute(loaded, msg.runId).then(
        (status) => send({ type: "run_finished", runId: msg.runId, status }),
        (err: unknown) => {
          send({ type: "fatal", error: serializeError(err) });
          process.disconnect();
        },
      );
  });
}

let sensorStorage: Promise<Storage> | undefined;

async function replySensor(loaded: LoadedDefinitions, msg: EvaluateSensorMessage): Promise<void> {
  const t0 = performance.now();
  try {
    const [{ evaluateSensor }, { openInstance }] = await Promise.all([import("./evaluate-sensor.ts"), import("../instance.ts")]);
    sensorStorage ??= openInstance(values.instance!, { reap: false }).then((i) => i.storage);
    const result = await evaluateSensor(loaded, await sensorStorage, msg);
    send({ type: "sensor_result", requestId: msg.requestId, result, durationMs: performance.now() - t0 });
  } catch (err) {
    send({ type: "sensor_result", requestId: msg.requestId, error: serializeError(err), durationMs: performance.now() - t0 });
  }
}

async function replySchedule(loaded: LoadedDefinitions, msg: EvaluateScheduleMessage): Promise<void> {
  const t0 = performance.now();
  try {
    const def = loaded.defs.schedules.find((s) => s.name === msg.name);
    if (!def) throw new StrataError("USAGE", `No schedule named "${msg.name}" in the code location`, { hint: "The definitions changed: reload the daemon." });
    const partitionKeys = await runSchedulePartitionFunction(def, msg.scheduledAt);
    send({ type: "schedule_result", requestId: msg.requestId, partitionKeys, durationMs: performance.now() - t0 });
  } catch (err) {
    send({ type: "schedule_result", requestId: msg.requestId, error: serializeError(err), durationMs: performance.now() - t0 });
  }
}

async function execute(loaded: LoadedDefinitions, runId: string): Promise<RunStatus> {
  // Loaded on demand: a process that only sends its snapshot never needs storage.
  const [{ executeRun }, { openInstance }] = await Promise.all([import("../executor.ts"), import("../instance.ts")]);
  const instance = await openInstance(values.instance!, { reap: false });
  try {
    const run = await instance.storage.getRun(runId);
    if (!run) throw new Error(`Run ${runId} not found in ${values.instance}`);
    return await executeRun({
      defs: loaded.defs,
      graph: AssetGraph.fromSnapshot(loaded.snapshot),
      run,
      storage: instance.storage,
      instanceDir: instance.dir,
      signal: controller.signal,
      redactor,
      onEvent: (event) => send({ type: "event", event }),
    });
  } finally {
    await instance.close();
  }
}

main().catch((err: unknown) => {
  send({ type: "fatal", error: serializeError(err) });
  process.exitCode = 1;
});
