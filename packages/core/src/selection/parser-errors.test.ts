import { describe, expect, it } from "vitest";
import { StrataError } from "../errors.ts";
import { parseSelection } from "./parser.ts";
import { formatSelectionError } from "./syntax-error.ts";

function errorOf(input: string): StrataError {
  try {
    parseSelection(input);
  } catch (err) {
    if (err instanceof StrataError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

// [input, column, found]
const cases: [string, number, string][] = [
  ["", 1, "end of input"],
  ["   ", 1, "end of input"],
  ["key:", 5, "end of input"],
  ["key: ", 6, "end of input"],
  ['tag:"a"=', 9, "end of input"],
  ["tag:=a", 5, '"="'],
  ["(a or b", 8, "end of input"],
  ["a and", 6, "end of input"],
  ["a or", 5, "end of input"],
  ["not", 4, "end of input"],
  ["2+", 3, "end of input"],
  ["+", 2, "end of input"],
  ["++x", 2, '"+"'],
  ["x++", 3, '"+"'],
  ["a+1+b", 4, '"+"'],
  ["foo:bar", 1, '"foo"'],
  ["a and foo:bar", 7, '"foo"'],
  ['key:"raw', 5, "end of input"],
  ['a or "b', 6, "end of input"],
  ["a b", 3, '"b"'],
  ["a)", 2, '")"'],
  ["()", 2, '")"'],
  ["roots()", 7, '")"'],
  ["roots(a", 8, "end of input"],
  ["roots(a, b)", 8, '","'],
  ["bogus(a)", 1, '"bogus"'],
  ["and", 1, '"and"'],
  ["a and or b", 7, '"or"'],
  ["+not a", 2, '"not"'],
  ["owner:team:data", 11, '":"'],
  ["group:a=b", 8, '"="'],
  ["key:(a)", 5, '"("'],
  ["a && b", 3, '"&"'],
  ["not not", 8, "end of input"],
  ["x+y", 3, '"y"'],
  ['"a"(b)', 4, '"("'],
  ["(a))", 4, '")"'],
  ["99999999999999999999+x", 1, '"99999999999999999999"'],
  ['tag:a="b', 7, "end of input"],
];

describe("parseSelection errors", () => {
  it.each(cases)("%j fails at column %i, found %s", (input, column, found) => {
    const err = errorOf(input);
    expect(err.code).toBe("SELECTION_SYNTAX");
    expect(err.message).toContain(`column ${column}`);
    expect(err.details).toMatchObject({ column, found });
    expect(err.where).toBe(`column ${column}`);
  });

  it("says what was expected", () => {
    expect(errorOf("key:").details).toMatchObject({ expected: 'a value after "key:"' });
    expect(errorOf('tag:"a"=').details).toMatchObject({ expected: 'a tag value after "="' });
    expect(errorOf("(a or b").details).toMatchObject({ expected: '")"' });
    expect(errorOf("a and").message).toBe(
      'Invalid selection at column 6: expected a selection after "and", found end of input',
    );
    expect(errorOf("2+").message).toContain('after "+"');
  });

  it("points at the unclosed parenthesis in the hint", () => {
    expect(errorOf("a and (b or (c)").hint).toBe('Close the "(" at column 7.');
  });

  it("suggests a close attribute name", () => {
    const err = errorOf("grp:bronze");
    expect(err.message).toContain('unknown attribute "grp"');
    expect(err.details).toMatchObject({ column: 1, suggestion: "group" });
    expect(err.hint).toBe('Did you mean "group:"?');
    expect(errorOf("Key:x").details).toMatchObject({ suggestion: "key" });
    expect(errorOf("codelocation:x").details).toMatchObject({ suggestion: "code_location" });
    expect(errorOf("tags:x").details).toMatchObject({ suggestion: "tag" });
  });

  it("lists the attributes when nothing is close", () => {
    const err = errorOf("zzzzzzzz:x");
    expect(err.details?.["suggestion"]).toBeUndefined();
    expect(err.hint).toContain("key, tag, group, kind, owner, code_location");
  });

  it("suggests a close function name", () => {
    expect(errorOf("root(a)").details).toMatchObject({ suggestion: "roots", column: 1 });
    expect(errorOf("SINKS(a)").hint).toBe('Did you mean "sinks("?');
  });

  it("hints at quoting for values containing a colon and for keyword keys", () => {
    expect(errorOf("owner:team:data").hint).toContain('owner:"team:data"');
    expect(errorOf("or").hint).toContain('"or"');
  });

  it("reports the column of the offending token on later lines too", () => {
    expect(errorOf("a and\n  (b or").details).toMatchObject({ column: 14 });
  });
});

describe("formatSelectionError", () => {
  it("draws a caret under the column", () => {
    const input = "group:bronze and";
    expect(formatSelectionError(input, errorOf(input))).toBe(`${input}\n${" ".repeat(16)}^`);
    expect(formatSelectionError("foo:bar", errorOf("foo:bar"))).toBe("foo:bar\n^");
    expect(formatSelectionError("a ) b", errorOf("a ) b"))).toBe("a ) b\n  ^");
  });

  it("shows only the offending line of a multi-line selection and keeps tabs", () => {
    const input = "a or\n\tb c\nor d";
    expect(formatSelectionError(input, errorOf(input))).toBe("\tb c\n\t  ^");
  });

  it("returns the input alone for anything that is not a selection error", () => {
    expect(formatSelectionError("a", new Error("x"))).toBe("a");
    expect(formatSelectionError("a", new StrataError("USAGE", "x"))).toBe("a");
    expect(formatSelectionError("a", "not an error")).toBe("a");
  });
});
