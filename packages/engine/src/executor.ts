import { hostname } from "node:os";
import {
  planRun,
  resolveRunPartitions,
  serializeError,
  type AssetRunPartitions,
  type PartitionKeyRange,
  type AssetCheckDefinition,
  type AssetGraph,
  type AssetsDefinition,
  type Definitions,
  type ExecutionPlan,
  type PlanStep,
  type RunRecord,
  type RunStatus,
  type StrataEvent,
} from "@strata/core";
import type { Storage } from "@strata/storage";
import { EventWriter } from "./event-writer.ts";
import { Redactor } from "./redactor.ts";
import { ResourcesRuntime } from "./resources-runtime.ts";
import { HEARTBEAT_MS } from "./run-monitor.ts";
import { PartialStepFailure, failureEvent, runAssetStep, runCheckStep, stepPartitions, type StepEnv, type StepOutcome } from "./step-runner.ts";
import { loadDynamicPartitions, storageDynamicPartitionsApi } from "./dynamic-partitions.ts";
import { ConcurrencyGate } from "./concurrency-gate.ts";
import { retryDelay, sleep } from "./retry.ts";

export interface ExecuteRunOptions {
  defs: Definitions;
  graph: AssetGraph;
  run: RunRecord;
  storage: Storage;
  instanceDir: string;
  env?: Record<string, string | undefined>;
  /** Aborting it cancels the run (in-flight steps see their signal abort). */
  signal?: AbortSignal;
  onEvent?: (e: StrataEvent) => void;
  onOutput?: (assetKey: string, value: unknown) => void;
  heartbeatMs?: number;
  /** How long in-flight steps get to stop after cancellation before the run is closed anyway. */
  cancelGraceMs?: number;
  /**
   * Receives the run's secret values as resources resolve them (default: a private one). A
   * worker process passes its own to also redact what user code prints to stdout/stderr.
   */
  redactor?: Redactor;
}

/**
 * Executes a run in this process: steps in dependency order with bounded concurrency (plus
 * tag limits and named pools shared across runs), per-asset retries with backoff, failure
 * isolation (a failure skips only its downstream), blocking checks, cancellation and a
 * heartbeat. Every event is stored; the run ends SUCCESS, FAILURE or CANCELED.
 */
