import {
  StrataError,
  isPartialMaterialization,
  normalizeMetadata,
  serializeError,
  timeWindowForKey,
  upstreamPartitionKeys,
  type AssetCheckDefinition,
  type AssetGraph,
  type AssetRunPartitions,
  type AssetsDefinition,
  type CheckNodeSnapshot,
  type DynamicPartitionsApi,
  type MetadataInput,
  type PartitionContext,
  type PlanStep,
  type StrataEvent,
} from "@strata/core";
import type { ResourcesRuntime } from "./resources-runtime.ts";
import { makeAssetContext, makeCheckContext, partitionInfo, stepLogger } from "./step-context.ts";
import { normalizeResults } from "./step-results.ts";

export interface StepEnv {
  runId: string;
  runTags: Record<string, string>;
  /** Partitions each partitioned asset materialises in this run. */
  partitions: ReadonlyMap<string, AssetRunPartitions>;
  partitionCtx: PartitionContext;
  dynamicPartitions: DynamicPartitionsApi;
  instanceDir: string;
  graph: AssetGraph;
  resources: ResourcesRuntime;
  signal: AbortSignal;
  emit: (e: StrataEvent) => void;
  /** Called with each value an asset returns (the test helper captures outputs). */
  onOutput?: (assetKey: string, value: unknown) => void;
}

/**
 * A step that recorded some materialisations and then failed (a multi-asset threw
 * `PartialMaterialization`): the executor fails the step but keeps `materialized`, so only the
 * downstream of what was not produced is skipped.
 */
export class PartialStepFailure extends Error {
  constructor(
    readonly materialized: string[],
    readonly failedChecks: string[],
    readonly error: unknown,
  ) {
    super(error instanceof Error ? error.message : String(error), { cause: error });
    this.name = "PartialStepFailure";
  }
}

export interface StepOutcome {
  status: "success" | "failure";
  materialized: string[];
  /** Checks that did not pass with severity ERROR (the caller decides which block). */
  failedChecks: string[];
}

/** The partitions a step covers: those of its first asset (a step's assets share a definition). */
export function stepPartitions(env: StepEnv, step: PlanStep): AssetRunPartitions | undefined {
  const key = step.assetKeys[0] ?? env.graph.check(step.checkKeys[0]!)?.asset;
  return key === undefined ? undefined : env.partitions.get(key);
}

/** Partition fields of a step's events: the key, or (range runs) data.partitions. */
function partitionFields(parts: AssetRunPartitions | undefined): Pick<StrataEvent, "partition"> & { partitions?: string[] } {
  if (!parts) return {};
  return parts.keys.length === 1 ? { partition: parts.keys[0]! } : { partitions: parts.keys };
}

const ev = (env: StepEnv, step: PlanStep, e: Omit<StrataEvent, "runId" | "timestamp" | "stepKey">): StrataEvent => {
  const { partition } = partitionFields(stepPartitions(env, step));
  return {
    runId: env.runId,
    timestamp: Date.now(),
    stepKey: step.key,
    ...(partition !== undefined ? { partition } : {}),
    ...e,
  };
};

/** The partition mapping of one typed input (several inputs may read the same upstream). */
function inputMapping(env: StepEnv, assetKey: string, input: string) {
  const dep = env.graph.get(assetKey).deps.find((d) => d.input === input);
  return dep && env.graph.partitionsOf(dep.key) ? env.graph.mappingForDep(assetKey, dep) : undefined;
}

function multiDimensions(env: StepEnv, assetKey: string): string[] | undefined {
  const def = env.graph.partitionsOf(assetKey);
  return def?.kind === "multi" ? def.dimensions.map((d) => d.name) : undefined;
}

