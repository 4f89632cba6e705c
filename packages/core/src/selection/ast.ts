/**
 * How far a traversal goes: a number of levels, or `"all"` for the whole upstream/downstream.
 *
 * @example
 * const twoLevels: SelectionDepth = 2; // from `2+x`
 * const everything: SelectionDepth = "all"; // from `+x`
 */
export type SelectionDepth = number | "all";

/** Attribute filters a selection may use, as written before the `:`. */
export const SELECTION_ATTRIBUTES = ["key", "tag", "group", "kind", "owner", "code_location"] as const;
export type SelectionAttribute = (typeof SELECTION_ATTRIBUTES)[number];

/** Functions a selection may call, e.g. `roots(group:bronze)`. */
export const SELECTION_FUNCTIONS = ["roots", "sinks"] as const;
export type SelectionFunction = (typeof SELECTION_FUNCTIONS)[number];

/**
 * The parsed form of an asset selection: a JSON-serialisable discriminated union on `type`.
 * `and`/`or` are n-ary (a chain `a or b or c` is one node); an explicitly parenthesised
 * sub-expression stays a separate node, so printing and re-parsing gives the same tree.
 *
 * @example
 * parseSelection("+key:raw/orders and not tag:tier=gold")
 * // { type: "and", operands: [
 * //   { type: "traverse", up: "all", operand: { type: "key", value: "raw/orders" } },
 * //   { type: "not", operand: { type: "tag", key: "tier", value: "gold" } } ] }
 */
export type SelectionAst =
  | SelectionAllNode
  | SelectionKeyNode
  | SelectionTagNode
  | SelectionValueNode
  | SelectionNotNode
  | SelectionAndNode
  | SelectionOrNode
  | SelectionTraverseNode
  | SelectionFunctionNode;

/** `*`: every asset. */
export interface SelectionAllNode {
  type: "all";
}

/** `key:raw/orders` or `raw/*`; `*` in `value` matches any characters, `/` included. */
export interface SelectionKeyNode {
  type: "key";
  value: string;
}

/** `tag:tier` (tag present with any value) or `tag:tier=gold` (exact value). */
export interface SelectionTagNode {
  type: "tag";
  key: string;
  value?: string;
}

/** `group:`, `kind:`, `owner:` and `code_location:` filters: exact match on the value. */
export interface SelectionValueNode {
  type: "group" | "kind" | "owner" | "code_location";
  value: string;
}

export interface SelectionNotNode {
  type: "not";
  operand: SelectionAst;
}

/** Intersection of two or more operands. */
export interface SelectionAndNode {
  type: "and";
  operands: SelectionAst[];
}

/** Union of two or more operands. */
export interface SelectionOrNode {
  type: "or";
  operands: SelectionAst[];
}

/**
 * `2+x`, `x+`, `+x+1`: the operand plus its upstream (`up`) and/or downstream (`down`) within
 * the given depth. `+x+` is the union of both directions, not the upstream of the downstream.
 * At least one of `up` and `down` is present.
 */
export interface SelectionTraverseNode {
  type: "traverse";
  operand: SelectionAst;
  up?: SelectionDepth;
  down?: SelectionDepth;
}

/** `roots(sel)` / `sinks(sel)`: members of `sel` with no parent / child inside `sel`. */
export interface SelectionFunctionNode {
  type: SelectionFunction;
  operand: SelectionAst;
}