export async function executeRun(options: ExecuteRunOptions): Promise<RunStatus> {
  const { run, storage, graph, defs } = options;
  const redactor = options.redactor ?? new Redactor();
  const writer = new EventWriter(storage, redactor, options.onEvent);
  const controller = new AbortController();
  const now = () => Date.now();
  const runEvent = (type: StrataEvent["type"], message: string, level: StrataEvent["level"] = "info", data?: StrataEvent["data"]): StrataEvent => ({
    runId: run.runId,
    type,
    timestamp: now(),
    level,
    message,
    ...(run.partitionKey !== undefined ? { partition: run.partitionKey } : {}),
    ...(data ? { data } : {}),
  });

  const started = await storage.transitionRun(run.runId, "STARTED", {
    fromStatuses: ["STARTING", "NOT_STARTED", "QUEUED"],
    fields: { workerPid: process.pid, workerHost: hostname(), startedAt: now() },
    event: runEvent("RUN_START", `Started run ${run.runId} (pid ${process.pid})`),
  });
  if (!started) return (await storage.getRun(run.runId))?.status ?? "FAILURE";

  let plan: ExecutionPlan;
  let partitions: Map<string, AssetRunPartitions>;
  const partitionCtx = { now: run.createdAt, dynamic: await loadDynamicPartitions(storage, graph) };
  try {
    plan = planRun(graph, run.assetKeys, { checkKeys: run.checkKeys });
    const range = run.config.partitionRange as PartitionKeyRange | undefined;
    partitions = resolveRunPartitions(graph, plan.assetKeys, {
      ...(run.partitionKey !== undefined ? { partitionKey: run.partitionKey } : {}),
      ...(range ? { partitionRange: range } : {}),
    }, partitionCtx);
  } catch (err) {
    await finish(storage, writer, run.runId, "FAILURE", runEvent("RUN_FAILURE", `Could not plan the run: ${(err as Error).message}`, "error", { error: serializeError(err) }));
    return "FAILURE";
  }

  const onExternalAbort = () => controller.abort();
  options.signal?.addEventListener("abort", onExternalAbort);
  if (options.signal?.aborted) controller.abort();
  const heartbeat = setInterval(() => void beat(), options.heartbeatMs ?? HEARTBEAT_MS);
  const beat = async () => {
    try {
      await storage.heartbeat(run.runId, now());
      const current = await storage.getRun(run.runId);
      if (current?.status === "CANCELING") controller.abort();
    } catch {
      // A missed heartbeat is retried next interval; the monitor tolerates gaps.
    }
  };

  const resources = new ResourcesRuntime(defs, {
    instanceDir: options.instanceDir,
    runId: run.runId,
    env: options.env ?? process.env,
    redactor,
    log: (m) => writer.emit(runEvent("ENGINE_EVENT", m)),
  });
  const stepEnv: StepEnv = {
    runId: run.runId,
    runTags: run.tags,
    partitions,
    partitionCtx,
    dynamicPartitions: storageDynamicPartitionsApi(storage, graph),
    instanceDir: options.instanceDir,
    graph,
    resources,
    signal: controller.signal,
    emit: (e) => writer.emit(e),
    ...(options.onOutput ? { onOutput: options.onOutput } : {}),
  };

  for (const key of plan.assetKeys) {
    const keys = partitions.get(key)?.keys;
    if (!keys) {
      writer.emit({ ...runEvent("ASSET_MATERIALIZATION_PLANNED", `${key} planned`, "debug"), assetKey: key });
      continue;
    }
    for (const partition of keys) {
      writer.emit({ ...runEvent("ASSET_MATERIALIZATION_PLANNED", `${key} [${partition}] planned`, "debug"), assetKey: key, partition });
    }
  }

  const assetDefs = new Map(defs.assets.map((d) => [d.name, d] as const));
  const checkDefs = new Map(defs.checks.map((c) => [`${c.asset}:${c.name}`, c] as const));
  const outcome = await schedule(plan, {
    graph,
    snapshotPools: graph.snapshot.pools,
    executor: graph.snapshot.executor,
    storage,
    runId: run.runId,
    signal: controller.signal,
    cancelGraceMs: options.cancelGraceMs ?? 10_000,
    emit: (e) => writer.emit(e),
    runStep: (step) => runStepWithRetries(stepEnv, step, assetDefs, checkDefs, writer),
  });

  clearInterval(heartbeat);
  options.signal?.removeEventListener("abort", onExternalAbort);
  await resources.teardown((err) => writer.emit(runEvent("ENGINE_EVENT", `Resource teardown failed: ${(err as Error).message}`, "warn")));
  await storage.freeRunPoolSlots(run.runId);

  let status: RunStatus;
  let final: StrataEvent;
  if (controller.signal.aborted) {
    status = "CANCELED";
    final = runEvent("RUN_CANCELED", `Run canceled (${outcome.succeeded} steps succeeded before)`, "warn");
  } else if (outcome.failed.length > 0 || outcome.blockingFailures.length > 0) {
    status = "FAILURE";
    const parts = [
      outcome.failed.length ? `${outcome.failed.length} step(s) failed: ${outcome.failed.slice(0, 5).join(", ")}` : "",
      outcome.blockingFailures.length ? `blocking check(s) failed: ${outcome.blockingFailures.slice(0, 5).join(", ")}` : "",
      outcome.skipped.length ? `${outcome.skipped.length} step(s) skipped` : "",
    ].filter(Boolean);
    final = runEvent("RUN_FAILURE", `Run failed: ${parts.join("; ")}`, "error");
  } else {
    status = "SUCCESS";
    final = runEvent("RUN_SUCCESS", `Run succeeded: ${outcome.succeeded} step(s)`);
  }
  if (!controller.signal.aborted && status !== "CANCELED") {
    const current = await storage.getRun(run.runId);
    if (current?.status === "CANCELING") {
      status = "CANCELED";
      final = runEvent("RUN_CANCELED", "Run canceled", "warn");
    }
  }
  await finish(storage, writer, run.runId, status, final);
  return status;
}

async function finish(storage: Storage, writer: EventWriter, runId: string, status: RunStatus, event: StrataEvent): Promise<void> {
  await writer.flush();
  await storage.transitionRun(runId, status, {
    fromStatuses: ["STARTED", "CANCELING", "STARTING"],
    fields: { endedAt: event.timestamp },
    event,
  });
}

