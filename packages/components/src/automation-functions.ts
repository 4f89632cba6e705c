/**
 * The automation-condition vocabulary YAML authors can use, in one table shared by the three
 * YAML spellings: the data form (`{ not: { any_deps_in_progress: true } }`), the expression
 * string (`"eager() & ~any_deps_in_progress()"`) and the template helpers
 * (`{{ automation.not(automation.any_deps_in_progress()) }}`). Names are the core's operand and
 * operator names (ANCHORS.md); each builds through `AutomationCondition`, so labels of presets
 * and building blocks ("eager", "any_deps_in_progress") appear in evaluation trees.
 */
import { AutomationCondition, toAssetTarget, validateCronSchedule } from "@strata/core";

type C = AutomationCondition;

/** One parameter: a condition, or a string checked on its own (so errors point at it). */
export interface ConditionParam {
  name: string;
  kind: "condition" | "string";
  optional?: boolean;
  /** Throws with a readable message when the string is invalid. */
  check?: (value: string) => void;
}

export interface ConditionFunction {
  name: string;
  /** One line for `strata list components`, the JSON Schema and error hints. */
  doc: string;
  params: readonly ConditionParam[];
  /** and / or: one or more conditions. */
  variadic?: boolean;
  build(args: readonly (C | string | undefined)[]): C;
}

const checkCron = (cron: string): void => {
  validateCronSchedule(cron, "UTC", "cron");
};
const checkTimezone = (tz: string): void => {
  validateCronSchedule("0 0 * * *", tz, "timezone");
};
const checkSelection = (sel: string): void => {
  toAssetTarget(sel, "selection");
};

const cronParams: readonly ConditionParam[] = [
  { name: "cron", kind: "string", check: checkCron },
  { name: "timezone", kind: "string", optional: true, check: checkTimezone },
];
const depsParams: readonly ConditionParam[] = [
  { name: "condition", kind: "condition" },
  { name: "allow", kind: "string", optional: true, check: checkSelection },
  { name: "ignore", kind: "string", optional: true, check: checkSelection },
];
const one: readonly ConditionParam[] = [{ name: "condition", kind: "condition" }];

const A = AutomationCondition;
const cond = (v: C | string | undefined) => v as C;
const str = (v: C | string | undefined) => v as string | undefined;

const leaf = (name: string, doc: string, make: () => C): ConditionFunction => ({
  name,
  doc,
  params: [],
  build: make,
});

function depsMatch(
  name: "any_deps_match" | "all_deps_match",
  doc: string,
  make: (c: C) => C,
): ConditionFunction {
  return {
    name,
    doc,
    params: depsParams,
    build: ([c, allow, ignore]) => {
      let out = make(cond(c));
      if (allow !== undefined) out = out.allow(str(allow)!);
      if (ignore !== undefined) out = out.ignore(str(ignore)!);
      return out;
    },
  };
}

/** Every function, by name. */
export const CONDITION_FUNCTIONS: ReadonlyMap<string, ConditionFunction> = new Map(
  (
    [
      // presets
      leaf(
        "eager",
        "preset: when a dep updates or the partition newly goes missing, once no dep is missing or running",
        () => A.eager(),
      ),
      leaf("on_missing", "preset: when the partition newly goes missing, once no dep is missing", () =>
        A.onMissing(),
      ),
      {
        name: "on_cron",
        doc: "preset: once per cron tick, when every dep updated since the tick",
        params: cronParams,
        build: ([c, tz]) => A.onCron(str(c)!, str(tz) ?? "UTC"),
      },
      // operands
      leaf("missing", "never materialised (or wiped)", () => A.missing()),
      leaf("in_progress", "targeted by a queued or running run", () => A.inProgress()),
      leaf("execution_failed", "latest materialisation attempt failed", () => A.executionFailed()),
      leaf("newly_updated", "materialised since the previous evaluation", () => A.newlyUpdated()),
      leaf("newly_requested", "requested by the previous evaluation", () => A.newlyRequested()),
      leaf("code_version_changed", "code version differs from the previous evaluation's", () =>
        A.codeVersionChanged(),
      ),
      leaf(
        "in_latest_time_window",
        "the latest time window (every partition when not time-partitioned)",
        () => A.inLatestTimeWindow(),
      ),
      leaf("will_be_requested", "requested by this same evaluation", () => A.willBeRequested()),
      leaf("initial_evaluation", "the first evaluation (or the first after the condition changed)", () =>
        A.initialEvaluation(),
      ),
      leaf("any_downstream_conditions", "any downstream asset's condition is true for this asset", () =>
        A.anyDownstreamConditions(),
      ),
      {
        name: "cron_tick_passed",
        doc: "a tick of the cron passed since the previous evaluation",
        params: cronParams,
        build: ([c, tz]) => A.cronTickPassed(str(c)!, str(tz) ?? "UTC"),
      },
      // building blocks of the presets
      leaf("newly_missing", "missing.newly_true()", () => A.newlyMissing()),
      leaf("any_deps_updated", "any_deps_match(newly_updated | will_be_requested)", () => A.anyDepsUpdated()),
      leaf("any_deps_missing", "any_deps_match(missing & ~will_be_requested)", () => A.anyDepsMissing()),
      leaf("any_deps_in_progress", "any_deps_match(in_progress)", () => A.anyDepsInProgress()),
      {
        name: "all_deps_updated_since_cron",
        doc: "every dep updated since the latest cron tick (or will be requested)",
        params: cronParams,
        build: ([c, tz]) => A.allDepsUpdatedSinceCron(str(c)!, str(tz) ?? "UTC"),
      },
      // operators
      {
        name: "and",
        doc: "true where every condition is true (expression: a & b)",
        params: one,
        variadic: true,
        build: (args) => A.and(...args.map(cond)),
      },
      {
        name: "or",
        doc: "true where any condition is true (expression: a | b)",
        params: one,
        variadic: true,
        build: (args) => A.or(...args.map(cond)),
      },
      {
        name: "not",
        doc: "true where the condition is false (expression: ~a)",
        params: one,
        build: ([c]) => A.not(cond(c)),
      },
      {
        name: "newly_true",
        doc: "true on the tick the condition became true",
        params: one,
        build: ([c]) => cond(c).newlyTrue(),
      },
      {
        name: "since_last_handled",
        doc: "true since the condition became true, until the partition is requested or updated",
        params: one,
        build: ([c]) => cond(c).sinceLastHandled(),
      },
      {
        name: "since",
        doc: "true from a tick where trigger became true until reset is true",
        params: [
          { name: "trigger", kind: "condition" },
          { name: "reset", kind: "condition" },
        ],
        build: ([t, r]) => cond(t).since(cond(r)),
      },
      depsMatch("any_deps_match", "true where the condition holds for at least one (allowed) dep", (c) =>
        A.anyDepsMatch(c),
      ),
      depsMatch("all_deps_match", "true where the condition holds for every (allowed) dep", (c) =>
        A.allDepsMatch(c),
      ),
    ] satisfies ConditionFunction[]
  ).map((f): [string, ConditionFunction] => [f.name, f]),
);

/** Methods of the expression language: `a.newly_true()`, `a.since(b)`, `a.with_label('x')`. */
export const CONDITION_METHODS = ["newly_true", "since_last_handled", "since", "with_label"] as const;

/** Names users from other tools reach for, mapped to ours (for hints). */
export const CONDITION_ALIASES: Readonly<Record<string, string>> = {
  all: "and",
  all_of: "and",
  any: "or",
  any_of: "or",
  not_: "not",
};
