import { describe, expect, it } from "vitest";
import type { SelectionAst } from "./ast.ts";
import { parseSelection as p } from "./parser.ts";

const key = (value: string): SelectionAst => ({ type: "key", value });

describe("parseSelection: primaries", () => {
  it("parses every attribute filter", () => {
    expect(p("key:raw/orders")).toEqual(key("raw/orders"));
    expect(p("tag:tier")).toStrictEqual({ type: "tag", key: "tier" });
    expect(p("tag:tier=gold")).toEqual({ type: "tag", key: "tier", value: "gold" });
    expect(p("group:bronze")).toEqual({ type: "group", value: "bronze" });
    expect(p("kind:duckdb")).toEqual({ type: "kind", value: "duckdb" });
    expect(p("owner:a@b.com")).toEqual({ type: "owner", value: "a@b.com" });
    expect(p("code_location:analytics")).toEqual({ type: "code_location", value: "analytics" });
  });

  it("accepts quoted values anywhere a value goes", () => {
    expect(p('key:"raw/*"')).toEqual(key("raw/*"));
    expect(p('tag:"tier"="gold"')).toEqual({ type: "tag", key: "tier", value: "gold" });
    expect(p('tag:"tier"=gold')).toEqual({ type: "tag", key: "tier", value: "gold" });
    expect(p('owner:"team:data"')).toEqual({ type: "owner", value: "team:data" });
    expect(p('group:"with space"')).toEqual({ type: "group", value: "with space" });
    expect(p('tag:pii=""')).toEqual({ type: "tag", key: "pii", value: "" });
    expect(p('key:"say \\"hi\\""')).toEqual(key('say "hi"'));
  });

  it("reads a bare word or string as a key", () => {
    expect(p("raw/orders")).toEqual(key("raw/orders"));
    expect(p("raw/*")).toEqual(key("raw/*"));
    expect(p('"raw/*"')).toEqual(key("raw/*"));
    expect(p('"and"')).toEqual(key("and"));
    expect(p("roots")).toEqual(key("roots"));
    expect(p("7")).toEqual(key("7"));
  });

  it("reads a lone * as every asset, but key:* as a key pattern", () => {
    expect(p("*")).toEqual({ type: "all" });
    expect(p(" * ")).toEqual({ type: "all" });
    expect(p("key:*")).toEqual(key("*"));
    expect(p('"*"')).toEqual(key("*"));
  });

  it("treats keywords as values after an attribute", () => {
    expect(p("key:and")).toEqual(key("and"));
    expect(p("group:not")).toEqual({ type: "group", value: "not" });
  });

  it("ignores whitespace around tokens", () => {
    expect(p("  tag : tier = gold ")).toEqual({ type: "tag", key: "tier", value: "gold" });
  });
});

describe("parseSelection: traversal", () => {
  it("parses every traversal form", () => {
    const x = key("x");
    expect(p("+x")).toEqual({ type: "traverse", operand: x, up: "all" });
    expect(p("2+x")).toEqual({ type: "traverse", operand: x, up: 2 });
    expect(p("x+")).toEqual({ type: "traverse", operand: x, down: "all" });
    expect(p("x+1")).toEqual({ type: "traverse", operand: x, down: 1 });
    expect(p("+x+")).toEqual({ type: "traverse", operand: x, up: "all", down: "all" });
    expect(p("1+x+2")).toEqual({ type: "traverse", operand: x, up: 1, down: 2 });
    expect(p("0+x+0")).toEqual({ type: "traverse", operand: x, up: 0, down: 0 });
    expect(p("10 + x + 20")).toEqual({ type: "traverse", operand: x, up: 10, down: 20 });
  });

  it("applies to attributes, parentheses, functions and *", () => {
    expect(p("+group:gold")).toEqual({
      type: "traverse",
      operand: { type: "group", value: "gold" },
      up: "all",
    });
    expect(p('+key:"raw/*"+1')).toEqual({ type: "traverse", operand: key("raw/*"), up: "all", down: 1 });
    expect(p("2+(a or b)")).toEqual({
      type: "traverse",
      operand: { type: "or", operands: [key("a"), key("b")] },
      up: 2,
    });
    expect(p("roots(a)+")).toEqual({
      type: "traverse",
      operand: { type: "roots", operand: key("a") },
      down: "all",
    });
    expect(p("+*")).toEqual({ type: "traverse", operand: { type: "all" }, up: "all" });
    expect(p("+(+x)")).toEqual({
      type: "traverse",
      up: "all",
      operand: { type: "traverse", up: "all", operand: key("x") },
    });
  });

  it("reads digits as a depth only next to +, and as keys otherwise", () => {
    expect(p("x+2")).toEqual({ type: "traverse", operand: key("x"), down: 2 });
    expect(p('"2"+')).toEqual({ type: "traverse", operand: key("2"), down: "all" });
    expect(p("key:2+")).toEqual({ type: "traverse", operand: key("2"), down: "all" });
    expect(p("2x+")).toEqual({ type: "traverse", operand: key("2x"), down: "all" });
  });

  it("binds tighter than not, and, or", () => {
    expect(p("not +x")).toEqual({ type: "not", operand: { type: "traverse", operand: key("x"), up: "all" } });
    expect(p("a+ and +b")).toEqual({
      type: "and",
      operands: [
        { type: "traverse", operand: key("a"), down: "all" },
        { type: "traverse", operand: key("b"), up: "all" },
      ],
    });
  });
});