async function runStepWithRetries(
  env: StepEnv,
  step: PlanStep,
  assetDefs: Map<string, AssetsDefinition>,
  checkDefs: Map<string, AssetCheckDefinition>,
  writer: EventWriter,
): Promise<StepOutcome> {
  const started = Date.now();
  env.emit({
    runId: env.runId,
    type: "STEP_START",
    timestamp: started,
    level: "debug",
    message: `Started ${step.key}`,
    stepKey: step.key,
    ...partitionOf(env, step),
    data: { assetKeys: step.assetKeys, checkKeys: step.checkKeys },
  });
  const retry = step.retry;
  for (let attempt = 0; ; attempt++) {
    try {
      const out =
        step.kind === "asset"
          ? await runAssetStep(env, step, assetDefs.get(step.key)!, attempt)
          : await runCheckStep(env, step, checkDefs.get(step.checkKeys[0]!)!);
      env.emit({
        runId: env.runId,
        type: "STEP_SUCCESS",
        timestamp: Date.now(),
        level: "info",
        message: `${step.key} succeeded in ${Date.now() - started} ms`,
        stepKey: step.key,
        ...partitionOf(env, step),
        data: { durationMs: Date.now() - started },
      });
      return out;
    } catch (err) {
      if (env.signal.aborted) {
        env.emit(failureEvent(env, step, err, `${step.key} stopped: the run was canceled`));
        return { status: "failure", materialized: [], failedChecks: [] };
      }
      if (retry && attempt < retry.maxRetries) {
        const delayMs = retryDelay(retry, attempt);
        env.emit({
          runId: env.runId,
          type: "STEP_UP_FOR_RETRY",
          timestamp: Date.now(),
          level: "warn",
          message: `${step.key} failed (${(err as Error)?.message ?? String(err)}); retry ${attempt + 1}/${retry.maxRetries} in ${delayMs} ms`,
          stepKey: step.key,
          data: { error: serializeError(err), retry: { attempt: attempt + 1, delayMs } },
        });
        await writer.flush().catch(() => undefined);
        await sleep(delayMs, env.signal);
        continue;
      }
      if (err instanceof PartialStepFailure) {
        env.emit(failureEvent(env, step, err.error, `${step.key} failed after materializing ${err.materialized.length} of ${step.assetKeys.length} assets: ${err.message}`));
        return { status: "failure", materialized: err.materialized, failedChecks: err.failedChecks };
      }
      env.emit(failureEvent(env, step, err, `${step.key} failed: ${(err as Error)?.message ?? String(err)}`));
      return { status: "failure", materialized: [], failedChecks: [] };
    }
  }
}

function partitionOf(env: StepEnv, step: PlanStep): { partition?: string } {
  const parts = stepPartitions(env, step);
  return parts && parts.keys.length === 1 ? { partition: parts.keys[0]! } : {};
}

interface ScheduleContext {
  graph: AssetGraph;
  snapshotPools: Record<string, number>;
  executor: { maxConcurrent: number; tagConcurrencyLimits: { key: string; value?: string; limit: number }[] };
  storage: Storage;
  runId: string;
  signal: AbortSignal;
  cancelGraceMs: number;
  emit: (e: StrataEvent) => void;
  runStep: (step: PlanStep) => Promise<StepOutcome>;
}

interface ScheduleOutcome {
  succeeded: number;
  failed: string[];
  skipped: string[];
  blockingFailures: string[];
}

