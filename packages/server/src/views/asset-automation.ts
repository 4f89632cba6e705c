import {
  assetHealth as ruleHealth,
  describeCondition,
  evaluateFreshness,
  type AssetGraph,
  type AssetNodeSnapshot,
  type AutomationConditionSnapshot,
  type FreshnessPolicy,
  type FreshnessState,
} from "@strata/core";
import { freshnessStates } from "@strata/daemon";
import type { AutomationEvaluationRecord, Storage } from "@strata/storage";
import type {
  AssetHealthStatus,
  AutomationEvaluationView,
  ConditionEvaluationNode,
  FreshnessView,
} from "../api-types.ts";
import type { AssetFacts } from "./asset-views.ts";

/** The daemon's freshness cache (`daemon/freshness`): its states as the freshness loop last wrote them. */
export interface RecordedFreshness {
  state: FreshnessState;
  since: number;
  reason: string;
}

/** Reads the daemon's freshness states in one key-value read (empty when no daemon ever ran). */
export async function readFreshnessStates(storage: Storage): Promise<Map<string, RecordedFreshness>> {
  try {
    return new Map(Object.entries(await freshnessStates(storage)).filter(([, v]) => typeof v?.state === "string"));
  } catch {
    return new Map(); // a damaged cache must not break the catalog
  }
}

function duration(ms: number): string {
  const units: [number, string][] = [[86_400_000, "d"], [3_600_000, "h"], [60_000, "m"], [1000, "s"]];
  let rest = ms;
  let out = "";
  for (const [n, u] of units) {
    if (rest >= n) {
      out += `${Math.floor(rest / n)}${u}`;
      rest %= n;
    }
  }
  return out || `${ms}ms`;
}

/** `fail after 1d, warn after 12h` / `by 0 9 * * * (Europe/Berlin), data from the last 3h`. */
export function freshnessLabel(p: FreshnessPolicy): string {
  if (p.kind === "time_window")
    return `materialised within ${duration(p.failAfterMs)}${p.warnAfterMs !== undefined ? ` (warn after ${duration(p.warnAfterMs)})` : ""}`;
  return `by cron ${p.deadlineCron} (${p.timezone}), at most ${duration(p.lowerBoundMs)} before the deadline`;
}

/** The daemon's recorded state, or (no daemon state yet) the policy evaluated now. */
export function freshnessView(
  a: AssetNodeSnapshot,
  facts: AssetFacts,
  recorded: Map<string, RecordedFreshness>,
  now: number,
): FreshnessView | undefined {
  const policy = a.freshness as FreshnessPolicy | undefined;
  if (!policy) return undefined;
  const label = freshnessLabel(policy);
  const rec = recorded.get(a.key);
  if (rec) return { policy, label, state: rec.state, since: rec.since, reason: rec.reason, source: "daemon" };
  const ev = evaluateFreshness(policy, facts.records.get(a.key)?.lastMaterialization?.timestamp, now);
  return { policy, label, state: ev.state, reason: ev.reason, source: "computed" };
}

/** Core's health rule over the asset's latest materialisation, checks and freshness. */
export function healthOf(
  graph: AssetGraph,
  key: string,
  facts: AssetFacts,
  freshness: FreshnessState | undefined,
): { status: AssetHealthStatus; reasons: string[] } {
  const rec = facts.records.get(key);
  const matAt = rec?.lastMaterialization?.timestamp;
  const failed = rec?.lastFailedAt !== undefined && (matAt === undefined || rec.lastFailedAt > matAt);
  const checks = graph.checksOf(key).flatMap((c) => {
    const ev = facts.checks.get(c.key)?.lastEvaluation;
    return ev ? [{ severity: ev.severity, passed: ev.passed, name: c.name }] : [];
  });
  return ruleHealth({
    materialization: failed ? "failed" : matAt === undefined ? "missing" : "materialized",
    checks,
    ...(freshness ? { freshness } : {}),
  });
}

/** A short label for one node (the whole structure is the tree itself). */
export function nodeLabel(s: AutomationConditionSnapshot): string {
  if (s.label !== undefined) return s.label;
  switch (s.type) {
    case "and":
      return "all of";
    case "or":
      return "any of";
    case "not":
      return "not";
    case "newly_true":
      return "newly true";
    case "since":
      return "since";
    case "any_deps_match":
    case "all_deps_match":
      return `${s.type === "any_deps_match" ? "any" : "all"} deps match${s.allow === undefined ? "" : ` (allow ${s.allow})`}${s.ignore === undefined ? "" : ` (ignore ${s.ignore})`}`;
    default:
      return describeCondition(s);
  }
}

function childrenOf(s: AutomationConditionSnapshot): AutomationConditionSnapshot[] {
  switch (s.type) {
    case "not":
    case "newly_true":
    case "any_deps_match":
    case "all_deps_match":
      return [s.operand];
    case "and":
    case "or":
      return s.operands;
    case "since":
      return [s.trigger, s.reset];
    default:
      return [];
  }
}

interface StoredNode {
  type: string;
  label?: string;
  assetKey?: string;
  candidates?: number;
  trueCount?: number;
  value?: boolean;
  trueRanges?: { start: string; end: string }[];
  skipped?: true;
  children?: StoredNode[];
}

/** The stored tree with a label on every node (from the current condition when its shape matches). */
function labelTree(n: StoredNode, s: AutomationConditionSnapshot | undefined): ConditionEvaluationNode {
  const snap = s && s.type === n.type ? s : undefined;
  const kids = snap ? childrenOf(snap) : [];
  return {
    type: n.type,
    label: n.label ?? (snap ? nodeLabel(snap) : n.type.replaceAll("_", " ")),
    ...(n.assetKey ? { assetKey: n.assetKey } : {}),
    candidates: n.candidates ?? 0,
    trueCount: n.trueCount ?? 0,
    value: n.value ?? false,
    ...(n.trueRanges?.length ? { trueRanges: n.trueRanges } : {}),
    ...(n.skipped ? { skipped: true as const } : {}),
    children: (n.children ?? []).map((c, i) => labelTree(c, kids[i])),
  };
}

export function evaluationView(
  r: AutomationEvaluationRecord,
  condition: AutomationConditionSnapshot | undefined,
): AutomationEvaluationView {
  const e = r.evaluation as {
    initial?: boolean;
    requestedRanges?: { start: string; end: string }[];
    tree?: StoredNode;
    error?: AutomationEvaluationView["error"];
  };
  return {
    id: r.id,
    tickId: r.tickId,
    evaluatedAt: r.evaluatedAt,
    requestedCount: r.requestedCount,
    ...(e.requestedRanges?.length ? { requestedRanges: e.requestedRanges } : {}),
    initial: e.initial ?? false,
    ...(e.tree ? { tree: labelTree(e.tree, condition) } : {}),
    ...(e.error ? { error: e.error } : {}),
  };
}