/** Runs one asset step once (no retries; the executor retries). Throws on failure. */
export async function runAssetStep(env: StepEnv, step: PlanStep, def: AssetsDefinition, retryNumber: number): Promise<StepOutcome> {
  const log = stepLogger(env.emit, env.runId, step.key);
  const resources = await env.resources.get(step.resources);
  const parts = stepPartitions(env, step);
  const inputs: Record<string, unknown> = {};
  for (const [name, upstreamKey] of Object.entries(def.ins)) {
    const upstream = env.graph.get(upstreamKey);
    const io = await env.resources.ioManager(upstream.io);
    inputs[name] = await io.loadInput({
      upstreamKey,
      assetKey: step.assetKeys[0]!,
      inputName: name,
      runId: env.runId,
      upstreamPartitionKeys: upstreamPartitionKeys(
        env.graph,
        step.assetKeys[0]!,
        upstreamKey,
        parts?.keys,
        env.partitionCtx,
        inputMapping(env, step.assetKeys[0]!, name),
      ),
      instanceDir: env.instanceDir,
      log,
      resources,
    });
  }
  const { ctx, added } = makeAssetContext({
    runId: env.runId,
    stepKey: step.key,
    selectedAssetKeys: step.assetKeys,
    log,
    resources,
    signal: env.signal,
    retryNumber,
    runTags: env.runTags,
    partition: partitionInfo(parts, multiDimensions(env, step.assetKeys[0]!)),
    dynamicPartitions: env.dynamicPartitions,
  });
  let returned: unknown;
  let partialError: unknown;
  try {
    returned = await def.fn(ctx, inputs);
  } catch (err) {
    if (!isPartialMaterialization(err) || def.specs.length < 2) throw err;
    partialError = err.cause ?? err;
    returned = [...err.results];
  }
  const partial = partialError !== undefined;
  const { outputs, checkResults } = normalizeResults(def, step.assetKeys, returned, partial);

  const declared = new Map(step.checkKeys.map((k) => [k, env.graph.check(k)!] as const));
  const reported = new Set<string>();
  for (const c of checkResults) {
    const key = `${c.assetKey}:${c.checkName}`;
    if (!env.graph.check(key)?.inline) {
      throw new StrataError("USER_CODE", `"${step.key}" returned a result for check "${key}", which is not declared on the asset`, {
        hint: "Declare it in the asset's checks: [...] option.",
      });
    }
    reported.add(key);
  }

  const materialized: string[] = [];
  for (const out of outputs) {
    const node = env.graph.get(out.key);
    const keys = env.partitions.get(out.key)?.keys;
    const values = out.hasValue ? splitByPartition(out.key, out.value, keys) : undefined;
    if (out.hasValue) env.onOutput?.(out.key, out.value);
    for (const partitionKey of keys ?? [undefined]) {
      let ioMetadata: MetadataInput = {};
      if (values) {
        const io = await env.resources.ioManager(node.io);
        ioMetadata =
          (await io.handleOutput(
            { assetKey: out.key, runId: env.runId, partitionKey, instanceDir: env.instanceDir, log, resources },
            partitionKey === undefined ? values.get(undefined) : values.get(partitionKey),
          )) ?? {};
      }
      const metadata = normalizeMetadata({ ...ioMetadata, ...(added.get(out.key) ?? {}), ...(out.metadata ?? {}) });
      env.emit({
        ...ev(env, step, {
          type: "ASSET_MATERIALIZATION",
          level: "info",
          message: `Materialized ${out.key}${partitionKey !== undefined ? ` [${partitionKey}]` : ""}`,
          assetKey: out.key,
          data: {
            metadata,
            ...(node.codeVersion ? { codeVersion: node.codeVersion } : {}),
            ...(out.dataVersion ? { dataVersion: out.dataVersion } : {}),
          },
        }),
        ...(partitionKey !== undefined ? { partition: partitionKey } : {}),
      });
    }
    materialized.push(out.key);
  }

  // Checks are recorded per partition: in a range run, a result without a partitionKey is
  // recorded for every partition of the range, one evaluation each (as single-partition runs do).
  const failedChecks = new Set<string>();
  const evaluated = new Map<string, Set<string | undefined>>();
  for (const c of checkResults) {
    const key = `${c.assetKey}:${c.checkName}`;
    if (!declared.has(key)) continue;
    const spec = declared.get(key)!;
    const severity = c.severity ?? spec.severity;
    const done = evaluated.get(key) ?? evaluated.set(key, new Set()).get(key)!;
    for (const partition of checkPartitions(env, step, key, c.partitionKey)) {
      done.add(partition);
      if (!c.passed && severity === "ERROR") failedChecks.add(key);
      emitCheck(env, step, spec, { passed: c.passed, severity, description: c.description, metadata: c.metadata }, partition);
    }
  }
  for (const [key, spec] of declared) {
    // After a partial failure, checks of assets that were not produced were never evaluated.
    if (partial && !materialized.includes(spec.asset)) continue;
    const done = evaluated.get(key);
    for (const partition of partitionsOf(stepPartitions(env, step))) {
      if (done?.has(partition)) continue;
      // Returned for other partitions of the range but not this one: say which.
      const which = partition !== undefined && reported.has(key) ? ` for partition ${partition}` : "";
      failedChecks.add(key);
      emitCheck(
        env,
        step,
        spec,
        {
          passed: false,
          severity: spec.severity,
          description: `The asset function did not return a result for check "${spec.name}"${which}`,
          metadata: undefined,
        },
        partition,
      );
    }
  }
  if (partial) throw new PartialStepFailure(materialized, [...failedChecks], partialError);
  return { status: "success", materialized, failedChecks: [...failedChecks] };
}

