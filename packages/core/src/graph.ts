import type { AssetNodeSnapshot, CheckNodeSnapshot, DefinitionsSnapshot } from "./snapshot.ts";
import { StrataError } from "./errors.ts";
import {
  defaultMapping,
  partitionsFromSnapshot,
  type PartitionMapping,
  type PartitionsDefinition,
} from "./partitions/index.ts";

/**
 * The asset graph, derived from a snapshot. The same class serves the live graph (a process
 * that imported user code builds a snapshot first) and the snapshot graph (server, daemon,
 * CLI). Every traversal is iterative: no recursion limits at any depth.
 *
 * @example
 * const g = AssetGraph.fromSnapshot(snapshot);
 * g.upstream(["mart/orders"], 2) // keys up to two levels up, including the start
 */
export class AssetGraph {
  readonly snapshot: DefinitionsSnapshot;
  private readonly nodes = new Map<string, AssetNodeSnapshot>();
  private readonly parentsOf = new Map<string, string[]>();
  private readonly childrenOf = new Map<string, string[]>();
  private readonly checksByKey = new Map<string, CheckNodeSnapshot>();
  private topo: string[] | undefined;
  private readonly partitionDefs = new Map<string, PartitionsDefinition | undefined>();
  private readonly internedDefs = new Map<string, PartitionsDefinition>();

  private constructor(snapshot: DefinitionsSnapshot) {
    this.snapshot = snapshot;
    for (const a of snapshot.assets) {
      this.nodes.set(a.key, a);
      this.parentsOf.set(a.key, []);
      this.childrenOf.set(a.key, []);
    }
    for (const a of snapshot.assets) {
      const seen = new Set<string>();
      for (const d of a.deps) {
        if (seen.has(d.key) || !this.nodes.has(d.key)) continue;
        seen.add(d.key);
        this.parentsOf.get(a.key)!.push(d.key);
        this.childrenOf.get(d.key)!.push(a.key);
      }
    }
    for (const c of snapshot.checks) this.checksByKey.set(c.key, c);
  }

  static fromSnapshot(snapshot: DefinitionsSnapshot): AssetGraph {
    return new AssetGraph(snapshot);
  }

  get size(): number {
    return this.nodes.size;
  }

  keys(): IterableIterator<string> {
    return this.nodes.keys();
  }

  assets(): IterableIterator<AssetNodeSnapshot> {
    return this.nodes.values();
  }

  has(key: string): boolean {
    return this.nodes.has(key);
  }

  get(key: string): AssetNodeSnapshot {
    const n = this.nodes.get(key);
    if (!n) throw new StrataError("PLAN_INVALID", `Unknown asset "${key}"`);
    return n;
  }

  find(key: string): AssetNodeSnapshot | undefined {
    return this.nodes.get(key);
  }

  parents(key: string): readonly string[] {
    return this.parentsOf.get(key) ?? [];
  }

  children(key: string): readonly string[] {
    return this.childrenOf.get(key) ?? [];
  }

  check(key: string): CheckNodeSnapshot | undefined {
    return this.checksByKey.get(key);
  }

  checks(): IterableIterator<CheckNodeSnapshot> {
    return this.checksByKey.values();
  }

  checksOf(assetKey: string): CheckNodeSnapshot[] {
    return (this.nodes.get(assetKey)?.checks ?? []).map((k) => this.checksByKey.get(k)!).filter(Boolean);
  }

  /** The asset's partitions definition (rebuilt and validated from the snapshot once). */
  partitionsOf(key: string): PartitionsDefinition | undefined {
    if (!this.partitionDefs.has(key)) {
      const snap = this.get(key).partitions;
      let def: PartitionsDefinition | undefined;
      if (snap !== undefined) {
        // Equal definitions share one object, so their key caches are computed once.
        const id = JSON.stringify(snap);
        def = this.internedDefs.get(id);
        if (!def) {
          def = partitionsFromSnapshot(snap, `asset ${key}`);
          this.internedDefs.set(id, def);
        }
      }
      this.partitionDefs.set(key, def);
    }
    return this.partitionDefs.get(key);
  }

  /**
   * How `downstream`'s partitions map onto its dep `upstream`'s: one mapping per declared
   * dependency on it (an asset may read the same upstream twice, e.g. today and yesterday);
   * the default mapping where none is declared.
   */
  mappingsFor(downstream: string, upstream: string): PartitionMapping[] {
    const out: PartitionMapping[] = [];
    for (const dep of this.get(downstream).deps) {
      if (dep.key !== upstream) continue;
      const m = this.mappingForDep(downstream, dep);
      if (!out.some((x) => JSON.stringify(x) === JSON.stringify(m))) out.push(m);
    }
    return out;
  }

