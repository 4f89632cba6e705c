import { asset, type AssetOptions, type AssetsDefinition } from "../asset.ts";
import { buildSnapshot } from "../build-snapshot.ts";
import { defineDefinitions, type DefinitionsInput } from "../definitions.ts";
import { AssetGraph } from "../graph.ts";
import type { AutomationCondition } from "./condition.ts";
import { evaluateAutomation, type AutomationEvaluationResult, type ConditionEvaluation } from "./evaluate.ts";
import type { EvaluationState } from "./evaluation-state.ts";
import { MemoryAutomationView } from "./storage-view.ts";

/** Test-only: an asset with no function body worth running. */
export function node(key: string, deps: string[] = [], opts: Omit<AssetOptions<Record<string, never>>, "key" | "deps"> = {}): AssetsDefinition {
  return asset({ key, deps, ...opts }, () => undefined);
}

/** Test-only: the graph of a project, through defineDefinitions + buildSnapshot (as loading does). */
export function graphOf(assets: AssetsDefinition[], extra: Omit<DefinitionsInput, "assets"> = {}): AssetGraph {
  const snap = buildSnapshot(defineDefinitions({ assets, ...extra }), { location: "test", root: "/" });
  // Through JSON, as the daemon receives it.
  return AssetGraph.fromSnapshot(JSON.parse(JSON.stringify(snap)));
}

/** Test-only: runs ticks against a view, passing the state through JSON like a daemon storing it. */
export class Ticker {
  state: EvaluationState | undefined;
  last!: AutomationEvaluationResult;
  constructor(
    public graph: AssetGraph,
    readonly view = new MemoryAutomationView(),
    private readonly conditions?: ReadonlyMap<string, AutomationCondition>,
  ) {}

  tick(now: number): AutomationEvaluationResult {
    this.last = evaluateAutomation(this.graph, this.conditions, this.view, this.state, now);
    this.state = JSON.parse(JSON.stringify(this.last.nextState)) as EvaluationState;
    return this.last;
  }

  /** Requested asset keys of the last tick, as "key" or "key[partition]" sorted. */
  requested(): string[] {
    const out: string[] = [];
    for (const r of this.last.requests) for (const k of r.assetKeys) out.push(r.partitionKeys ? `${k}[${r.partitionKeys.join(",")}]` : k);
    return out.sort();
  }

  tree(key: string): ConditionEvaluation {
    const e = this.last.evaluations.find((x) => x.assetKey === key);
    if (!e) throw new Error(`no evaluation of ${key}`);
    return e.tree;
  }
}

/** Finds the first node of a tree with the label (or type). */
export function findNode(t: ConditionEvaluation, labelOrType: string): ConditionEvaluation | undefined {
  if (t.label === labelOrType || t.type === labelOrType) return t;
  for (const c of t.children) {
    const f = findNode(c, labelOrType);
    if (f) return f;
  }
  return undefined;
}

export const HOUR = 3_600_000;
export const DAY = 86_400_000;
