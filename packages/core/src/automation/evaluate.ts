import { serializeError, type SerializedError } from "../errors.ts";
import type { AssetGraph } from "../graph.ts";
import type { PartitionKeyRange } from "../partitions/partition-key-range.ts";
import { partitionsEqual } from "../partitions/snapshot.ts";
import type { PartitionContext } from "../partitions/types.ts";
import { AssetSlice, DepLink, NONE, intersect, size, subtract, union, type Ranges } from "./asset-slice.ts";
import { AutomationCondition, conditionNodes, describeCondition, type AutomationConditionSnapshot } from "./condition.ts";
import { previousTick } from "./cron-ticks.ts";
import { conditionHash, type AssetEvaluationState, type EvaluationState, type StoredSubset } from "./evaluation-state.ts";
import { buildRunRequests, type AutomationRunRequest } from "./run-requests.ts";
import type { AutomationStorageView } from "./storage-view.ts";
import { targetKeys } from "./target.ts";

/** One node of an evaluation tree: why an asset was or wasn't requested. */
export interface ConditionEvaluation {
  type: AutomationConditionSnapshot["type"];
  label?: string | undefined;
  /** Set on the subtree a dep-match evaluated on a dependency: that dependency's key. */
  assetKey?: string | undefined;
  /** Partitions (1 for an unpartitioned asset) the node was evaluated on. */
  candidates: number;
  trueCount: number;
  value: boolean;
  /** True partitions as key ranges (partitioned assets, when any). */
  trueRanges?: PartitionKeyRange[] | undefined;
  /** Not evaluated: an earlier operand of an `and` left no candidates. */
  skipped?: true | undefined;
  children: ConditionEvaluation[];
}

/** The evaluation of one asset's condition. */
export interface AssetConditionEvaluation {
  assetKey: string;
  /** Partitions requested (1 for an unpartitioned asset that is requested). */
  requestedCount: number;
  requestedRanges?: PartitionKeyRange[] | undefined;
  /** First evaluation of this condition (new asset, new or changed condition). */
  initial: boolean;
  tree: ConditionEvaluation;
  /** Set when the evaluation failed (the asset requests nothing and keeps its previous state). */
  error?: SerializedError | undefined;
}

export interface AutomationEvaluationResult {
  evaluatedAt: number;
  /** Runs to launch: assets sharing a partitions definition and key go in one run. */
  requests: AutomationRunRequest[];
  evaluations: AssetConditionEvaluation[];
  /** Persist and pass back as `previous` on the next tick. */
  nextState: EvaluationState;
}

type Conditions = ReadonlyMap<string, AutomationCondition | AutomationConditionSnapshot>;

/** Per-asset conditions read from the snapshot (`AssetNodeSnapshot.automation`). */
export function conditionsFromGraph(graph: AssetGraph): Map<string, AutomationConditionSnapshot> {
  const out = new Map<string, AutomationConditionSnapshot>();
  for (const a of graph.assets()) if (a.automation !== undefined) out.set(a.key, a.automation);
  return out;
}

/**
 * Evaluates every asset's automation condition, partition by partition, in dependency order:
 * pure over (graph, conditions, storage view, previous state, now). A dep requested in this same
 * evaluation counts as updated (`will_be_requested`), so a chain of eager assets under an
 * updated root becomes one run request.
 *
 * @example
 * const r = evaluateAutomation(graph, undefined, view, previousState, Date.now());
 * for (const req of r.requests) launch(req.assetKeys, req.partitionKeys);
 * save(r.nextState, r.evaluations);
 */
export function evaluateAutomation(
  graph: AssetGraph,
  conditionsByAsset: Conditions | undefined,
  view: AutomationStorageView,
  previous: EvaluationState | undefined,
  now: number | Date,
): AutomationEvaluationResult {
  const t = typeof now === "number" ? now : now.getTime();
  return new Evaluator(graph, conditionsByAsset ?? conditionsFromGraph(graph), view, previous, t).run();
}

interface RootCtx {
  root: AssetSlice;
  /** The asset had a condition at the previous evaluation (possibly another one). */
  evaluatedBefore: boolean;
  /** Its memories (undefined on an initial evaluation). */
  prev: AssetEvaluationState | undefined;
  initial: boolean;
  memory: Record<string, StoredSubset>;
  codeVersions: Record<string, string>;
}

