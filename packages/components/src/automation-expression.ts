/**
 * The expression form of automation conditions in YAML, parsed (never evaluated as code):
 *
 * ```
 * eager() & ~any_deps_in_progress()
 * in_latest_time_window & (missing.newly_true() | any_deps_updated).since_last_handled()
 * on_cron('0 6 * * *', 'Europe/Berlin') | any_deps_match(execution_failed, allow='key:"raw/*"')
 * (missing & ~in_progress).with_label('missing, not running')
 * ```
 *
 * Grammar: `or := and ('|' and)*`, `and := unary ('&' unary)*`, `unary := '~' unary | postfix`,
 * `postfix := primary ('.' method '(' args ')')*`, `primary := name ['(' args ')'] | '(' or ')'`.
 * Functions are the names of {@link CONDITION_FUNCTIONS} (`()` optional without arguments);
 * arguments are conditions or quoted strings, positional or `name=value`. Every error carries
 * the offset of the offending token, so YAML errors point at the exact column.
 */
import { lex, type Token } from "./expression-lexer.ts";
import { AutomationCondition, closest, StrataError } from "@strata/core";
import {
  CONDITION_ALIASES,
  CONDITION_FUNCTIONS,
  CONDITION_METHODS,
  type ConditionParam,
} from "./automation-functions.ts";

/** A problem in an expression, at `offset` (0-based, in the expression string). */
export class ConditionExpressionError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly hint?: string,
  ) {
    super(message);
  }
}

type Tok = Token | { k: "end"; v: string; at: number };

const MAX_LENGTH = 4000;
const MAX_DEPTH = 64;

function tokenize(src: string): Tok[] {
  const toks: Tok[] = lex(src, {
    isPunct: (c) => "()&|~.,=".includes(c),
    unclosed: (at, quote) => new ConditionExpressionError("Unclosed string", at, `Close it with ${quote}.`),
    unexpected: (c, at) =>
      new ConditionExpressionError(
        `Unexpected "${c}"`,
        at,
        c === "!" ? "Negate with ~, e.g. ~in_progress()." : "Conditions combine with & (and), | (or), ~ (not), parentheses and methods like .newly_true().",
      ),
  });
  toks.push({ k: "end", v: "end of the expression", at: src.length });
  return toks;
}

