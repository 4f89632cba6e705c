import type { AssetNodeSnapshot } from "../snapshot.ts";
import type { AssetGraph } from "../graph.ts";
import { StrataError } from "../errors.ts";
import type { SelectionAst, SelectionTraverseNode } from "./ast.ts";
import { keyMatcher } from "./key-pattern.ts";

/**
 * The asset keys a parsed selection picks out of a graph. Matching nothing is not an error
 * here: callers decide whether an empty selection is a problem. Attribute filters scan the
 * graph once; traversals are iterative (AssetGraph.upstream/downstream).
 *
 * @example
 * evaluateSelection(parseSelection("+mart/orders"), graph) // Set { "raw/orders", "mart/orders" }
 */
export function evaluateSelection(ast: SelectionAst, graph: AssetGraph): Set<string> {
  switch (ast.type) {
    case "all":
      return new Set(graph.keys());
    case "key": {
      if (!ast.value.includes("*")) return graph.has(ast.value) ? new Set([ast.value]) : new Set();
      const match = keyMatcher(ast.value);
      return filterKeys(graph, (a) => match(a.key));
    }
    case "tag": {
      const { key, value } = ast;
      return value === undefined
        ? filterKeys(graph, (a) => Object.hasOwn(a.tags, key))
        : filterKeys(graph, (a) => Object.hasOwn(a.tags, key) && a.tags[key] === value);
    }
    case "group":
      return filterKeys(graph, (a) => a.group === ast.value);
    case "kind":
      return filterKeys(graph, (a) => a.kinds.includes(ast.value));
    case "owner":
      return filterKeys(graph, (a) => a.owners.includes(ast.value));
    case "code_location": {
      const fallback = graph.snapshot.location;
      return filterKeys(graph, (a) => (a.location ?? fallback) === ast.value);
    }
    case "not": {
      const excluded = evaluateSelection(ast.operand, graph);
      const out = new Set<string>();
      for (const k of graph.keys()) if (!excluded.has(k)) out.add(k);
      return out;
    }
    case "and":
      return intersectAll(ast.operands, graph);
    case "or": {
      const out = new Set<string>();
      for (const op of ast.operands) for (const k of evaluateSelection(op, graph)) out.add(k);
      return out;
    }
    case "traverse":
      return traverse(ast, evaluateSelection(ast.operand, graph), graph);
    case "roots": {
      const sel = evaluateSelection(ast.operand, graph);
      return filterSet(sel, (k) => !graph.parents(k).some((p) => sel.has(p)));
    }
    case "sinks": {
      const sel = evaluateSelection(ast.operand, graph);
      return filterSet(sel, (k) => !graph.children(k).some((c) => sel.has(c)));
    }
    default:
      return unreachable(ast);
  }
}

function intersectAll(operands: readonly SelectionAst[], graph: AssetGraph): Set<string> {
  let acc: Set<string> | undefined;
  for (const op of operands) {
    const next = evaluateSelection(op, graph);
    if (acc === undefined) {
      acc = next;
    } else {
      const [small, big] = acc.size <= next.size ? [acc, next] : [next, acc];
      acc = filterSet(small, (k) => big.has(k));
    }
    if (acc.size === 0) break;
  }
  return acc ?? new Set();
}

function traverse(ast: SelectionTraverseNode, start: Set<string>, graph: AssetGraph): Set<string> {
  if (ast.down === undefined) return graph.upstream(start, toLevels(ast.up!));
  const down = graph.downstream(start, toLevels(ast.down));
  if (ast.up === undefined) return down;
  for (const k of graph.upstream(start, toLevels(ast.up))) down.add(k);
  return down;
}

function toLevels(depth: number | "all"): number {
  return depth === "all" ? Infinity : depth;
}

function filterKeys(graph: AssetGraph, keep: (a: AssetNodeSnapshot) => boolean): Set<string> {
  const out = new Set<string>();
  for (const a of graph.assets()) if (keep(a)) out.add(a.key);
  return out;
}

function filterSet(set: Set<string>, keep: (k: string) => boolean): Set<string> {
  const out = new Set<string>();
  for (const k of set) if (keep(k)) out.add(k);
  return out;
}

function unreachable(ast: never): never {
  throw new StrataError("INTERNAL", `Unknown selection node ${JSON.stringify(ast)}`);
}
