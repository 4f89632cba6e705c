import type { RetryPolicy } from "./asset.ts";
import { StrataError } from "./errors.ts";
import { kahn, type AssetGraph } from "./graph.ts";

/** One unit of execution: an asset node (one or more assets + inline checks) or a standalone check. */
export interface PlanStep {
  key: string;
  kind: "asset" | "check";
  /** Assets this step materialises in the run. */
  assetKeys: string[];
  /** Checks this step evaluates (inline checks for asset steps). */
  checkKeys: string[];
  /** Steps that must finish first. */
  dependsOn: string[];
  /** Selected upstream assets (produced by other steps of this run) — skip if any was not materialised. */
  upstreamAssets: string[];
  /** Blocking checks on upstream assets evaluated in this run — skip if any fails with ERROR. */
  blockingChecks: string[];
  resources: string[];
  tags: Record<string, string>;
  pool?: string;
  retry?: RetryPolicy;
}

export interface ExecutionPlan {
  /** In dependency order. */
  steps: PlanStep[];
  assetKeys: string[];
  checkKeys: string[];
}

export interface PlanOptions {
  /** Whether to include the checks of selected assets (default true). */
  includeChecks?: boolean;
  /** Only these checks (overrides includeChecks). */
  checkKeys?: Iterable<string>;
}

/**
 * Turns selected asset keys into an ordered plan of steps. Pure and linear in the size of the
 * selection. Multi-assets that cannot subset must be selected whole (PLAN_SUBSET otherwise).
 *
 * @example
 * const plan = planRun(graph, selectAssets("+mart/orders", graph));
 */
export function planRun(graph: AssetGraph, selected: Iterable<string>, options: PlanOptions = {}): ExecutionPlan {
  const assetSet = new Set<string>();
  const external: string[] = [];
  for (const k of selected) {
    if (!graph.has(k)) throw new StrataError("PLAN_INVALID", `Unknown asset "${k}" in selection`);
    // External assets are produced outside Strata: selections may include them, runs never do.
    if (graph.get(k).external) external.push(k);
    else assetSet.add(k);
  }
  const checkSet = new Set<string>();
  if (options.checkKeys) {
    for (const c of options.checkKeys) {
      const check = graph.check(c);
      if (!check) throw new StrataError("PLAN_INVALID", `Unknown check "${c}"`);
      if (assetSet.has(check.asset) || !check.inline) checkSet.add(c);
    }
  } else if (options.includeChecks ?? true) {
    for (const k of assetSet) for (const c of graph.get(k).checks) checkSet.add(c);
    // Standalone checks on selected external assets run on their own (e.g. source freshness
    // against the warehouse): there is nothing to materialise, only something to observe.
    for (const k of external) for (const c of graph.get(k).checks) if (!graph.check(c)!.inline) checkSet.add(c);
  }
  if (assetSet.size === 0 && checkSet.size === 0 && external.length > 0) {
    throw new StrataError("PLAN_INVALID", `${external.length === 1 ? `Asset "${external[0]}" is` : `Assets ${external.slice(0, 5).join(", ")} are`} external (produced outside Strata) and cannot be materialised`, {
      assetKey: external[0],
      hint: "Select the assets that depend on it instead (`<key>+` works: the external asset itself is left out of the run), or give it standalone checks (assetCheck) to evaluate.",
    });
  }

  const steps = new Map<string, PlanStep>();
  const stepOfAsset = new Map<string, string>();
  for (const k of graph.toposort()) {
    if (!assetSet.has(k)) continue;
    const node = graph.get(k);
    let step = steps.get(node.node);
    if (!step) {
      step = {
        key: node.node,
        kind: "asset",
        assetKeys: [],
        checkKeys: [],
        dependsOn: [],
        upstreamAssets: [],
        blockingChecks: [],
        resources: [...node.resources],
        tags: { ...node.tags },
        ...(node.pool ? { pool: node.pool } : {}),
        ...(node.retry ? { retry: node.retry } : {}),
      };
      steps.set(node.node, step);
    }
    step.assetKeys.push(k);
    stepOfAsset.set(k, node.node);
  }

  validateSubsets(graph, steps);

  const checkStepOf = new Map<string, string>();
  for (const c of checkSet) {
    const check = graph.check(c)!;
    if (check.inline) {
      const s = steps.get(check.node);
      if (s) s.checkKeys.push(c);
      continue;
    }
    const producer = stepOfAsset.get(check.asset);
    steps.set(check.node, {
      key: check.node,
      kind: "check",
      assetKeys: [],
      checkKeys: [c],
      dependsOn: producer ? [producer] : [],
      upstreamAssets: producer ? [check.asset] : [],
      blockingChecks: [],
      resources: [...check.resources],
      tags: {},
    });
    checkStepOf.set(c, check.node);
  }

  for (const step of steps.values()) {
    if (step.kind !== "asset") continue;
    const deps = new Set<string>();
    const up = new Set<string>();
    const blocking = new Set<string>();
    for (const k of step.assetKeys) {
      for (const p of graph.parents(k)) {
        const producer = stepOfAsset.get(p);
        if (producer === step.key) continue;
        if (producer) {
          deps.add(producer);
          up.add(p);
        }
        // A blocking check evaluated in this run gates the downstream even when its asset was
        // materialised earlier (e.g. a re-execution that re-runs the failed check).
        for (const c of graph.get(p).checks) {
          const check = graph.check(c)!;
          if (!check.blocking || !checkSet.has(c)) continue;
          blocking.add(c);
          const cs = checkStepOf.get(c);
          if (cs) deps.add(cs);
        }
      }
    }
    step.dependsOn = [...deps];
    step.upstreamAssets = [...up];
    step.blockingChecks = [...blocking];
  }

  const all = [...steps.values()];
  const children = new Map<string, PlanStep[]>();
  for (const s of all) for (const d of s.dependsOn) (children.get(d) ?? children.set(d, []).get(d)!).push(s);
  const ordered = kahn(all, (s) => s.dependsOn.map((d) => steps.get(d)!), (s) => children.get(s.key) ?? []);
  if (ordered.length !== all.length) {
    throw new StrataError("PLAN_INVALID", "The selected steps form a cycle", {
      hint: "This happens when a multi-asset's assets depend on each other through another step.",
    });
  }
  return { steps: ordered, assetKeys: [...assetSet], checkKeys: [...checkSet] };
}

function validateSubsets(graph: AssetGraph, steps: Map<string, PlanStep>): void {
  const allKeysOfNode = new Map<string, string[]>();
  for (const a of graph.assets()) {
    (allKeysOfNode.get(a.node) ?? allKeysOfNode.set(a.node, []).get(a.node)!).push(a.key);
  }
  for (const step of steps.values()) {
    const all = allKeysOfNode.get(step.key)!;
    if (all.length === step.assetKeys.length) continue;
    if (graph.get(all[0]!).canSubset) continue;
    const missing = all.filter((k) => !step.assetKeys.includes(k));
    throw new StrataError("PLAN_SUBSET", `"${step.key}" produces ${all.join(", ")} together and cannot run for only some of them`, {
      assetKey: step.assetKeys[0],
      hint: `Also select ${missing.join(", ")}, or declare the multi-asset with canSubset: true.`,
    });
  }
}

/**
 * Assets of a finished run to run again "from failure": those it planned but did not
 * materialise (failed, skipped or never started).
 */
export function assetsToReexecute(planned: Iterable<string>, materialized: ReadonlySet<string>): string[] {
  return [...planned].filter((k) => !materialized.has(k));
}
