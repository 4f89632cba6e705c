/**
 * Reads the YAML value of an `automation:` attribute into a core condition, collecting every
 * problem with its path (and, inside expression strings, its offset). Forms, freely nested:
 *
 * ```yaml
 * automation: { preset: eager }                                  # presets (also on_missing, on_cron + cron/timezone)
 * automation: "eager() & ~any_deps_in_progress()"               # an expression
 * automation:
 *   and:
 *     - preset: eager
 *     - not: { any_deps_match: { in_progress: true } }
 *     - any_deps_match: { condition: execution_failed(), ignore: 'key:"raw/*"' }
 *   label: eager unless a dep is running
 * ```
 *
 * A mapping holds one function of {@link CONDITION_FUNCTIONS} (plus an optional `label`): no
 * arguments → `true`; one condition → the condition; and/or → a list; several arguments → a
 * mapping of them (or just the first when the others are optional).
 */
import { AutomationCondition, closest, StrataError, validateCronSchedule } from "@strata/core";
import { ConditionExpressionError, parseConditionExpression } from "./automation-expression.ts";
import {
  CONDITION_ALIASES,
  CONDITION_FUNCTIONS,
  type ConditionFunction,
  type ConditionParam,
} from "./automation-functions.ts";

/** One problem, at `path` relative to the attribute. */
export interface ConditionIssue {
  path: (string | number)[];
  message: string;
  hint?: string;
  /** Offset inside the string at `path` (expression errors). */
  offset?: number;
  /** Report at the key of `path` rather than its value (unknown keys). */
  atKey?: boolean;
}

/** A condition function's argument or build error, as an issue at `path`. */
function issueFrom(fn: { name: string }, path: (string | number)[], err: unknown): ConditionIssue {
  return {
    path,
    message: `${fn.name}: ${(err as Error).message}`,
    ...(err instanceof StrataError && err.hint ? { hint: err.hint } : {}),
  };
}

export type ConditionRead =
  | { ok: true; condition: AutomationCondition }
  | { ok: false; issues: ConditionIssue[] };

const PRESETS = ["eager", "on_cron", "on_missing"] as const;
const MAX_DEPTH = 64;

const isMapping = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const show = (v: unknown) =>
  v === null ? "null" : Array.isArray(v) ? "a list" : typeof v === "object" ? "a mapping" : JSON.stringify(v);
const functionList = () => [...CONDITION_FUNCTIONS.keys()].join(", ");

/** Validates and builds the condition of an `automation` attribute value. */
export function readConditionAttribute(value: unknown): ConditionRead {
  const issues: ConditionIssue[] = [];
  const condition = read(value, [], issues, 0);
  return condition && issues.length === 0 ? { ok: true, condition } : { ok: false, issues };
}

function read(
  v: unknown,
  path: (string | number)[],
  issues: ConditionIssue[],
  depth: number,
): AutomationCondition | undefined {
  if (depth > MAX_DEPTH) {
    issues.push({ path, message: `condition nested deeper than ${MAX_DEPTH} levels` });
    return undefined;
  }
  if (typeof v === "string") return readExpression(v, path, issues);
  if (!isMapping(v)) {
    issues.push({
      path,
      message: `expected a condition, got ${show(v)}`,
      hint: 'Write an expression such as "eager() & ~in_progress()", or a mapping such as { preset: eager } or { not: { in_progress: true } }.',
    });
    return undefined;
  }
  const { label, ...rest } = v;
  let labelOk = true;
  if (label !== undefined && (typeof label !== "string" || label.trim() === "")) {
    issues.push({ path: [...path, "label"], message: "label must be a non-empty string" });
    labelOk = false;
  }
  const c = "preset" in rest ? readPreset(rest, path, issues) : readFunction(rest, path, issues, depth);
  return c && labelOk && typeof label === "string" ? c.withLabel(label) : c;
}

function readExpression(
  src: string,
  path: (string | number)[],
  issues: ConditionIssue[],
): AutomationCondition | undefined {
  try {
    return parseConditionExpression(src);
  } catch (err) {
    if (!(err instanceof ConditionExpressionError)) throw err;
    issues.push({ path, message: err.message, offset: err.offset, ...(err.hint ? { hint: err.hint } : {}) });
    return undefined;
  }
}

function readFunction(
  m: Record<string, unknown>,
  path: (string | number)[],
  issues: ConditionIssue[],
  depth: number,
): AutomationCondition | undefined {
  const keys = Object.keys(m);
  if (keys.length === 0) {
    issues.push({
      path,
      message: "empty condition",
      hint: `Give one of: ${functionList()} (or preset: eager).`,
    });
    return undefined;
  }
  let fn: ConditionFunction | undefined;
  let bad = false;
  for (const k of keys) {
    const f = CONDITION_FUNCTIONS.get(k);
    if (!f) {
      const guess = CONDITION_ALIASES[k] ?? closest(k, [...CONDITION_FUNCTIONS.keys(), "preset", "label"]);
      issues.push({
        path: [...path, k],
        atKey: true,
        message: `unknown condition "${k}"`,
        hint: `${guess ? `Did you mean "${guess}"? ` : ""}Conditions: ${functionList()}.`,
      });
      bad = true;
    } else if (fn) {
      issues.push({
        path: [...path, k],
        atKey: true,
        message: `one condition per mapping: "${fn.name}" and "${k}" are both here`,
        hint: `Combine them: and: [{ ${fn.name}: ... }, { ${k}: ... }].`,
      });
      bad = true;
    } else fn = f;
  }
  if (!fn || bad) return undefined;
  return readCall(fn, m[fn.name], [...path, fn.name], issues, depth);
}

