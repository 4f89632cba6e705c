/**
 * The YAML forms of automation conditions and freshness policies, shared by `post_processing`
 * and the built-in component types. The template helpers (`{{ automation.eager() }}`,
 * `{{ automation.and(automation.eager(), automation.not(automation.in_progress())) }}`,
 * `{{ freshness.time_window(fail_after='24h') }}`) produce the data forms.
 *
 * ```yaml
 * automation: { preset: eager }                                   # or on_missing
 * automation: { preset: on_cron, cron: "0 6 * * *", timezone: UTC }
 * automation: "eager() & ~any_deps_in_progress()"                 # an expression
 * automation: { and: [{ preset: eager }, { not: { any_deps_match: { in_progress: true } } }] }
 * freshness: { fail_after: 24h, warn_after: 12h }                 # time window
 * freshness: { deadline_cron: "0 9 * * *", lower_bound: 3h, timezone: Europe/Berlin }
 * ```
 */
import { freshnessPolicy, parseDuration, StrataError, type AutomationCondition, type FreshnessPolicy } from "@strata/core";
import { z } from "zod";
import { readConditionAttribute } from "./automation-condition-attribute.ts";
import { conditionAttributeJsonSchema } from "./automation-condition-schema.ts";
import { CONDITION_FUNCTIONS } from "./automation-functions.ts";
import { helper } from "./template.ts";

/** The YAML value of an `automation` attribute: an expression string or a condition mapping (validated). */
export type AutomationAttribute = string | Record<string, unknown>;

export const automationAttributeSchema = z
  .custom<AutomationAttribute>(() => true)
  .superRefine((value, ctx) => {
    const r = readConditionAttribute(value);
    if (r.ok) return;
    for (const i of r.issues) {
      ctx.addIssue({
        code: "custom",
        path: i.path,
        message: i.message,
        params: { ...(i.hint ? { hint: i.hint } : {}), ...(i.offset !== undefined ? { offset: i.offset } : {}), ...(i.atKey ? { atKey: true } : {}) },
      });
    }
  })
  .meta(conditionAttributeJsonSchema());

const duration = z.union([z.string(), z.number()]).describe('a duration: "30m", "6h", "1d", "1h30m" or milliseconds');

export const freshnessAttributeSchema = z
  .strictObject({
    fail_after: duration.optional().describe("time window: fail when not materialised for this long"),
    warn_after: duration.optional().describe("time window: warn after this long (shorter than fail_after)"),
    deadline_cron: z.string().optional().describe("cron policy: materialise before each tick of this cron"),
    lower_bound: duration.optional().describe("cron policy: ... and at most this long before it"),
    timezone: z.string().optional().describe("cron policy: IANA time zone (default UTC)"),
  })
  .describe("Freshness policy: { fail_after, warn_after } or { deadline_cron, lower_bound, timezone }")
  .superRefine((f, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    const window = f.fail_after !== undefined || f.warn_after !== undefined;
    const cron = f.deadline_cron !== undefined || f.lower_bound !== undefined || f.timezone !== undefined;
    if (window && cron) return issue(f.deadline_cron !== undefined ? "deadline_cron" : f.lower_bound !== undefined ? "lower_bound" : "timezone", "give either fail_after/warn_after (time window) or deadline_cron/lower_bound/timezone (cron), not both");
    if (!window && !cron) return ctx.addIssue({ code: "custom", path: [], message: "needs fail_after (time window) or deadline_cron and lower_bound (cron)" });
    for (const k of ["fail_after", "warn_after", "lower_bound"] as const) {
      const v = f[k];
      if (v === undefined) continue;
      try {
        parseDuration(v, k);
      } catch (err) {
        return issue(k, `${(err as Error).message} (use e.g. "30m", "6h", "1d", "1h30m")`);
      }
    }
    if (window && f.fail_after === undefined) return issue("warn_after", "warn_after needs fail_after too");
    if (cron && f.deadline_cron === undefined) return issue("lower_bound", "needs deadline_cron too");
    if (cron && f.lower_bound === undefined) return issue("deadline_cron", "needs lower_bound too");
    try {
      toFreshnessPolicy(f);
    } catch (err) {
      issue(window ? (f.warn_after !== undefined ? "warn_after" : "fail_after") : "deadline_cron", (err as Error).message);
    }
  });