  /** The mapping of one dependency: the declared one or the default for the two definitions. */
  mappingForDep(downstream: string, dep: { key: string; partitionMapping?: PartitionMapping }): PartitionMapping {
    return dep.partitionMapping ?? defaultMapping(this.partitionsOf(dep.key), this.partitionsOf(downstream));
  }

  isRoot(key: string): boolean {
    return this.parents(key).length === 0;
  }

  isSink(key: string): boolean {
    return this.children(key).length === 0;
  }

  /** Start keys plus everything upstream within `depth` levels (all levels when omitted). */
  upstream(start: Iterable<string>, depth = Infinity): Set<string> {
    return this.walk(start, depth, this.parentsOf);
  }

  /** Start keys plus everything downstream within `depth` levels. */
  downstream(start: Iterable<string>, depth = Infinity): Set<string> {
    return this.walk(start, depth, this.childrenOf);
  }

  private walk(start: Iterable<string>, depth: number, edges: Map<string, string[]>): Set<string> {
    const seen = new Set<string>();
    let frontier: string[] = [];
    for (const k of start) {
      if (this.nodes.has(k) && !seen.has(k)) {
        seen.add(k);
        frontier.push(k);
      }
    }
    for (let level = 0; level < depth && frontier.length > 0; level++) {
      const next: string[] = [];
      for (const k of frontier) {
        for (const n of edges.get(k) ?? []) {
          if (seen.has(n)) continue;
          seen.add(n);
          next.push(n);
        }
      }
      frontier = next;
    }
    return seen;
  }

  /** All keys in dependency order (parents first). The graph is acyclic once validated. */
  toposort(): readonly string[] {
    if (!this.topo) {
      const order = kahn([...this.nodes.keys()], (k) => this.parentsOf.get(k)!, (k) => this.childrenOf.get(k)!);
      if (order.length !== this.nodes.size) {
        throw new StrataError("DEFS_CYCLE", `Assets form a cycle: ${this.findCycle()!.join(" -> ")}`);
      }
      this.topo = order;
    }
    return this.topo;
  }

  /** A cycle as a closed path (`a -> b -> a`), or undefined. Iterative DFS. */
  findCycle(): string[] | undefined {
    return findCycle([...this.nodes.keys()], (k) => this.parentsOf.get(k)!);
  }
}

/** Kahn's algorithm; returns fewer items than given when there is a cycle. */
export function kahn<T>(items: readonly T[], parents: (t: T) => readonly T[], children: (t: T) => readonly T[]): T[] {
  const indeg = new Map<T, number>();
  for (const i of items) indeg.set(i, parents(i).length);
  const queue: T[] = items.filter((i) => indeg.get(i) === 0);
  const out: T[] = [];
  for (let qi = 0; qi < queue.length; qi++) {
    const i = queue[qi]!;
    out.push(i);
    for (const c of children(i)) {
      const d = indeg.get(c);
      if (d === undefined) continue;
      indeg.set(c, d - 1);
      if (d - 1 === 0) queue.push(c);
    }
  }
  return out;
}

/** Finds one cycle following `next` edges; returns it as a closed path. */
export function findCycle<T>(items: readonly T[], next: (t: T) => readonly T[]): T[] | undefined {
  const state = new Map<T, 1 | 2>(); // 1 = on stack, 2 = done
  for (const root of items) {
    if (state.has(root)) continue;
    // Each node's edges are fetched once: `next` may build a fresh array, and re-fetching it
    // per visited edge made a node with k parents cost O(k²) (a 30,000-parent sink took 15 s).
    const stack: { node: T; i: number; edges: readonly T[] }[] = [{ node: root, i: 0, edges: next(root) }];
    const path: T[] = [root];
    state.set(root, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const edges = top.edges;
      if (top.i < edges.length) {
        const n = edges[top.i++]!;
        const s = state.get(n);
        if (s === 1) {
          const from = path.indexOf(n);
          return [...path.slice(from), n].reverse();
        }
        if (s === undefined) {
          state.set(n, 1);
          stack.push({ node: n, i: 0, edges: next(n) });
          path.push(n);
        }
      } else {
        state.set(top.node, 2);
        stack.pop();
        path.pop();
      }
    }
  }
  return undefined;
}
