import { planRun, type AssetGraph, type RunRecord } from "@strata/core";
import type { Storage } from "@strata/storage";
import type { PoolView, PoolWaiterView } from "../api-types.ts";

const ENDED = new Set(["STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"]);

/**
 * Every named pool: its limit (from the definitions), the steps holding its slots (storage's
 * pool slot table) and the runs that still have steps to run in it, with why they wait.
 * Reads only the in-progress and queued runs that touch a pool, so it stays cheap.
 */
export async function poolsView(
  storage: Storage,
  graph: AssetGraph | undefined,
  active: RunRecord[],
  queued: RunRecord[],
): Promise<PoolView[]> {
  const declared = graph?.snapshot.pools ?? {};
  const poolOf = new Map<string, string>();
  const assetsOfStep = new Map<string, string[]>();
  for (const a of graph?.snapshot.assets ?? []) {
    if (!a.pool) continue;
    poolOf.set(a.key, a.pool);
    const step = graph!.get(a.key).node;
    (assetsOfStep.get(step) ?? assetsOfStep.set(step, []).get(step)!).push(a.key);
  }
  const usage = await storage.getPoolUsage();
  const names = [
    ...new Set([...Object.keys(declared), ...usage.map((u) => u.pool), ...poolOf.values()]),
  ].sort();
  const pools = new Map<string, PoolView>(
    names.map((name) => [
      name,
      {
        name,
        ...(declared[name] !== undefined ? { limit: declared[name] } : {}),
        assets: [...poolOf].filter(([, p]) => p === name).map(([k]) => k),
        slots: usage
          .filter((u) => u.pool === name)
          .map((u) => ({
            runId: u.runId,
            stepKey: u.stepKey,
            assetKeys: assetsOfStep.get(u.stepKey) ?? [],
            claimedAt: u.claimedAt,
          })),
        waiting: [],
      },
    ]),
  );
  if (!graph) return [...pools.values()];
  const touches = (r: RunRecord) => r.assetKeys.some((k) => poolOf.has(k));
  for (const run of queued.filter(touches)) {
    for (const [pool, assetKeys] of pooledAssets(run, poolOf)) {
      const steps = [...new Set(assetKeys.map((k) => graph.get(k).node))];
      pools
        .get(pool)!
        .waiting.push({ runId: run.runId, status: run.status, steps, assetKeys, reason: "queued" });
    }
  }
  for (const run of active.filter(touches)) {
    for (const w of await waitingSteps(storage, graph, run, pools)) pools.get(w.pool)!.waiting.push(w.waiter);
  }
  return [...pools.values()];
}

function pooledAssets(run: RunRecord, poolOf: Map<string, string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const k of run.assetKeys) {
    const p = poolOf.get(k);
    if (p) (out.get(p) ?? out.set(p, []).get(p)!).push(k);
  }
  return out;
}

/** The pool steps of an in-progress run that have not started, grouped by pool and reason. */
async function waitingSteps(
  storage: Storage,
  graph: AssetGraph,
  run: RunRecord,
  pools: Map<string, PoolView>,
): Promise<{ pool: string; waiter: PoolWaiterView }[]> {
  const keys = run.assetKeys.filter((k) => graph.has(k));
  // A run whose assets all left the definitions cannot be planned again: nothing to explain.
  if (keys.length === 0) return [];
  const plan = planRun(graph, keys, { checkKeys: [] });
  const events = await storage.getEvents(run.runId, {
    types: ["STEP_START", "STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"],
  });
  const started = new Set<string>();
  const ended = new Set<string>();
  for (const e of events) {
    if (!e.stepKey) continue;
    if (e.type === "STEP_START") started.add(e.stepKey);
    else if (ENDED.has(e.type)) ended.add(e.stepKey);
  }
  const groups = new Map<string, PoolWaiterView & { pool: string }>();
  for (const step of plan.steps) {
    if (!step.pool || started.has(step.key) || ended.has(step.key)) continue;
    const pool = pools.get(step.pool);
    // A step claims its slot just before its (batched) STEP_START event is stored.
    if (!pool || pool.slots.some((s) => s.runId === run.runId && s.stepKey === step.key)) continue;
    const full = pool.limit !== undefined && pool.slots.length >= pool.limit;
    const reason: PoolWaiterView["reason"] =
      run.status === "STARTING"
        ? "starting"
        : !step.dependsOn.every((d) => ended.has(d))
          ? "upstream"
          : full
            ? "slot"
            : "run_concurrency";
    const id = `${step.pool}\0${reason}`;
    const g =
      groups.get(id) ??
      groups
        .set(id, { pool: step.pool, runId: run.runId, status: run.status, steps: [], assetKeys: [], reason })
        .get(id)!;
    g.steps.push(step.key);
    g.assetKeys.push(...step.assetKeys);
  }
  return [...groups.values()].map(({ pool, ...waiter }) => ({ pool, waiter }));
}
