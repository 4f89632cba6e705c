import { describe, expect, it } from "vitest";
import type { SelectionAst } from "./ast.ts";
import { parseSelection } from "./parser.ts";
import { quoteSelectionValue, selectionToString } from "./printer.ts";

const canon = (s: string) => selectionToString(parseSelection(s));

describe("selectionToString", () => {
  it("prints simple keys bare and others with key: and quotes", () => {
    expect(canon("key:raw/orders")).toBe("raw/orders");
    expect(canon('"raw/*"')).toBe("raw/*");
    expect(canon('"and"')).toBe("key:and");
    expect(canon('"NOT"')).toBe("key:NOT");
    expect(canon('"42"')).toBe("key:42");
    expect(canon('key:"*"')).toBe("key:*");
    expect(canon('"a b"')).toBe('key:"a b"');
    expect(canon('""')).toBe('key:""');
  });

  it("prints attributes, quoting only when needed", () => {
    expect(canon('tag:"tier"="gold"')).toBe("tag:tier=gold");
    expect(canon("tag : tier")).toBe("tag:tier");
    expect(canon('owner:"team:data"')).toBe('owner:"team:data"');
    expect(canon('kind:"a\\"b\\\\c"')).toBe('kind:"a\\"b\\\\c"');
    expect(canon("group:and")).toBe("group:and");
    expect(canon("code_location:x")).toBe("code_location:x");
    expect(canon('tag:pii=""')).toBe('tag:pii=""');
  });

  it("prints traversals", () => {
    expect(canon("+x")).toBe("+x");
    expect(canon("2 + x + 3")).toBe("2+x+3");
    expect(canon("x+")).toBe("x+");
    expect(canon("+*+")).toBe("+*+");
    expect(canon('"7"+1')).toBe("key:7+1");
  });

  it("adds parentheses only where the tree needs them", () => {
    expect(canon("a or b and c")).toBe("a or b and c");
    expect(canon("(a or b) and c")).toBe("(a or b) and c");
    expect(canon("(a and b) and c")).toBe("(a and b) and c");
    expect(canon("(a and b) or c")).toBe("a and b or c");
    expect(canon("a or (b or c)")).toBe("a or (b or c)");
    expect(canon("not (a or b)")).toBe("not (a or b)");
    expect(canon("NOT (not a)")).toBe("not not a");
    expect(canon("+(a or b)+1")).toBe("+(a or b)+1");
    expect(canon("+(not a)")).toBe("+(not a)");
    expect(canon("+(+a)")).toBe("+(+a)");
    expect(canon("not +a")).toBe("not +a");
    expect(canon("(((a)))")).toBe("a");
    expect(canon("roots( (a or b) )")).toBe("roots(a or b)");
    expect(canon("sinks(roots(*))+")).toBe("sinks(roots(*))+");
  });

  it("prints hand-built ASTs that parse back to themselves", () => {
    const ast: SelectionAst = {
      type: "or",
      operands: [
        {
          type: "and",
          operands: [
            { type: "key", value: "or" },
            { type: "tag", key: "a=b", value: "c d" },
          ],
        },
        {
          type: "traverse",
          up: 0,
          down: "all",
          operand: { type: "roots", operand: { type: "owner", value: "x@y" } },
        },
      ],
    };
    expect(selectionToString(ast)).toBe('key:or and tag:"a=b"="c d" or 0+roots(owner:x@y)+');
    expect(parseSelection(selectionToString(ast))).toStrictEqual(ast);
  });
});

describe("quoteSelectionValue", () => {
  it("escapes quotes and backslashes", () => {
    expect(quoteSelectionValue('a"b\\c')).toBe('"a\\"b\\\\c"');
  });
});