export type FreshnessAttribute = z.output<typeof freshnessAttributeSchema>;

/** The core condition of a validated `automation` attribute. */
export function toAutomationCondition(a: AutomationAttribute): AutomationCondition {
  const r = readConditionAttribute(a);
  if (r.ok) return r.condition;
  throw new StrataError("COMPONENT_INVALID", `Invalid automation condition: ${r.issues[0]!.message}`, {
    hint: r.issues[0]!.hint ?? "Run `strata check yaml` to see every problem with its position.",
  });
}

/** The core policy of a validated `freshness` attribute. */
export function toFreshnessPolicy(f: FreshnessAttribute): FreshnessPolicy {
  if (f.deadline_cron !== undefined) {
    return freshnessPolicy.cron({ deadlineCron: f.deadline_cron, lowerBound: f.lower_bound ?? "", timezone: f.timezone ?? "UTC" });
  }
  return freshnessPolicy.timeWindow({ failAfter: f.fail_after ?? "", ...(f.warn_after !== undefined ? { warnAfter: f.warn_after } : {}) });
}

/** `automation` / `freshness` option values for `asset()` / multi-asset specs from optional attributes. */
export function automationOptions(a: { automation?: AutomationAttribute | undefined; freshness?: FreshnessAttribute | undefined }): {
  automation?: AutomationCondition;
  freshness?: FreshnessPolicy;
} {
  return {
    ...(a.automation ? { automation: toAutomationCondition(a.automation) } : {}),
    ...(a.freshness ? { freshness: toFreshnessPolicy(a.freshness) } : {}),
  };
}

const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));

const PRESETS = ["eager", "on_cron", "on_missing"] as const;

/** A single-quoted string literal of the condition expression language. */
const quote = (s: string) => `'${s.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;

/**
 * `automation.<name>(...)` for every condition function (presets, operands, building blocks and
 * operators; each returns the data form, so helpers compose: `automation.and(automation.eager(),
 * automation.not(automation.in_progress()))`), `automation.with_label(c, 'name')`, and
 * `freshness.time_window(...)` / `freshness.cron(...)`.
 */
export function automationTemplateHelpers(): { automation: Record<string, unknown>; freshness: Record<string, unknown> } {
  const automation: Record<string, unknown> = {};
  for (const fn of CONDITION_FUNCTIONS.values()) {
    const id = `automation.${fn.name}`;
    if ((PRESETS as readonly string[]).includes(fn.name)) {
      automation[fn.name] = helper(id, (cron, timezone) => defined({ preset: fn.name, cron, timezone }), fn.params.map((p) => p.name));
    } else if (fn.params.length === 0) automation[fn.name] = helper(id, () => ({ [fn.name]: true }));
    else if (fn.variadic) automation[fn.name] = helper(id, (...conds) => ({ [fn.name]: conds }));
    else if (fn.params.length === 1) automation[fn.name] = helper(id, (c) => ({ [fn.name]: c }));
    else {
      const names = fn.params.map((p) => p.name);
      automation[fn.name] = helper(id, (...args) => ({ [fn.name]: defined(Object.fromEntries(names.map((n, i) => [n, args[i]]))) }), names);
    }
  }
  automation.with_label = helper(
    "automation.with_label",
    (c, label) => {
      if (typeof label !== "string") throw new Error("with_label(condition, label) needs the label as a string");
      if (typeof c === "string") return `(${c}).with_label(${quote(label)})`;
      if (typeof c !== "object" || c === null || Array.isArray(c)) throw new Error("with_label(condition, label) needs a condition first");
      return { ...(c as Record<string, unknown>), label };
    },
    ["condition", "label"],
  );
  return {
    automation,
    freshness: {
      time_window: helper("freshness.time_window", (fail_after, warn_after) => defined({ fail_after, warn_after }), ["fail_after", "warn_after"]),
      cron: helper("freshness.cron", (deadline_cron, lower_bound, timezone) => defined({ deadline_cron, lower_bound, timezone }), ["deadline_cron", "lower_bound", "timezone"]),
    },
  };
}
