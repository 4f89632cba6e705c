import { closest } from "../suggest.ts";
import {
  SELECTION_ATTRIBUTES,
  SELECTION_FUNCTIONS,
  type SelectionDepth,
  type SelectionAst,
  type SelectionAttribute,
  type SelectionFunction,
} from "./ast.ts";
import { formatSelectionError, selectionSyntaxError } from "./syntax-error.ts";
import { StrataError } from "../errors.ts";
import { tokenizeSelection, type SelectionToken } from "./tokenizer.ts";

/** Deepest nesting of parentheses, function calls and `not`s accepted (keeps every walk shallow). */
export const MAX_SELECTION_NESTING = 100;

const DIGITS = /^[0-9]+$/;

/**
 * Parses an asset selection into its AST. Any syntax error throws a
 * `StrataError("SELECTION_SYNTAX")` whose `details` carry `{ column, expected?, found? }`.
 *
 * @example
 * parseSelection('2+key:"mart/*" and not group:bronze')
 * parseSelection("roots(tag:tier=gold)") // { type: "roots", operand: { type: "tag", ... } }
 */
export function parseSelection(input: string): SelectionAst {
  try {
    return parseTokens(input);
  } catch (err) {
    // Attach the caret picture so any caller (CLI, API) can show where the error is.
    if (err instanceof StrataError && err.code === "SELECTION_SYNTAX" && err.details) {
      err.details.caret = formatSelectionError(input, err);
    }
    throw err;
  }
}

function parseTokens(input: string): SelectionAst {
  const tokens = tokenizeSelection(input);
  if (tokens.length === 1) {
    throw selectionSyntaxError(
      "the selection is empty",
      { column: 1, expected: "a selection", found: "end of input" },
      'Select by key (raw/orders), by attribute (group:bronze), or "*" for every asset.',
    );
  }
  return new Parser(tokens).parse();
}

class Parser {
  private pos = 0;
  private nesting = 0;

  constructor(private readonly tokens: readonly SelectionToken[]) {}

  parse(): SelectionAst {
    const ast = this.parseOr();
    const t = this.peek();
    if (t.kind !== "eof") {
      const hint =
        t.kind === "colon"
          ? 'Quote values that contain ":", e.g. owner:"team:data".'
          : t.kind === "rparen"
            ? 'There is no "(" for this ")" to close.'
            : 'Join selections with "and" or "or".';
      throw this.unexpected(t, '"and", "or" or end of input', hint);
    }
    return ast;
  }

  private parseOr(): SelectionAst {
    this.enter();
    const operands = [this.parseAnd()];
    while (this.isKeyword(this.peek(), "or")) {
      this.pos++;
      operands.push(this.parseAnd());
    }
    this.nesting--;
    return operands.length === 1 ? operands[0]! : { type: "or", operands };
  }

  private parseAnd(): SelectionAst {
    const operands = [this.parseNot()];
    while (this.isKeyword(this.peek(), "and")) {
      this.pos++;
      operands.push(this.parseNot());
    }
    return operands.length === 1 ? operands[0]! : { type: "and", operands };
  }

  private parseNot(): SelectionAst {
    let nots = 0;
    // `not:` is an (unknown) attribute, reported by parsePrimary.
    while (this.isKeyword(this.peek(), "not") && this.peek(1).kind !== "colon") {
      this.enter();
      this.pos++;
      nots++;
    }
    let ast = this.parseTraversal();
    for (; nots > 0; nots--) {
      ast = { type: "not", operand: ast };
      this.nesting--;
    }
    return ast;
  }

  private parseTraversal(): SelectionAst {
    let up: SelectionDepth | undefined;
    const t = this.peek();
    if (t.kind === "word" && DIGITS.test(t.value) && this.peek(1).kind === "plus") {
      up = this.depth(t);
      this.pos += 2;
    } else if (t.kind === "plus") {
      up = "all";
      this.pos++;
    }
    const operand = this.parsePrimary();
    let down: SelectionDepth | undefined;
    if (this.peek().kind === "plus") {
      this.pos++;
      const d = this.peek();
      if (d.kind === "word" && DIGITS.test(d.value)) {
        down = this.depth(d);
        this.pos++;
      } else {
        down = "all";
      }
    }
    if (up === undefined && down === undefined) return operand;
    return {
      type: "traverse",
      operand,
      ...(up === undefined ? {} : { up }),
      ...(down === undefined ? {} : { down }),
    };
  }

