import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StrataError } from "../errors.ts";
import type { AssetGraph } from "../graph.ts";
import type { SelectionDepth, SelectionAst } from "./ast.ts";
import { evaluateSelection } from "./evaluate.ts";
import { parseSelection } from "./parser.ts";
import { selectionToString } from "./printer.ts";
import { tokenizeSelection } from "./tokenizer.ts";
import { testAsset, testGraph } from "./test-graph.ts";

/** Parses, or returns the error; fails the property on anything but a SELECTION_SYNTAX error. */
function tryParse(input: string): SelectionAst | StrataError {
  try {
    return parseSelection(input);
  } catch (err) {
    if (err instanceof StrataError && err.code === "SELECTION_SYNTAX") {
      const column = err.details?.["column"];
      if (typeof column !== "number" || column < 1 || column > input.length + 1) {
        throw new Error(`bad column ${String(column)} for ${JSON.stringify(input)}`);
      }
      return err;
    }
    throw err;
  }
}

const fragments = [
  "key",
  "tag",
  "group",
  "kind",
  "owner",
  "code_location",
  "roots",
  "sinks",
  "foo",
  ":",
  "=",
  "(",
  ")",
  "+",
  "*",
  '"',
  '\\"',
  "\\",
  " ",
  "\t",
  "\n",
  "and",
  "or",
  "not",
  "AND",
  "Not",
  "2",
  "0",
  "10",
  "99999999999999999999",
  "raw/orders",
  "raw/*",
  '"raw/*"',
  '"team:data"',
  '"',
  "a@b.com",
  "x",
  "é",
  "&",
  "|",
  "!",
  "'",
  ",",
];
const tokenSoup = fc.array(fc.constantFrom(...fragments), { maxLength: 30 }).map((parts) => parts.join(""));
const spacedSoup = fc.array(fc.constantFrom(...fragments), { maxLength: 30 }).map((parts) => parts.join(" "));