/**
 * Runs one standalone check step. In a run over a partition range the check is evaluated once
 * per partition (its context and `loadAssetValue` see that one partition), so every partition
 * gets its own result, as in single-partition runs.
 */
export async function runCheckStep(env: StepEnv, step: PlanStep, def: AssetCheckDefinition): Promise<StepOutcome> {
  const log = stepLogger(env.emit, env.runId, step.key);
  const spec = env.graph.check(step.checkKeys[0]!)!;
  const resources = await env.resources.get(step.resources);
  const parts = env.partitions.get(spec.asset);
  const perPartition: (AssetRunPartitions | undefined)[] =
    parts && parts.keys.length > 1 ? parts.keys.map((key) => singlePartition(env, spec.asset, key)) : [parts];
  const failed: string[] = [];
  for (const part of perPartition) {
    const ctx = makeCheckContext({
      runId: env.runId,
      assetKey: spec.asset,
      checkName: spec.name,
      log,
      resources,
      signal: env.signal,
      partition: partitionInfo(part, multiDimensions(env, spec.asset)),
      loadAssetValue: async () => {
        const io = await env.resources.ioManager(env.graph.get(spec.asset).io);
        return io.loadInput({
          upstreamKey: spec.asset,
          assetKey: spec.asset,
          inputName: "asset",
          runId: env.runId,
          upstreamPartitionKeys: part?.keys,
          instanceDir: env.instanceDir,
          log,
          resources,
        });
      },
    });
    const raw = await def.fn(ctx);
    const result = typeof raw === "boolean" ? { passed: raw } : raw;
    if (!result || typeof result !== "object" || typeof result.passed !== "boolean") {
      throw new StrataError("USER_CODE", `Check "${spec.key}" returned ${JSON.stringify(raw)}; expected a boolean or { passed, ... }`);
    }
    const severity = result.severity ?? spec.severity;
    emitCheck(env, step, spec, { passed: result.passed, severity, description: result.description, metadata: result.metadata }, part?.keys[0]);
    if (!result.passed && severity === "ERROR") failed.push(spec.key);
  }
  return { status: "success", materialized: [], failedChecks: failed.length > 0 ? [spec.key] : [] };
}

/** One partition of a range run, with its own time window. */
function singlePartition(env: StepEnv, assetKey: string, key: string): AssetRunPartitions {
  const def = env.graph.partitionsOf(assetKey);
  return { keys: [key], range: { start: key, end: key }, ...(def?.kind === "time_window" ? { timeWindow: timeWindowForKey(def, key, env.partitionCtx) } : {}) };
}