type Arg = { name?: string; at: number; value: AutomationCondition | string; isString: boolean };

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly toks: Tok[]) {}

  parse(): AutomationCondition {
    const c = this.or();
    const t = this.peek();
    if (t.k !== "end") {
      throw new ConditionExpressionError(
        `Unexpected "${t.v}"`,
        t.at,
        t.k === "id" ? "Combine conditions with & or |." : undefined,
      );
    }
    return c;
  }

  private peek(): Tok {
    return this.toks[this.i]!;
  }

  private isPunct(v: string): boolean {
    const t = this.peek();
    return t.k === "punct" && t.v === v;
  }

  private expect(v: string, context: string): Tok {
    const t = this.peek();
    if (t.k !== "punct" || t.v !== v)
      throw new ConditionExpressionError(
        `Expected "${v}" ${context}, found ${t.k === "end" ? t.v : `"${t.v}"`}`,
        t.at,
      );
    this.i++;
    return t;
  }

  private nested<T>(at: number, f: () => T): T {
    if (++this.depth > MAX_DEPTH)
      throw new ConditionExpressionError(`Expression nested deeper than ${MAX_DEPTH} levels`, at);
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  private or(): AutomationCondition {
    const first = this.and();
    const rest: AutomationCondition[] = [];
    while (this.isPunct("|")) {
      this.i++;
      rest.push(this.and());
    }
    return rest.length ? AutomationCondition.or(first, ...rest) : first;
  }

  private and(): AutomationCondition {
    const first = this.unary();
    const rest: AutomationCondition[] = [];
    while (this.isPunct("&")) {
      this.i++;
      rest.push(this.unary());
    }
    return rest.length ? AutomationCondition.and(first, ...rest) : first;
  }

  private unary(): AutomationCondition {
    const t = this.peek();
    if (t.k === "punct" && t.v === "~") {
      this.i++;
      return this.nested(t.at, () => this.unary()).not();
    }
    return this.postfix();
  }

  private postfix(): AutomationCondition {
    let c = this.primary();
    while (this.isPunct(".")) {
      this.i++;
      const m = this.peek();
      if (m.k !== "id")
        throw new ConditionExpressionError(
          `Expected a method name after ".", found ${m.k === "end" ? m.v : `"${m.v}"`}`,
          m.at,
          methodsHint(),
        );
      this.i++;
      if (!(CONDITION_METHODS as readonly string[]).includes(m.v)) {
        const guess = closest(m.v, [...CONDITION_METHODS]);
        throw new ConditionExpressionError(
          `Unknown method ".${m.v}()"`,
          m.at,
          guess ? `Did you mean ".${guess}()"? ${methodsHint()}` : methodsHint(),
        );
      }
      const args = this.args(m);
      c = this.method(c, m, args);
    }
    return c;
  }

  private method(c: AutomationCondition, m: Tok, args: Arg[]): AutomationCondition {
    if (m.v === "with_label") {
      const [label] = bind("with_label", [{ name: "label", kind: "string", check: checkLabel }], args, m.at);
      return c.withLabel(label as string);
    }
    if (m.v === "since") {
      const [reset] = bind("since", [{ name: "reset", kind: "condition" }], args, m.at);
      return c.since(reset as AutomationCondition);
    }
    bind(m.v, [], args, m.at);
    return m.v === "newly_true" ? c.newlyTrue() : c.sinceLastHandled();
  }

  private primary(): AutomationCondition {
    const t = this.peek();
    if (t.k === "punct" && t.v === "(") {
      this.i++;
      const c = this.nested(t.at, () => this.or());
      this.expect(")", "to close the parenthesis");
      return c;
    }
    if (t.k !== "id") {
      throw new ConditionExpressionError(
        t.k === "end"
          ? "Expected a condition, found the end of the expression"
          : `Expected a condition, found ${t.k === "str" ? "a string" : `"${t.v}"`}`,
        t.at,
        'Start with an operand or preset, e.g. eager(), missing(), on_cron("0 6 * * *").',
      );
    }
    this.i++;
    const fn = CONDITION_FUNCTIONS.get(t.v);
    if (!fn) throw unknownFunction(t.v, t.at);
    const args = this.isPunct("(") ? this.args(t) : [];
    if (fn.variadic) {
      if (args.length === 0)
        throw new ConditionExpressionError(`${fn.name}() needs at least one condition`, t.at);
      for (const a of args) {
        if (a.name !== undefined)
          throw new ConditionExpressionError(`${fn.name}() takes no named arguments`, a.at);
        if (a.isString)
          throw new ConditionExpressionError(`${fn.name}() takes conditions, not strings`, a.at);
      }
      return fn.build(args.map((a) => a.value));
    }
    return buildChecked(fn.name, () => fn.build(bind(fn.name, fn.params, args, t.at)), t.at);
  }

  private args(callee: Tok): Arg[] {
    this.expect("(", `after ${callee.v}`);
    const args: Arg[] = [];
    while (!this.isPunct(")")) {
      const t = this.peek();
      const next = this.toks[this.i + 1]!;
      let name: string | undefined;
      if (t.k === "id" && next.k === "punct" && next.v === "=") {
        name = t.v;
        this.i += 2;
      }
      const v = this.peek();
      if (v.k === "str") {
        this.i++;
        args.push({ ...(name !== undefined ? { name } : {}), at: v.at, value: v.v, isString: true });
      } else {
        const value = this.nested(v.at, () => this.or());
        args.push({
          ...(name !== undefined ? { name } : {}),
          at: name !== undefined ? t.at : v.at,
          value,
          isString: false,
        });
      }
      if (!this.isPunct(",")) break;
      this.i++;
    }
    this.expect(")", `to close the arguments of ${callee.v}(`);
    return args;
  }
}

const checkLabel = (label: string): void => {
  if (label.trim() === "") throw new Error("label must not be empty");
};

const methodsHint = () => `Methods: ${CONDITION_METHODS.map((m) => `.${m}()`).join(", ")}.`;

