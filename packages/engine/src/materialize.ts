import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AssetGraph,
  buildSnapshot,
  defineDefinitions,
  isAssetCheckDefinition,
  isAssetsDefinition,
  isDefinitions,
  type AssetCheckDefinition,
  type AssetsDefinition,
  type CheckSeverity,
  type Definitions,
  type EventRecord,
  type MetadataMap,
  type RunStatus,
  type SerializedError,
} from "@strata/core";
import { executeRun } from "./executor.ts";
import { createRun } from "./launch.ts";

export interface MaterializeOptions {
  /** Resources by name (resource definitions, I/O managers or plain values). */
  resources?: Record<string, unknown>;
  /** A selection string or asset keys; everything when omitted. */
  selection?: string | string[];
  /** Environment for `env()` refs (default: process.env). */
  env?: Record<string, string | undefined>;
  tags?: Record<string, string>;
  partitionKey?: string;
  /** Keep history here instead of a throw-away folder (deleted after the call). */
  instanceDir?: string;
}

export interface CheckOutcome {
  passed: boolean;
  severity: CheckSeverity;
  metadata: MetadataMap;
  description?: string;
}

/** What {@link materialize} returns: the run's outcome, events, metadata and outputs. */
export interface MaterializeTestResult {
  success: boolean;
  status: RunStatus;
  runId: string;
  events: EventRecord[];
  /** Asset key → metadata of its materialisation in this run. */
  materializations: Map<string, MetadataMap>;
  /** Asset key → the value its function returned (before storage). */
  outputs: Map<string, unknown>;
  /** Check key (`asset:name`) → evaluation. */
  checks: Map<string, CheckOutcome>;
  /** Step key → error, for failed steps. */
  failures: Map<string, SerializedError>;
  /** Step keys skipped (e.g. downstream of a failure or a failed blocking check). */
  skipped: string[];
  /** The value returned for `assetKey`; throws when it produced none. */
  output<T = unknown>(assetKey: string): T;
}

/**
 * Runs assets in-process against a throw-away instance — for users' unit tests.
 *
 * @example
 * import { materialize } from "strata/testing";
 * const result = await materialize([orders, dailyTotals], { resources: { api: fakeApi } });
 * expect(result.success).toBe(true);
 * expect(result.materializations.get("daily_totals")?.row_count).toEqual({ type: "int", value: 3 });
 */
export async function materialize(
  items: readonly (AssetsDefinition | AssetCheckDefinition)[] | Definitions,
  options: MaterializeOptions = {},
): Promise<MaterializeTestResult> {
  const defs = isDefinitions(items)
    ? options.resources
      ? defineDefinitions({ ...items, resources: { ...items.resources, ...options.resources } })
      : items
    : defineDefinitions({
        assets: items.filter(isAssetsDefinition),
        checks: items.filter(isAssetCheckDefinition),
        resources: options.resources ?? {},
      });
  const snapshot = buildSnapshot(defs, { location: "test", root: process.cwd() });
  const graph = AssetGraph.fromSnapshot(snapshot);
  const dir = options.instanceDir ?? mkdtempSync(join(tmpdir(), "strata-test-"));
  // Imported on first use: `strata` re-exports the engine, and loading it must not load kysely and
  // better-sqlite3 (~300 files, most of a code-location process's start-up).
  const { openSqliteStorage } = await import("@strata/storage");
  const storage = await openSqliteStorage(join(dir, "strata.db"));
  const outputs = new Map<string, unknown>();
  try {
    const sel = options.selection;
    const { run } = await createRun(storage, graph, {
      ...(typeof sel === "string" ? { selection: sel } : Array.isArray(sel) ? { assetKeys: sel } : {}),
      tags: options.tags ?? {},
      ...(options.partitionKey !== undefined ? { partitionKey: options.partitionKey } : {}),
    });
    const status = await executeRun({
      defs,
      graph,
      run,
      storage,
      instanceDir: dir,
      env: options.env ?? process.env,
      onOutput: (k, v) => outputs.set(k, v),
      heartbeatMs: 60_000,
    });
    const events = await storage.getEvents(run.runId);
    return summarise(run.runId, status, events, outputs);
  } finally {
    await storage.close();
    if (!options.instanceDir) rmSync(dir, { recursive: true, force: true });
  }
}

function summarise(runId: string, status: RunStatus, events: EventRecord[], outputs: Map<string, unknown>): MaterializeTestResult {
  const materializations = new Map<string, MetadataMap>();
  const checks = new Map<string, CheckOutcome>();
  const failures = new Map<string, SerializedError>();
  const skipped: string[] = [];
  for (const e of events) {
    if (e.type === "ASSET_MATERIALIZATION" && e.assetKey) materializations.set(e.assetKey, e.data?.metadata ?? {});
    else if (e.type === "ASSET_CHECK_EVALUATION" && e.checkKey && e.data?.check) {
      checks.set(e.checkKey, {
        passed: e.data.check.passed,
        severity: e.data.check.severity,
        metadata: e.data.metadata ?? {},
        ...(e.data.check.description ? { description: e.data.check.description } : {}),
      });
    } else if (e.type === "STEP_FAILURE" && e.stepKey && e.data?.error) failures.set(e.stepKey, e.data.error);
    else if (e.type === "STEP_SKIPPED" && e.stepKey) skipped.push(e.stepKey);
  }
  return {
    success: status === "SUCCESS",
    status,
    runId,
    events,
    materializations,
    outputs,
    checks,
    failures,
    skipped,
    output<T>(key: string): T {
      if (!outputs.has(key)) throw new Error(`Asset "${key}" returned no value in run ${runId}`);
      return outputs.get(key) as T;
    },
  };
}
