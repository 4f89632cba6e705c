import type { AssetGraph } from "../graph.ts";
import { evaluateSelection } from "./evaluate.ts";
import { parseSelection } from "./parser.ts";

/**
 * Parses and evaluates a selection in one step. Throws `SELECTION_SYNTAX` on bad input;
 * returns an empty set when the selection is valid but matches nothing.
 *
 * @example
 * selectAssets("group:bronze+", graph) // bronze assets and everything downstream of them
 */
export function selectAssets(input: string, graph: AssetGraph): Set<string> {
  return evaluateSelection(parseSelection(input), graph);
}