describe("parseSelection: boolean operators", () => {
  const [a, b, c, d] = ["a", "b", "c", "d"].map(key) as [
    SelectionAst,
    SelectionAst,
    SelectionAst,
    SelectionAst,
  ];

  it("collects chains into n-ary nodes", () => {
    expect(p("a and b and c")).toEqual({ type: "and", operands: [a, b, c] });
    expect(p("a or b or c")).toEqual({ type: "or", operands: [a, b, c] });
  });

  it("gives not > and > or", () => {
    expect(p("a or b and c")).toEqual({ type: "or", operands: [a, { type: "and", operands: [b, c] }] });
    expect(p("a and b or c and d")).toEqual({
      type: "or",
      operands: [
        { type: "and", operands: [a, b] },
        { type: "and", operands: [c, d] },
      ],
    });
    expect(p("not a and b")).toEqual({ type: "and", operands: [{ type: "not", operand: a }, b] });
    expect(p("not a or not b")).toEqual({
      type: "or",
      operands: [
        { type: "not", operand: a },
        { type: "not", operand: b },
      ],
    });
  });

  it("lets parentheses override precedence and keeps them as separate nodes", () => {
    expect(p("(a or b) and c")).toEqual({ type: "and", operands: [{ type: "or", operands: [a, b] }, c] });
    expect(p("not (a or b)")).toEqual({ type: "not", operand: { type: "or", operands: [a, b] } });
    expect(p("a and (b and c)")).toEqual({ type: "and", operands: [a, { type: "and", operands: [b, c] }] });
    expect(p("((a))")).toEqual(a);
  });

  it("reads keywords in any case", () => {
    expect(p("a AND b Or NOT c")).toEqual({
      type: "or",
      operands: [
        { type: "and", operands: [a, b] },
        { type: "not", operand: c },
      ],
    });
  });

  it("allows stacked not and not directly before a parenthesis", () => {
    expect(p("not not a")).toEqual({ type: "not", operand: { type: "not", operand: a } });
    expect(p("not(a)")).toEqual({ type: "not", operand: a });
    expect(p("a and(b)")).toEqual({ type: "and", operands: [a, b] });
  });
});

describe("parseSelection: functions", () => {
  it("parses roots and sinks around any selection", () => {
    expect(p("roots(group:bronze)")).toEqual({ type: "roots", operand: { type: "group", value: "bronze" } });
    expect(p("sinks(a or b)")).toEqual({
      type: "sinks",
      operand: { type: "or", operands: [key("a"), key("b")] },
    });
    expect(p("roots ( sinks(*) )")).toEqual({
      type: "roots",
      operand: { type: "sinks", operand: { type: "all" } },
    });
  });

  it("nests functions, traversal and booleans", () => {
    expect(p("sinks(+roots(tag:tier=gold)) and not kind:python")).toEqual({
      type: "and",
      operands: [
        {
          type: "sinks",
          operand: {
            type: "traverse",
            up: "all",
            operand: { type: "roots", operand: { type: "tag", key: "tier", value: "gold" } },
          },
        },
        { type: "not", operand: { type: "kind", value: "python" } },
      ],
    });
  });

  it("produces JSON-serialisable ASTs", () => {
    const ast = p('1+roots(key:"raw/*" or tag:t=v)+ and not (group:g or owner:"o:p")');
    expect(JSON.parse(JSON.stringify(ast))).toEqual(ast);
  });
});

describe("parseSelection: nesting limit", () => {
  it("accepts nesting up to the limit", () => {
    expect(p(`${"(".repeat(99)}a${")".repeat(99)}`)).toEqual(key("a"));
    expect(() => p(`${"not ".repeat(99)}a`)).not.toThrow();
  });

  it("rejects deeper nesting with a syntax error instead of overflowing the stack", () => {
    expect(() => p(`${"(".repeat(5000)}a${")".repeat(5000)}`)).toThrow(
      expect.objectContaining({ code: "SELECTION_SYNTAX" }),
    );
    expect(() => p(`${"not ".repeat(5000)}a`)).toThrow(/nested more than 100/);
    expect(() => p(`${"roots(".repeat(200)}a${")".repeat(200)}`)).toThrow(
      expect.objectContaining({ code: "SELECTION_SYNTAX" }),
    );
  });

  it("handles long flat chains without deep trees", () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `k${i}`);
    const ast = p(keys.join(" or "));
    expect(ast).toMatchObject({ type: "or" });
    expect(ast.type === "or" && ast.operands.length).toBe(20_000);
  });
});