class Evaluator {
  private readonly slices = new Map<string, AssetSlice>();
  private readonly links = new Map<string, DepLink>();
  private readonly requested = new Map<string, Ranges>();
  private readonly selections = new Map<string, Set<string>>();
  private readonly cronTicks = new Map<string, number>();
  private readonly downstream = new Map<string, AutomationConditionSnapshot[]>();
  /** Tree nodes under construction (see {@link eval}). */
  private readonly stack: ConditionEvaluation[] = [];
  private readonly ctx: PartitionContext;

  constructor(
    private readonly graph: AssetGraph,
    private readonly conditions: Conditions,
    private readonly view: AutomationStorageView,
    private readonly previous: EvaluationState | undefined,
    private readonly now: number,
  ) {
    this.ctx = { now, ...(view.dynamicPartitions ? { dynamic: view.dynamicPartitions } : {}) };
  }

  run(): AutomationEvaluationResult {
    const evaluations: AssetConditionEvaluation[] = [];
    const assets: Record<string, AssetEvaluationState> = {};
    const conditions: Record<string, string[]> = {};
    const prevHash = new Map<string, string>();
    for (const [h, keys] of Object.entries(this.previous?.conditions ?? {})) for (const k of keys) prevHash.set(k, h);
    for (const key of this.graph.toposort()) {
      const c = this.conditions.get(key);
      if (c === undefined) continue;
      const snap = c instanceof AutomationCondition ? c.snapshot : c;
      const hash = conditionHash(snap);
      const initial = prevHash.get(key) !== hash;
      const prev = initial ? undefined : this.previous?.assets[key];
      (conditions[hash] ??= []).push(key);
      try {
        const root = this.slice(key);
        const rc: RootCtx = { root, evaluatedBefore: prevHash.has(key), prev, initial, memory: {}, codeVersions: {} };
        this.stack.length = 0;
        const value = this.eval(snap, root, root.all, "r", rc);
        const tree = this.stack.pop()!;
        // External assets are produced outside Strata: their condition is reported, never requested.
        const requested = (root.node as { external?: true }).external === true ? NONE : value;
        if (requested.length > 0) this.requested.set(key, requested);
        carryForward(prev?.memory, rc.memory);
        carryForward(prev?.codeVersions, rc.codeVersions);
        const st: AssetEvaluationState = {};
        const stored = root.toStored(requested);
        if (stored !== undefined) st.requested = stored;
        if (hasKeys(rc.memory)) st.memory = rc.memory;
        if (hasKeys(rc.codeVersions)) st.codeVersions = rc.codeVersions;
        if (hasKeys(st)) assets[key] = st;
        evaluations.push({
          assetKey: key,
          requestedCount: requested.length === 0 ? 0 : size(requested),
          requestedRanges: root.partitioned && requested.length > 0 ? root.keyRanges(requested) : undefined,
          initial,
          tree,
          error: undefined,
        });
      } catch (err) {
        // One asset's broken condition must not stop the tick: report it, keep its memory.
        if (prev !== undefined) {
          const { requested: _dropped, ...kept } = prev;
          if (hasKeys(kept)) assets[key] = kept;
        }
        evaluations.push({
          assetKey: key,
          requestedCount: 0,
          initial,
          requestedRanges: undefined,
          tree: { ...skipped(snap), skipped: undefined },
          error: serializeError(err),
        });
      }
    }
    const requests = buildRunRequests(this.graph, this.requested, (k) => this.slice(k), this.ctx);
    return {
      evaluatedAt: this.now,
      requests,
      evaluations,
      nextState: { version: 1, evaluatedAt: this.now, eventId: this.view.latestEventId, conditions, assets },
    };
  }

  private slice(key: string): AssetSlice {
    let s = this.slices.get(key);
    if (s === undefined) {
      s = new AssetSlice(this.graph, key, this.view.asset(key), this.ctx);
      this.slices.set(key, s);
    }
    return s;
  }

  private link(down: AssetSlice, up: AssetSlice): DepLink {
    const id = `${down.key}\u0000${up.key}`;
    let l = this.links.get(id);
    if (l === undefined) {
      l = new DepLink(this.graph, down, up);
      this.links.set(id, l);
    }
    return l;
  }