function unknownFunction(name: string, at: number): ConditionExpressionError {
  const guess = CONDITION_ALIASES[name] ?? closest(name, [...CONDITION_FUNCTIONS.keys()]);
  return new ConditionExpressionError(
    `Unknown condition "${name}"`,
    at,
    `${guess ? `Did you mean "${guess}"? ` : ""}Conditions: ${[...CONDITION_FUNCTIONS.keys()].join(", ")}.`,
  );
}

function signature(fn: string, params: readonly ConditionParam[]): string {
  return `${fn}(${params.map((p) => (p.optional ? `${p.name}?` : p.name)).join(", ")})`;
}

/** Matches positional and named arguments to `params`, checking kinds and strings; errors at the argument. */
function bind(
  fn: string,
  params: readonly ConditionParam[],
  args: readonly Arg[],
  at: number,
): (AutomationCondition | string | undefined)[] {
  const out: (AutomationCondition | string | undefined)[] = params.map(() => undefined);
  const given = params.map(() => false);
  let positional = 0;
  for (const a of args) {
    let idx: number;
    if (a.name !== undefined) {
      idx = params.findIndex((p) => p.name === a.name);
      if (idx < 0) {
        throw new ConditionExpressionError(
          `${fn}() has no parameter "${a.name}"`,
          a.at,
          params.length ? `Signature: ${signature(fn, params)}.` : `${fn}() takes no arguments.`,
        );
      }
      if (given[idx])
        throw new ConditionExpressionError(`Parameter "${a.name}" of ${fn}() given twice`, a.at);
    } else {
      if (args.slice(0, args.indexOf(a)).some((x) => x.name !== undefined))
        throw new ConditionExpressionError("Positional argument after a named argument", a.at);
      idx = positional++;
      if (idx >= params.length) {
        throw new ConditionExpressionError(
          `Too many arguments to ${fn}()`,
          a.at,
          params.length ? `Signature: ${signature(fn, params)}.` : `${fn}() takes no arguments.`,
        );
      }
    }
    const p = params[idx]!;
    if (p.kind === "string" && !a.isString)
      throw new ConditionExpressionError(`${fn}(): ${p.name} must be a quoted string`, a.at);
    if (p.kind === "condition" && a.isString)
      throw new ConditionExpressionError(
        `${fn}(): ${p.name} must be a condition, not a string`,
        a.at,
        "Write the condition itself, without quotes.",
      );
    if (p.check && typeof a.value === "string") {
      try {
        p.check(a.value);
      } catch (err) {
        throw new ConditionExpressionError(
          `${fn}(): ${(err as Error).message}`,
          a.at,
          (err as StrataError).hint,
        );
      }
    }
    out[idx] = a.value;
    given[idx] = true;
  }
  const missing = params.find((p, i) => !p.optional && !given[i]);
  if (missing)
    throw new ConditionExpressionError(
      `${fn}() needs ${missing.name}`,
      at,
      `Signature: ${signature(fn, params)}.`,
    );
  return out;
}

function buildChecked(fn: string, build: () => AutomationCondition, at: number): AutomationCondition {
  try {
    return build();
  } catch (err) {
    if (err instanceof ConditionExpressionError) throw err;
    throw new ConditionExpressionError(
      `${fn}(): ${(err as Error).message}`,
      at,
      err instanceof StrataError ? err.hint : undefined,
    );
  }
}

/**
 * Parses a condition expression into a core condition. Throws {@link ConditionExpressionError}
 * with the offset of the problem.
 *
 * @example
 * parseConditionExpression("eager() & ~any_deps_in_progress()").toString(); // "(eager & ~any_deps_in_progress)"
 */
export function parseConditionExpression(src: string): AutomationCondition {
  if (src.length > MAX_LENGTH)
    throw new ConditionExpressionError(`Condition expression longer than ${MAX_LENGTH} characters`, 0);
  if (src.trim() === "")
    throw new ConditionExpressionError(
      "Empty condition expression",
      0,
      'e.g. "eager()" or "on_cron(\'0 6 * * *\')".',
    );
  return new Parser(tokenize(src)).parse();
}
