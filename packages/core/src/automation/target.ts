import type { AssetsDefinition } from "../asset.ts";
import { toAssetKey, type AssetKeyInput } from "../asset-key.ts";
import { StrataError } from "../errors.ts";
import type { AssetGraph } from "../graph.ts";
import { closest } from "../suggest.ts";
import { parseSelection } from "../selection/parser.ts";
import { quoteSelectionValue } from "../selection/printer.ts";
import { evaluateSelection } from "../selection/evaluate.ts";
import type { SelectionAst } from "../selection/ast.ts";

/**
 * What a schedule, sensor or dependency filter targets: a selection string
 * (`"group:bronze+"`) or a list of assets / keys (`[orders, "raw/customers"]`).
 */
export type AssetTargetInput = string | readonly (AssetsDefinition | AssetKeyInput)[];

/** A target as stored in the snapshot: always a selection string; `keys` when given as a list. */
export interface AssetTarget {
  selection: string;
  /** The keys, when the target was a list (lets load-time errors name the unknown key). */
  keys?: string[];
}

/**
 * Normalises a target to a selection string; syntax errors and bad keys throw at definition
 * time with `where`.
 *
 * @example
 * toAssetTarget(["raw/orders", "mart/totals"], 'Schedule "s"').selection; // '"raw/orders" or "mart/totals"'
 */
export function toAssetTarget(input: AssetTargetInput, what: string, where?: string): AssetTarget {
  if (typeof input === "string") {
    try {
      parseSelection(input);
    } catch (err) {
      const e = err as StrataError;
      throw new StrataError("SELECTION_SYNTAX", `${what}: invalid selection "${input}": ${e.message}`, { where, hint: e.hint, cause: err });
    }
    return Object.freeze({ selection: input });
  }
  if (!Array.isArray(input) || input.length === 0) {
    throw new StrataError("DEFS_INVALID", `${what} needs a target: a selection string or a non-empty list of assets`, {
      where,
      hint: 'e.g. target: "group:bronze" or target: [orders, "raw/customers"].',
    });
  }
  const keys: string[] = [];
  for (const ref of input as readonly unknown[]) {
    if (typeof ref === "object" && ref !== null && (ref as { kind?: unknown }).kind === "assets") {
      for (const s of (ref as AssetsDefinition).specs) keys.push(s.key);
    } else if (typeof ref === "string" || Array.isArray(ref)) {
      keys.push(toAssetKey(ref as AssetKeyInput, where));
    } else {
      throw new StrataError("DEFS_INVALID", `${what}: target entry ${String(ref)} is not an asset or a key`, { where });
    }
  }
  const unique = [...new Set(keys)];
  return Object.freeze({ selection: unique.map((k) => quoteSelectionValue(k)).join(" or "), keys: Object.freeze(unique) as string[] });
}

const parsedCache = new Map<string, SelectionAst>();

/** Evaluates a stored target against a graph (no validation: see {@link requireTargetKeys}). */
export function targetKeys(target: AssetTarget | string, graph: AssetGraph): Set<string> {
  const sel = typeof target === "string" ? target : target.selection;
  let ast = parsedCache.get(sel);
  if (ast === undefined) {
    ast = parseSelection(sel);
    if (parsedCache.size > 10_000) parsedCache.clear();
    parsedCache.set(sel, ast);
  }
  return evaluateSelection(ast, graph);
}

/**
 * The keys a target selects; throws when a key named in it is unknown (DEFS_UNKNOWN_DEP, closest
 * key suggested) or the selection matches nothing (SELECTION_EMPTY). Used at load time.
 */
export function requireTargetKeys(target: AssetTarget | string, graph: AssetGraph, what: string, where?: string): string[] {
  const selection = typeof target === "string" ? target : target.selection;
  for (const k of explicitKeys(parseSelection(selection))) {
    if (!graph.has(k)) {
      const hint = closest(k, graph.keys());
      throw new StrataError("DEFS_UNKNOWN_DEP", `${what} references unknown asset "${k}"`, {
        where,
        assetKey: k,
        hint: hint ? `Did you mean "${hint}"?` : "Define that asset, or fix the key.",
      });
    }
  }
  const keys = targetKeys(selection, graph);
  if (keys.size === 0) {
    throw new StrataError("SELECTION_EMPTY", `${what}: selection "${selection}" matches no asset`, {
      where,
      hint: "Fix the selection (see `strata list --select ...`), or remove the definition.",
    });
  }
  return [...keys].sort();
}

/** Keys named literally (no wildcard) anywhere in a selection. */
function explicitKeys(ast: SelectionAst): string[] {
  const out: string[] = [];
  const stack: SelectionAst[] = [ast];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === "key" && !n.value.includes("*")) out.push(n.value);
    if ("operand" in n) stack.push(n.operand);
    if ("operands" in n) stack.push(...n.operands);
  }
  return out;
}