  /**
   * Evaluates `s` on the candidates of `a`: pushes its tree node on {@link stack} (its children,
   * pushed there by the operands' evaluations, move into it) and returns where it is true.
   */
  private eval(s: AutomationConditionSnapshot, a: AssetSlice, cand: Ranges, path: string, rc: RootCtx): Ranges {
    const start = this.stack.length;
    const value = this.evalValue(s, a, cand, path, rc);
    // splice: an array of the exact size (a pushed-to array keeps room for 17).
    const children = this.stack.length === start ? [] : this.stack.splice(start);
    const n = value.length === 0 ? 0 : size(value);
    // One fixed object shape (undefined fields are dropped by JSON): 200,000 of these per tick.
    this.stack.push({
      type: s.type,
      label: s.label,
      assetKey: a === rc.root ? undefined : a.key,
      candidates: cand.length === 0 ? 0 : size(cand),
      trueCount: n,
      value: n > 0,
      trueRanges: a.partitioned && n > 0 ? a.keyRanges(value) : undefined,
      skipped: undefined,
      children,
    });
    return value;
  }

  private evalValue(s: AutomationConditionSnapshot, a: AssetSlice, cand: Ranges, path: string, rc: RootCtx): Ranges {
    const prevEventId = this.previous?.eventId;
    switch (s.type) {
      case "missing":
        return a.missing(cand);
      case "in_progress":
        return a.inProgress(cand);
      case "execution_failed":
        return a.failed(cand);
      case "newly_updated":
        return prevEventId === undefined ? NONE : a.updatedAfter(cand, prevEventId);
      case "newly_requested":
        return intersect(cand, a.fromStored(this.previous?.assets[a.key]?.requested));
      case "code_version_changed": {
        const current = a.node.codeVersion ?? "";
        const before = rc.initial ? a.facts?.lastMaterialization?.codeVersion : (rc.prev?.codeVersions?.[path] ?? a.facts?.lastMaterialization?.codeVersion);
        rc.codeVersions[path] = current;
        return before !== undefined && before !== current ? cand : NONE;
      }
      case "in_latest_time_window":
        return intersect(cand, a.latestWindow());
      case "will_be_requested":
        return a !== rc.root && partitionsEqual(a.def, rc.root.def) ? intersect(cand, this.requested.get(a.key) ?? NONE) : NONE;
      case "initial_evaluation":
        return rc.initial ? cand : NONE;
      case "cron_tick_passed": {
        if (!rc.evaluatedBefore || this.previous === undefined) return NONE;
        return this.lastTick(s.cron, s.timezone) > this.previous.evaluatedAt ? cand : NONE;
      }
      case "not": {
        return subtract(cand, this.eval(s.operand, a, cand, `${path}.0`, rc));
      }
      case "and": {
        let cur = cand;
        for (let i = 0; i < s.operands.length; i++) {
          const o = s.operands[i]!;
          if (cur.length === 0 && cand.length > 0) this.stack.push(skipped(o));
          else cur = this.eval(o, a, cur, `${path}.${i}`, rc);
        }
        return cur;
      }
      case "or": {
        let out: Ranges = NONE;
        for (let i = 0; i < s.operands.length; i++) out = union(out, this.eval(s.operands[i]!, a, cand, `${path}.${i}`, rc));
        return out;
      }
      case "newly_true": {
        const cur = this.eval(s.operand, a, cand, `${path}.0`, rc);
        const before = rc.initial ? NONE : a.fromStored(rc.prev?.memory?.[path]);
        remember(rc, path, a, union(subtract(before, cand), cur));
        return subtract(cur, before);
      }
      case "since": {
        const trig = this.eval(s.trigger, a, cand, `${path}.t`, rc);
        const reset = this.eval(s.reset, a, cand, `${path}.r`, rc);
        const before = rc.initial ? NONE : a.fromStored(rc.prev?.memory?.[path]);
        const stored = subtract(union(before, trig), reset);
        remember(rc, path, a, stored);
        return intersect(stored, cand);
      }
      case "any_deps_match":
      case "all_deps_match": {
        const any = s.type === "any_deps_match";
        let out: Ranges = any ? NONE : cand;
        for (const dep of this.depsOf(a.key, s.allow, s.ignore)) {
          const up = this.slice(dep);
          const l = this.link(a, up);
          // Every dep is evaluated on all candidates (no short-circuit), so since/newly_true
          // memories under a dep-match never miss an update.
          const r = this.eval(s.operand, up, l.upstreamOf(cand), `${path}>${dep}`, rc);
          const matched = l.downstreamWhere(cand, r);
          out = any ? union(out, matched) : intersect(out, matched);
        }
        return out;
      }
      case "any_downstream_conditions": {
        let out: Ranges = NONE;
        for (const c of this.downstreamConditions(a.key)) {
          out = union(out, this.eval(c, a, cand, `${path}~${conditionHash(c)}`, rc));
        }
        return out;
      }
    }
  }

