import { describe, expect, it } from "vitest";
import { isSelectionWord, tokenizeSelection } from "./tokenizer.ts";

const kinds = (s: string) => tokenizeSelection(s).map((t) => t.kind);

describe("tokenizeSelection", () => {
  it("splits punctuation, words and strings", () => {
    expect(kinds('tag:"tier"=gold')).toEqual(["word", "colon", "string", "equals", "word", "eof"]);
    expect(kinds("2+(a)+1")).toEqual(["word", "plus", "lparen", "word", "rparen", "plus", "word", "eof"]);
  });

  it("keeps word characters together, including * / @ . - _", () => {
    expect(tokenizeSelection("raw/*_x-1.y@z").map((t) => t.value)).toEqual(["raw/*_x-1.y@z", ""]);
  });

  it("records 0-based start offsets and skips any whitespace", () => {
    expect(tokenizeSelection(" a\t\n or  b").map((t) => t.start)).toEqual([1, 5, 9, 10]);
  });

  it("unescapes quoted strings and keeps the raw text", () => {
    const [t] = tokenizeSelection('"a\\"b\\\\c"');
    expect(t).toMatchObject({ kind: "string", value: 'a"b\\c', text: '"a\\"b\\\\c"', start: 0 });
  });

  it("allows any character inside quotes", () => {
    expect(tokenizeSelection('"team:data (x) + é"')[0]!.value).toBe("team:data (x) + é");
    expect(tokenizeSelection('""')[0]).toMatchObject({ kind: "string", value: "" });
  });

  it("rejects characters outside the grammar with a column and a hint", () => {
    expect(() => tokenizeSelection("a && b")).toThrow(/column 3: unexpected character "&"/);
    try {
      tokenizeSelection("a | b");
    } catch (err) {
      expect(err).toMatchObject({
        code: "SELECTION_SYNTAX",
        hint: expect.stringContaining('"or"'),
        details: { column: 3, found: '"|"' },
      });
    }
  });

  it("rejects single quotes, pointing at double quotes", () => {
    expect(() => tokenizeSelection("'raw'")).toThrow(
      expect.objectContaining({ hint: expect.stringContaining("double quotes") }),
    );
  });

  it("reports unterminated strings at the opening quote", () => {
    expect(() => tokenizeSelection('key:"raw/*')).toThrow(
      expect.objectContaining({ details: { column: 5, expected: 'a closing "', found: "end of input" } }),
    );
    expect(() => tokenizeSelection('"abc\\')).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ column: 1 }) }),
    );
  });

  it("rejects unknown escapes at the backslash", () => {
    expect(() => tokenizeSelection('"a\\nb"')).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ column: 3 }) }),
    );
  });
});

describe("isSelectionWord", () => {
  it("accepts unquotable text only", () => {
    expect(isSelectionWord("raw/orders")).toBe(true);
    expect(isSelectionWord("a@b.com")).toBe(true);
    expect(isSelectionWord("")).toBe(false);
    expect(isSelectionWord("team:data")).toBe(false);
    expect(isSelectionWord("a b")).toBe(false);
    expect(isSelectionWord("é")).toBe(false);
  });
});