describe("parseSelection fuzz", () => {
  it("either parses or throws SELECTION_SYNTAX with a column, for any string", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" })),
        (s) => {
          tryParse(s);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("either parses or throws SELECTION_SYNTAX for strings made of grammar tokens", () => {
    fc.assert(
      fc.property(fc.oneof(tokenSoup, spacedSoup), (s) => {
        tryParse(s);
      }),
      { numRuns: 3000 },
    );
  });

  it("prints whatever it parses so that it parses back to the same AST", () => {
    fc.assert(
      fc.property(fc.oneof(tokenSoup, spacedSoup), (s) => {
        const ast = tryParse(s);
        if (ast instanceof StrataError) return;
        expect(parseSelection(selectionToString(ast))).toStrictEqual(ast);
      }),
      { numRuns: 3000 },
    );
  });

  it("stays fast on large hostile inputs", () => {
    const inputs = [
      "(".repeat(100_000),
      "not ".repeat(50_000),
      '"'.repeat(100_001),
      "a or ".repeat(20_000) + "a",
      "+".repeat(100_000),
      "a".repeat(100_000),
      "1+".repeat(50_000),
    ];
    const started = performance.now();
    for (const s of inputs) tryParse(s);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

const value = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.string({ unit: "binary", maxLength: 6 }),
  fc.constantFrom(
    "raw/orders",
    "raw/*",
    "*",
    "and",
    "OR",
    "not",
    "roots",
    "2",
    "07",
    "",
    "a b",
    "team:data",
    'q"t',
    "b\\s",
    "key",
    "+",
    "x+1",
  ),
);
const depth: fc.Arbitrary<SelectionDepth> = fc.oneof(
  fc.constant("all" as const),
  fc.nat({ max: 1000 }),
  fc.constant(Number.MAX_SAFE_INTEGER),
);

const { ast: astArb } = fc.letrec<{ ast: SelectionAst }>((tie) => ({
  ast: fc.oneof(
    { maxDepth: 5, depthSize: "small" },
    fc.oneof(
      fc.constant<SelectionAst>({ type: "all" }),
      value.map((v): SelectionAst => ({ type: "key", value: v })),
      fc
        .tuple(value, fc.option(value, { nil: undefined }))
        .map(
          ([k, v]): SelectionAst =>
            v === undefined ? { type: "tag", key: k } : { type: "tag", key: k, value: v },
        ),
      fc
        .tuple(fc.constantFrom("group", "kind", "owner", "code_location" as const), value)
        .map(([type, v]): SelectionAst => ({ type, value: v })),
    ),
    tie("ast").map((operand): SelectionAst => ({ type: "not", operand })),
    fc
      .array(tie("ast"), { minLength: 2, maxLength: 4 })
      .map((operands): SelectionAst => ({ type: "and", operands })),
    fc
      .array(tie("ast"), { minLength: 2, maxLength: 4 })
      .map((operands): SelectionAst => ({ type: "or", operands })),
    fc
      .tuple(tie("ast"), fc.option(depth, { nil: undefined }), fc.option(depth, { nil: undefined }))
      .filter(([, up, down]) => up !== undefined || down !== undefined)
      .map(
        ([operand, up, down]): SelectionAst => ({
          type: "traverse",
          operand,
          ...(up === undefined ? {} : { up }),
          ...(down === undefined ? {} : { down }),
        }),
      ),
    fc
      .tuple(fc.constantFrom("roots", "sinks" as const), tie("ast"))
      .map(([type, operand]): SelectionAst => ({ type, operand })),
  ),
}));

describe("selectionToString round trip", () => {
  it("parse(print(ast)) deep-equals ast for generated ASTs", () => {
    fc.assert(
      fc.property(astArb, (ast) => {
        expect(parseSelection(selectionToString(ast))).toStrictEqual(ast);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("layout insensitivity", () => {
  it("parses the same AST whatever whitespace separates tokens and however keywords are cased", () => {
    const gap = fc.constantFrom("", " ", "  ", "\t", "\n", " \r\n ");
    fc.assert(
      fc.property(astArb, fc.infiniteStream(gap), fc.infiniteStream(fc.boolean()), (ast, gaps, upper) => {
        const text = selectionToString(ast);
        const tokens = tokenizeSelection(text).slice(0, -1);
        const relaid = tokens
          .map((t, i) => {
            const keyword =
              t.kind === "word" &&
              ["and", "or", "not"].includes(t.text) &&
              tokens[i - 1]?.kind !== "colon" &&
              tokens[i - 1]?.kind !== "equals";
            const word = keyword && upper.next().value ? t.text.toUpperCase() : t.text;
            // Adjacent words must stay apart; elsewhere any gap, including none, is fine.
            const prev = tokens[i - 1];
            const g = gaps.next().value;
            return (prev?.kind === "word" && t.kind === "word" && g === "" ? " " : g) + word;
          })
          .join("");
        expect(parseSelection(relaid)).toStrictEqual(ast);
      }),
      { numRuns: 1000 },
    );
  });
});

/** A random DAG: each asset depends only on earlier ones, with a few attributes to filter on. */
const graphArb: fc.Arbitrary<AssetGraph> = fc
  .array(
    fc.record({
      deps: fc.array(fc.nat(), { maxLength: 3 }),
      group: fc.constantFrom("g0", "g1", "g2"),
      tier: fc.option(fc.constantFrom("gold", "silver"), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 25 },
  )
  .map((specs) =>
    testGraph(
      specs.map((s, i) =>
        testAsset(`k${i}`, i === 0 ? [] : s.deps.map((d) => `k${d % i}`), {
          group: s.group,
          tags: s.tier === undefined ? {} : { tier: s.tier },
        }),
      ),
    ),
  );
const simple = fc.constantFrom(
  "group:g0",
  "group:g1",
  "tag:tier",
  "tag:tier=gold",
  "k0",
  "k3",
  "k*1*",
  "*",
  "roots(*)",
  "sinks(group:g2)",
);
const sorted = (s: Set<string>) => [...s].sort();

describe("evaluateSelection properties on random graphs", () => {
  const ev = (sel: string, g: AssetGraph) => sorted(evaluateSelection(parseSelection(sel), g));

  it("follows De Morgan's laws", () => {
    fc.assert(
      fc.property(graphArb, simple, simple, (g, a, b) => {
        expect(ev(`not (${a} or ${b})`, g)).toEqual(ev(`not (${a}) and not (${b})`, g));
        expect(ev(`not (${a} and ${b})`, g)).toEqual(ev(`not (${a}) or not (${b})`, g));
      }),
      { numRuns: 300 },
    );
  });

  it("keeps roots and sinks inside the selection, non-empty when it is", () => {
    fc.assert(
      fc.property(graphArb, simple, (g, a) => {
        const all = new Set(ev(a, g));
        for (const fn of ["roots", "sinks"]) {
          const picked = ev(`${fn}(${a})`, g);
          for (const k of picked) expect(all.has(k)).toBe(true);
          expect(picked.length > 0).toBe(all.size > 0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("grows monotonically with depth and reaches a fixed point", () => {
    fc.assert(
      fc.property(graphArb, simple, (g, a) => {
        const one = new Set(ev(`1+(${a})`, g));
        const two = new Set(ev(`2+(${a})`, g));
        const all = ev(`+(${a})`, g);
        for (const k of one) expect(two.has(k)).toBe(true);
        for (const k of two) expect(all.includes(k)).toBe(true);
        expect(ev(`+(+(${a}))`, g)).toEqual(all);
        expect(ev(`(${a})+`, g)).toEqual(ev(`(${a}) or (${a})+`, g));
        expect(ev(`+(${a})+`, g)).toEqual(ev(`+(${a}) or (${a})+`, g));
      }),
      { numRuns: 300 },
    );
  });
});