  private depsOf(key: string, allow: string | undefined, ignore: string | undefined): readonly string[] {
    const parents = this.graph.parents(key);
    if (allow === undefined && ignore === undefined) return parents;
    const allowed = allow === undefined ? undefined : this.selection(allow);
    const ignored = ignore === undefined ? undefined : this.selection(ignore);
    return parents.filter((p) => (allowed === undefined || allowed.has(p)) && !(ignored?.has(p) ?? false));
  }

  private selection(sel: string): Set<string> {
    let s = this.selections.get(sel);
    if (s === undefined) {
      s = targetKeys(sel, this.graph);
      this.selections.set(sel, s);
    }
    return s;
  }

  private lastTick(cron: string, timezone: string): number {
    const id = `${cron}\u0000${timezone}`;
    let t = this.cronTicks.get(id);
    if (t === undefined) {
      t = previousTick(cron, timezone, this.now);
      this.cronTicks.set(id, t);
    }
    return t;
  }

  /** Distinct conditions of the assets downstream of `key` (those using any_downstream_conditions excluded). */
  private downstreamConditions(key: string): AutomationConditionSnapshot[] {
    let out = this.downstream.get(key);
    if (out === undefined) {
      const seen = new Set<string>();
      out = [];
      for (const d of this.graph.downstream([key])) {
        const c = this.conditions.get(d);
        if (d === key || c === undefined) continue;
        const snap = c instanceof AutomationCondition ? c.snapshot : c;
        const h = conditionHash(snap);
        if (seen.has(h) || [...conditionNodes(snap)].some((n) => n.type === "any_downstream_conditions")) continue;
        seen.add(h);
        out.push(snap);
      }
      this.downstream.set(key, out);
    }
    return out;
  }
}

function remember(rc: RootCtx, path: string, a: AssetSlice, r: Ranges): void {
  const s = a.toStored(r);
  if (s === undefined) rc.memory[path] = EMPTY_MARK;
  else rc.memory[path] = s;
}

/** Marks a memory written as empty during evaluation (so carry-forward does not revive it); removed before storing. */
const EMPTY_MARK = { kind: "keys", keys: [] } as StoredSubset;

function carryForward<T>(prev: Record<string, T> | undefined, next: Record<string, T>): void {
  if (prev !== undefined) for (const k in prev) if (!(k in next)) next[k] = prev[k]!;
  for (const k in next) if ((next[k] as unknown) === EMPTY_MARK) delete next[k];
}

function hasKeys(o: object): boolean {
  for (const _k in o) return true;
  return false;
}

/** Descriptions of unlabelled compound conditions, for skipped nodes (which have no children to show). */
const skippedLabels = new WeakMap<AutomationConditionSnapshot, string>();

/**
 * A node not evaluated (an earlier operand of its `and` was false). Its subtree is not
 * evaluated either, so an unlabelled compound condition is labelled with its structure
 * (`~any_deps_missing`) instead of showing only its type (`not`).
 */
function skipped(s: AutomationConditionSnapshot): ConditionEvaluation {
  let label = s.label;
  if (label === undefined && ("operand" in s || "operands" in s || "trigger" in s)) {
    label = skippedLabels.get(s);
    if (label === undefined) skippedLabels.set(s, (label = describeCondition(s)));
  }
  return { type: s.type, label, assetKey: undefined, candidates: 0, trueCount: 0, value: false, trueRanges: undefined, skipped: true, children: [] };
}