/** Runs steps as their dependencies finish, within the concurrency gate; skips what can't run. */
async function schedule(plan: ExecutionPlan, ctx: ScheduleContext): Promise<ScheduleOutcome> {
  const steps = new Map(plan.steps.map((s) => [s.key, s] as const));
  const remaining = new Map(plan.steps.map((s) => [s.key, s.dependsOn.length] as const));
  const children = new Map<string, string[]>();
  for (const s of plan.steps) for (const d of s.dependsOn) (children.get(d) ?? children.set(d, []).get(d)!).push(s.key);

  const materialized = new Set<string>();
  const failedChecks = new Set<string>();
  const result: ScheduleOutcome = { succeeded: 0, failed: [], skipped: [], blockingFailures: [] };
  const ready: PlanStep[] = plan.steps.filter((s) => s.dependsOn.length === 0);
  const gate = new ConcurrencyGate(ctx.executor, ctx.snapshotPools, ctx.storage, ctx.runId);
  let running = 0;
  let finished = 0;
  const total = plan.steps.length;

  return new Promise<ScheduleOutcome>((resolve) => {
    let graceTimer: NodeJS.Timeout | undefined;
    let retryTimer: NodeJS.Timeout | undefined;
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      if (graceTimer) clearTimeout(graceTimer);
      if (retryTimer) clearTimeout(retryTimer);
      ctx.signal.removeEventListener("abort", onAbort);
      resolve(result);
    };
    const onAbort = () => {
      ready.length = 0;
      if (running === 0) settle();
      else graceTimer = setTimeout(settle, ctx.cancelGraceMs);
    };
    ctx.signal.addEventListener("abort", onAbort);

    const complete = (step: PlanStep) => {
      finished++;
      for (const c of children.get(step.key) ?? []) {
        const left = remaining.get(c)! - 1;
        remaining.set(c, left);
        if (left === 0) ready.push(steps.get(c)!);
      }
    };

    const skipReason = (step: PlanStep): string | undefined => {
      const missing = step.upstreamAssets.filter((k) => !materialized.has(k));
      if (missing.length > 0) return `upstream asset${missing.length > 1 ? "s" : ""} ${missing.slice(0, 3).join(", ")} ${missing.length > 1 ? "were" : "was"} not materialized`;
      const blocked = step.blockingChecks.filter((c) => failedChecks.has(c));
      if (blocked.length > 0) return `blocking check ${blocked.join(", ")} failed`;
      return undefined;
    };

    const pump = () => {
      if (settled) return;
      if (ctx.signal.aborted) {
        if (running === 0) settle();
        return;
      }
      let waitingOnPool = false;
      for (let i = 0; i < ready.length; ) {
        const step = ready[i]!;
        const reason = skipReason(step);
        if (reason) {
          ready.splice(i, 1);
          result.skipped.push(step.key);
          ctx.emit({
            runId: ctx.runId,
            type: "STEP_SKIPPED",
            timestamp: Date.now(),
            level: "warn",
            message: `Skipped ${step.key}: ${reason}`,
            stepKey: step.key,
            data: { reason, assetKeys: step.assetKeys, checkKeys: step.checkKeys },
          });
          complete(step);
          continue;
        }
        const admission = gate.tryAdmit(step, running);
        if (admission === "full") break;
        if (admission === "blocked") {
          i++;
          continue;
        }
        ready.splice(i, 1);
        running++;
        void start(step);
      }
      if (gate.pendingPoolClaims > 0) waitingOnPool = true;
      if (running === 0 && finished === total) settle();
      else if (running === 0 && ready.length > 0 && !waitingOnPool && !retryTimer) {
        // Everything ready is waiting for a pool slot held by another run: poll.
        retryTimer = setTimeout(() => {
          retryTimer = undefined;
          pump();
        }, 100);
      }
    };

    const start = async (step: PlanStep) => {
      const admitted = await gate.acquire(step);
      if (!admitted) {
        running--;
        ready.push(step);
        if (!retryTimer) {
          retryTimer = setTimeout(() => {
            retryTimer = undefined;
            pump();
          }, 100);
        }
        return;
      }
      let out: StepOutcome;
      try {
        out = await ctx.runStep(step);
      } catch (err) {
        out = { status: "failure", materialized: [], failedChecks: [] };
        ctx.emit({ runId: ctx.runId, type: "ENGINE_EVENT", timestamp: Date.now(), level: "error", message: `Internal error in ${step.key}: ${(err as Error).message}` });
      }
      await gate.release(step);
      running--;
      if (out.status === "success") result.succeeded++;
      else result.failed.push(step.key);
      for (const k of out.materialized) materialized.add(k);
      for (const c of out.failedChecks) {
        failedChecks.add(c);
        if (ctx.graph.check(c)?.blocking) result.blockingFailures.push(c);
      }
      if (step.kind === "check" && out.status === "failure") for (const c of step.checkKeys) failedChecks.add(c);
      complete(step);
      pump();
    };

    pump();
  });
}