/** The partitions a step's results are recorded for: its keys, or one `undefined` when unpartitioned. */
function partitionsOf(parts: AssetRunPartitions | undefined): (string | undefined)[] {
  return parts ? parts.keys : [undefined];
}

/** The partitions one returned check result is recorded for; a partitionKey outside the run is a USER_CODE error. */
function checkPartitions(env: StepEnv, step: PlanStep, checkKey: string, partitionKey: string | undefined): (string | undefined)[] {
  const parts = stepPartitions(env, step);
  if (partitionKey === undefined) return partitionsOf(parts);
  if (!parts || !parts.keys.includes(partitionKey)) {
    const runs = parts ? `partitions ${parts.keys[0]}${parts.keys.length > 1 ? `...${parts.keys.at(-1)}` : ""}` : "no partition";
    throw new StrataError("USER_CODE", `"${step.key}" returned a result for check "${checkKey}" with partitionKey "${partitionKey}", but this run covers ${runs}`, {
      hint: "Use one of ctx.partitionKeys, or leave partitionKey out to record the result for every partition of the run.",
    });
  }
  return [partitionKey];
}

/** Records one evaluation; `partition` is the partition it is for (unpartitioned: none). */
function emitCheck(
  env: StepEnv,
  step: PlanStep,
  spec: CheckNodeSnapshot,
  r: { passed: boolean; severity: "WARN" | "ERROR"; description: string | undefined; metadata: Parameters<typeof normalizeMetadata>[0] },
  partition: string | undefined,
) {
  env.emit({
    ...ev(env, step, {
      type: "ASSET_CHECK_EVALUATION",
      level: r.passed ? "info" : r.severity === "ERROR" ? "error" : "warn",
      message: `Check ${spec.key} ${r.passed ? "passed" : `failed (${r.severity})`}`,
      assetKey: spec.asset,
      checkKey: spec.key,
      data: {
        metadata: normalizeMetadata(r.metadata),
        check: {
          name: spec.name,
          passed: r.passed,
          severity: r.severity,
          blocking: spec.blocking,
          ...(r.description ? { description: r.description } : {}),
        },
      },
    }),
    ...(partition !== undefined ? { partition } : {}),
  });
}

/** Describes a step failure for the event log (user stack kept, secrets redacted later). */
export function failureEvent(env: StepEnv, step: PlanStep, err: unknown, message: string): StrataEvent {
  return ev(env, step, {
    type: "STEP_FAILURE",
    level: "error",
    message,
    data: {
      error: serializeError(err),
      assetKeys: step.assetKeys,
      checkKeys: step.checkKeys,
      ...(partitionFields(stepPartitions(env, step)).partitions ? { partitions: stepPartitions(env, step)!.keys } : {}),
    },
  });
}

/**
 * The value to store for each partition. A range run returns a record keyed by partition key
 * (like Dagster's I/O managers expect for partition ranges); a single partition stores the value.
 */
function splitByPartition(assetKey: string, value: unknown, keys: string[] | undefined): Map<string | undefined, unknown> {
  if (!keys || keys.length === 1) return new Map([[keys?.[0], value]]);
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new StrataError("IO_FAILED", `"${assetKey}" ran over ${keys.length} partitions but returned a single value`, {
      assetKey,
      hint: "In a range run return an object keyed by partition key ({ [key]: value }), or return nothing and write the data yourself.",
    });
  }
  const record = value as Record<string, unknown>;
  const missing = keys.filter((k) => !(k in record));
  if (missing.length > 0) {
    throw new StrataError("IO_FAILED", `"${assetKey}" returned no value for partition(s) ${missing.slice(0, 3).join(", ")}${missing.length > 3 ? ", …" : ""}`, {
      assetKey,
      hint: "Return one entry per partition key of the range (ctx.partitionKeys).",
    });
  }
  return new Map(keys.map((k) => [k, record[k]]));
}
