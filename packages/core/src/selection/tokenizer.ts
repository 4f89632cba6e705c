import { selectionSyntaxError } from "./syntax-error.ts";

export type SelectionTokenKind =
  | "word"
  | "string"
  | "colon"
  | "equals"
  | "lparen"
  | "rparen"
  | "plus"
  | "eof";

export interface SelectionToken {
  kind: SelectionTokenKind;
  /** The word, or the unescaped contents of a quoted string; the raw text otherwise. */
  value: string;
  /** The token as written (with quotes and escapes for strings). */
  text: string;
  /** 0-based offset of the first character. */
  start: number;
}

const WORD_CHAR = /[A-Za-z0-9_\-./*@]/;
const PUNCT: Record<string, SelectionTokenKind> = {
  ":": "colon",
  "=": "equals",
  "(": "lparen",
  ")": "rparen",
  "+": "plus",
};
const HINTS: Record<string, string> = {
  "&": 'Use "and" to intersect selections.',
  "|": 'Use "or" to combine selections.',
  "!": 'Use "not" to negate a selection.',
  "'": 'Quote values with double quotes, e.g. key:"raw/*".',
  ",": "roots() and sinks() take one selection; combine several with or.",
};

/** True when `s` can be written without quotes. */
export function isSelectionWord(s: string): boolean {
  if (s.length === 0) return false;
  for (const ch of s) if (!WORD_CHAR.test(ch)) return false;
  return true;
}

/**
 * Splits a selection into tokens. Unquoted words are letters, digits and `_ - . / * @`;
 * quoted strings use double quotes with `\"` and `\\` as the only escapes.
 *
 * @example
 * tokenizeSelection('tag:"tier"=gold').map((t) => t.kind) // ["word","colon","string","equals","word","eof"]
 */
export function tokenizeSelection(input: string): SelectionToken[] {
  const tokens: SelectionToken[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (WORD_CHAR.test(ch)) {
      const start = i;
      while (i < input.length && WORD_CHAR.test(input[i]!)) i++;
      const text = input.slice(start, i);
      tokens.push({ kind: "word", value: text, text, start });
    } else if (ch === '"') {
      i = readString(input, i, tokens);
    } else if (PUNCT[ch] !== undefined) {
      tokens.push({ kind: PUNCT[ch], value: ch, text: ch, start: i });
      i++;
    } else {
      const cp = input.codePointAt(i)!;
      const shown = String.fromCodePoint(cp);
      throw selectionSyntaxError(
        `unexpected character ${JSON.stringify(shown)}`,
        { column: i + 1, found: JSON.stringify(shown) },
        HINTS[ch] ?? 'Quote values that contain other characters, e.g. owner:"team:data".',
      );
    }
  }
  tokens.push({ kind: "eof", value: "", text: "", start: input.length });
  return tokens;
}

/** Reads a quoted string starting at `start` (the opening quote); returns the offset after it. */
function readString(input: string, start: number, tokens: SelectionToken[]): number {
  let value = "";
  let i = start + 1;
  while (i < input.length) {
    const ch = input[i]!;
    if (ch === '"') {
      tokens.push({ kind: "string", value, text: input.slice(start, i + 1), start });
      return i + 1;
    }
    if (ch === "\\") {
      const next = input[i + 1];
      if (next === undefined) break;
      if (next !== '"' && next !== "\\") {
        throw selectionSyntaxError(
          `unknown escape "\\${next}" in a quoted string`,
          { column: i + 1, expected: '\\" or \\\\', found: JSON.stringify(`\\${next}`) },
          'Inside quotes only \\" (a quote) and \\\\ (a backslash) are escapes.',
        );
      }
      value += next;
      i += 2;
    } else {
      value += ch;
      i++;
    }
  }
  throw selectionSyntaxError(
    "unterminated quoted string",
    { column: start + 1, expected: 'a closing "', found: "end of input" },
    'Close the string with a double quote, e.g. key:"raw/*".',
  );
}
