export * from "./ast.ts";
export { parseSelection, MAX_SELECTION_NESTING } from "./parser.ts";
export { evaluateSelection } from "./evaluate.ts";
export { selectAssets } from "./select-assets.ts";
export { selectionToString, quoteSelectionValue } from "./printer.ts";
export { formatSelectionError, type SelectionErrorDetails } from "./syntax-error.ts";
export { keyMatcher } from "./key-pattern.ts";
export {
  tokenizeSelection,
  isSelectionWord,
  type SelectionToken,
  type SelectionTokenKind,
} from "./tokenizer.ts";