function readCall(
  fn: ConditionFunction,
  v: unknown,
  path: (string | number)[],
  issues: ConditionIssue[],
  depth: number,
): AutomationCondition | undefined {
  const before = issues.length;
  let args: (AutomationCondition | string | undefined)[] = [];
  if (fn.params.length === 0) {
    if (v !== true && v !== null)
      issues.push({
        path,
        message: `${fn.name} takes no arguments (got ${show(v)})`,
        hint: `Write ${fn.name}: true.`,
      });
  } else if (fn.variadic) {
    if (!Array.isArray(v) || v.length === 0)
      issues.push({
        path,
        message: `${fn.name} needs a non-empty list of conditions (got ${show(v)})`,
        hint: `e.g. ${fn.name}: [{ preset: eager }, "~in_progress()"]`,
      });
    else args = v.map((x, i) => read(x, [...path, i], issues, depth + 1));
  } else if (fn.params.length === 1) {
    args = [read(v, path, issues, depth + 1)];
  } else {
    args = readArguments(fn, v, path, issues, depth);
  }
  if (issues.length > before) return undefined;
  try {
    return fn.build(args);
  } catch (err) {
    issues.push(issueFrom(fn, path, err));
    return undefined;
  }
}

/** `{ cron: ..., timezone: ... }`, `{ condition: ..., allow: ... }`, or just the first argument when the others are optional. */
function readArguments(
  fn: ConditionFunction,
  v: unknown,
  path: (string | number)[],
  issues: ConditionIssue[],
  depth: number,
): (AutomationCondition | string | undefined)[] {
  const [first] = fn.params;
  const named =
    isMapping(v) &&
    (first!.kind === "string" || first!.name in v || !fn.params.slice(1).some((p) => p.optional));
  const signature = `{ ${fn.params.map((p) => `${p.name}${p.optional ? "?" : ""}`).join(", ")} }`;
  if (!named) {
    if (fn.params.slice(1).some((p) => !p.optional)) {
      issues.push({ path, message: `${fn.name} needs ${signature} (got ${show(v)})` });
      return [];
    }
    return [readArgument(fn, first!, v, path, issues, depth)];
  }
  const m = v as Record<string, unknown>;
  for (const k of Object.keys(m)) {
    if (!fn.params.some((p) => p.name === k)) {
      const guess = closest(
        k,
        fn.params.map((p) => p.name),
      );
      issues.push({
        path: [...path, k],
        atKey: true,
        message: `${fn.name} has no argument "${k}"`,
        hint: `${guess ? `Did you mean "${guess}"? ` : ""}Arguments: ${signature}.`,
      });
    }
  }
  return fn.params.map((p) => {
    if (m[p.name] === undefined) {
      if (!p.optional)
        issues.push({ path, message: `${fn.name} needs ${p.name}`, hint: `Arguments: ${signature}.` });
      return undefined;
    }
    return readArgument(fn, p, m[p.name], [...path, p.name], issues, depth);
  });
}

function readArgument(
  fn: ConditionFunction,
  p: ConditionParam,
  v: unknown,
  path: (string | number)[],
  issues: ConditionIssue[],
  depth: number,
): AutomationCondition | string | undefined {
  if (p.kind === "condition") return read(v, path, issues, depth + 1);
  if (typeof v !== "string") {
    issues.push({ path, message: `${fn.name}: ${p.name} must be a string (got ${show(v)})` });
    return undefined;
  }
  try {
    p.check?.(v);
  } catch (err) {
    issues.push(issueFrom(fn, path, err));
    return undefined;
  }
  return v;
}

/** `{ preset: eager }`, `{ preset: on_missing }`, `{ preset: on_cron, cron, timezone }`. */
function readPreset(
  m: Record<string, unknown>,
  path: (string | number)[],
  issues: ConditionIssue[],
): AutomationCondition | undefined {
  const before = issues.length;
  const preset = m.preset;
  for (const k of Object.keys(m)) {
    if (k !== "preset" && k !== "cron" && k !== "timezone") {
      issues.push({
        path: [...path, k],
        atKey: true,
        message: `unknown key "${k}" next to preset`,
        hint: "A preset takes only cron and timezone (on_cron). Combine conditions with and: [...].",
      });
    }
  }
  if (typeof preset !== "string" || !(PRESETS as readonly string[]).includes(preset)) {
    issues.push({
      path: [...path, "preset"],
      message: `preset must be one of ${PRESETS.join(", ")}`,
      hint:
        typeof preset === "string" && closest(preset, [...PRESETS])
          ? `Did you mean "${closest(preset, [...PRESETS])}"?`
          : undefined,
    });
    return undefined;
  }
  if (preset !== "on_cron") {
    for (const k of ["cron", "timezone"] as const) {
      if (m[k] !== undefined)
        issues.push({ path: [...path, k], message: `"${k}" applies only to preset on_cron` });
    }
    if (issues.length > before) return undefined;
    return preset === "eager" ? AutomationCondition.eager() : AutomationCondition.onMissing();
  }
  if (m.cron === undefined) {
    issues.push({
      path: [...path, "cron"],
      message: 'preset on_cron needs a cron expression, e.g. cron: "0 6 * * *"',
    });
    return undefined;
  }
  try {
    validateCronSchedule(m.cron, m.timezone ?? "UTC", "on_cron");
  } catch (err) {
    const inZone = m.timezone !== undefined && /time ?zone/i.test((err as Error).message);
    issues.push({
      path: [...path, inZone ? "timezone" : "cron"],
      message: (err as Error).message,
      ...(err instanceof StrataError && err.hint ? { hint: err.hint } : {}),
    });
  }
  if (issues.length > before) return undefined;
  return AutomationCondition.onCron(m.cron as string, (m.timezone as string | undefined) ?? "UTC");
}