  private parsePrimary(): SelectionAst {
    const t = this.peek();
    if (t.kind === "lparen") {
      this.pos++;
      const inner = this.parseOr();
      this.expectClose(t);
      return inner;
    }
    if (t.kind === "string") {
      this.pos++;
      return { type: "key", value: t.value };
    }
    if (t.kind === "word") {
      const next = this.peek(1);
      if (next.kind === "colon") return this.parseAttribute(t);
      const keyword = ["and", "or", "not"].includes(t.value.toLowerCase());
      if (next.kind === "lparen" && !keyword) return this.parseFunction(t);
      if (keyword) {
        throw this.unexpected(
          t,
          "a selection",
          `"${t.value}" is an operator here; to select an asset with that key, quote it: "${t.value}".`,
        );
      }
      this.pos++;
      return t.value === "*" ? { type: "all" } : { type: "key", value: t.value };
    }
    throw this.unexpected(
      t,
      "a selection",
      'Select by key (raw/orders), by attribute (group:bronze), or "*".',
    );
  }

  private parseAttribute(name: SelectionToken): SelectionAst {
    if (!(SELECTION_ATTRIBUTES as readonly string[]).includes(name.value)) {
      const suggestion = closest(name.value.toLowerCase(), SELECTION_ATTRIBUTES);
      throw selectionSyntaxError(
        `unknown attribute "${name.value}"`,
        {
          column: name.start + 1,
          expected: `an attribute (${SELECTION_ATTRIBUTES.join(", ")})`,
          found: JSON.stringify(name.value),
          ...(suggestion === undefined ? {} : { suggestion }),
        },
        suggestion === undefined
          ? `Attributes are ${SELECTION_ATTRIBUTES.join(", ")}.`
          : `Did you mean "${suggestion}:"?`,
      );
    }
    const attr = name.value as SelectionAttribute;
    this.pos += 2;
    const value = this.expectValue(`a value after "${attr}:"`);
    if (attr === "key") return { type: "key", value };
    if (attr === "tag") {
      if (this.peek().kind !== "equals") return { type: "tag", key: value };
      this.pos++;
      return { type: "tag", key: value, value: this.expectValue('a tag value after "="') };
    }
    return { type: attr, value };
  }

  private parseFunction(name: SelectionToken): SelectionAst {
    if (!(SELECTION_FUNCTIONS as readonly string[]).includes(name.value)) {
      const suggestion = closest(name.value.toLowerCase(), SELECTION_FUNCTIONS);
      throw selectionSyntaxError(
        `unknown function "${name.value}"`,
        {
          column: name.start + 1,
          expected: `a function (${SELECTION_FUNCTIONS.join(", ")})`,
          found: JSON.stringify(name.value),
          ...(suggestion === undefined ? {} : { suggestion }),
        },
        suggestion === undefined
          ? `Functions are ${SELECTION_FUNCTIONS.join(", ")}; quote a key that is followed by "(".`
          : `Did you mean "${suggestion}("?`,
      );
    }
    const open = this.peek(1);
    this.pos += 2;
    const operand = this.parseOr();
    this.expectClose(open);
    return { type: name.value as SelectionFunction, operand };
  }

  private expectValue(expected: string): string {
    const t = this.peek();
    if (t.kind === "word" || t.kind === "string") {
      this.pos++;
      return t.value;
    }
    throw this.unexpected(t, expected, 'Write a word (raw/orders) or a quoted string ("team:data").');
  }

  private expectClose(open: SelectionToken): void {
    const t = this.peek();
    if (t.kind === "rparen") {
      this.pos++;
      return;
    }
    throw this.unexpected(t, '")"', `Close the "(" at column ${open.start + 1}.`);
  }

  private depth(t: SelectionToken): number {
    const n = Number(t.value);
    if (!Number.isSafeInteger(n)) {
      throw selectionSyntaxError(
        `depth ${t.value} is too large`,
        { column: t.start + 1, expected: "a depth up to 2^53", found: JSON.stringify(t.value) },
        'Leave the number out ("+x") to follow every level.',
      );
    }
    return n;
  }

  private enter(): void {
    if (++this.nesting > MAX_SELECTION_NESTING) {
      const t = this.peek();
      throw selectionSyntaxError(`the selection is nested more than ${MAX_SELECTION_NESTING} levels deep`, {
        column: t.start + 1,
        found: describe(t),
      });
    }
  }

  private unexpected(t: SelectionToken, expected: string, hint?: string): Error {
    const prev = this.tokens[this.pos - 1];
    const after = prev === undefined || expected.includes(" after ") ? "" : ` after ${describe(prev)}`;
    const found = describe(t);
    return selectionSyntaxError(
      `expected ${expected}${after}, found ${found}`,
      { column: t.start + 1, expected, found },
      hint,
    );
  }

  private peek(ahead = 0): SelectionToken {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)]!;
  }

  private isKeyword(t: SelectionToken, keyword: string): boolean {
    return t.kind === "word" && t.value.toLowerCase() === keyword;
  }
}

function describe(t: SelectionToken): string {
  if (t.kind === "eof") return "end of input";
  const text = t.text.length > 30 ? `${t.text.slice(0, 27)}...` : t.text;
  return t.kind === "string" ? text : JSON.stringify(text);
}
