import type { SelectionDepth, SelectionAst } from "./ast.ts";
import { isSelectionWord } from "./tokenizer.ts";

const DIGITS = /^[0-9]+$/;
const KEYWORDS = new Set(["and", "or", "not"]);

/**
 * Prints a selection AST back as selection text, adding only the parentheses and quotes it
 * needs. `parseSelection(selectionToString(ast))` gives back an equal AST.
 *
 * @example
 * selectionToString({ type: "traverse", up: 2, operand: { type: "key", value: "mart/orders" } })
 * // "2+mart/orders"
 */
export function selectionToString(ast: SelectionAst): string {
  switch (ast.type) {
    case "all":
      return "*";
    case "key":
      return isBareKey(ast.value) ? ast.value : `key:${value(ast.value)}`;
    case "tag":
      return `tag:${value(ast.key)}${ast.value === undefined ? "" : `=${value(ast.value)}`}`;
    case "group":
    case "kind":
    case "owner":
    case "code_location":
      return `${ast.type}:${value(ast.value)}`;
    case "not":
      return `not ${ast.operand.type === "and" || ast.operand.type === "or" ? paren(ast.operand) : selectionToString(ast.operand)}`;
    case "and":
      return ast.operands
        .map((o) => (o.type === "and" || o.type === "or" ? paren(o) : selectionToString(o)))
        .join(" and ");
    case "or":
      return ast.operands.map((o) => (o.type === "or" ? paren(o) : selectionToString(o))).join(" or ");
    case "traverse": {
      const o = ast.operand;
      const inner =
        o.type === "and" || o.type === "or" || o.type === "not" || o.type === "traverse"
          ? paren(o)
          : selectionToString(o);
      return `${ast.up === undefined ? "" : `${depth(ast.up)}+`}${inner}${ast.down === undefined ? "" : `+${depth(ast.down)}`}`;
    }
    case "roots":
    case "sinks":
      return `${ast.type}(${selectionToString(ast.operand)})`;
  }
}

/** Quotes a string for a selection: `"a\"b"`. */
export function quoteSelectionValue(s: string): string {
  return `"${s.replace(/[\\"]/g, "\\$&")}"`;
}

function value(s: string): string {
  return isSelectionWord(s) ? s : quoteSelectionValue(s);
}

/** A key can stand alone unless it would read as `*`, a keyword or a traversal depth. */
function isBareKey(s: string): boolean {
  return isSelectionWord(s) && s !== "*" && !KEYWORDS.has(s.toLowerCase()) && !DIGITS.test(s);
}

function depth(d: SelectionDepth): string {
  return d === "all" ? "" : String(d);
}

function paren(ast: SelectionAst): string {
  return `(${selectionToString(ast)})`;
}
