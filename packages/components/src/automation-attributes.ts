/**
 * The YAML forms of automation conditions and freshness policies, shared by `post_processing`
 * and the built-in component types. One data form each; the template helpers
 * (`{{ automation.eager() }}`, `{{ freshness.time_window(fail_after='24h') }}`) produce exactly it.
 *
 * ```yaml
 * automation: { preset: eager }                                   # or on_missing
 * automation: { preset: on_cron, cron: "0 6 * * *", timezone: UTC }
 * freshness: { fail_after: 24h, warn_after: 12h }                 # time window
 * freshness: { deadline_cron: "0 9 * * *", lower_bound: 3h, timezone: Europe/Berlin }
 * ```
 */
import { AutomationCondition, freshnessPolicy, parseDuration, validateCronSchedule, type FreshnessPolicy } from "@strata/core";
import { z } from "zod";
import { helper } from "./template.ts";

const PRESETS = ["eager", "on_cron", "on_missing"] as const;

export const automationAttributeSchema = z
  .strictObject({
    preset: z.enum(PRESETS, { error: () => `preset must be one of ${PRESETS.join(", ")}` }).describe("eager | on_cron | on_missing (AutomationCondition presets)"),
    cron: z.string().optional().describe('on_cron only: five-field cron, e.g. "0 6 * * *"'),
    timezone: z.string().optional().describe("on_cron only: IANA time zone (default UTC)"),
  })
  .describe("When the daemon materialises the asset (an AutomationCondition preset)")
  .superRefine((a, ctx) => {
    if (a.preset !== "on_cron") {
      for (const k of ["cron", "timezone"] as const) {
        if (a[k] !== undefined) ctx.addIssue({ code: "custom", path: [k], message: `"${k}" applies only to preset on_cron` });
      }
      return;
    }
    if (a.cron === undefined) {
      ctx.addIssue({ code: "custom", path: ["cron"], message: 'preset on_cron needs a cron expression, e.g. cron: "0 6 * * *"' });
      return;
    }
    try {
      validateCronSchedule(a.cron, a.timezone ?? "UTC", "on_cron");
    } catch (err) {
      ctx.addIssue({ code: "custom", path: [a.timezone !== undefined && /time ?zone/i.test((err as Error).message) ? "timezone" : "cron"], message: (err as Error).message });
    }
  });

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

export type AutomationAttribute = z.output<typeof automationAttributeSchema>;
export type FreshnessAttribute = z.output<typeof freshnessAttributeSchema>;

/** The core condition of a validated `automation` attribute. */
export function toAutomationCondition(a: AutomationAttribute): AutomationCondition {
  if (a.preset === "eager") return AutomationCondition.eager();
  if (a.preset === "on_missing") return AutomationCondition.onMissing();
  return AutomationCondition.onCron(a.cron ?? "", a.timezone ?? "UTC");
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

/** Template helpers: `automation.eager()`, `automation.on_cron(cron, tz)`, `automation.on_missing()`, `freshness.time_window(...)`, `freshness.cron(...)`. */
export function automationTemplateHelpers(): { automation: Record<string, unknown>; freshness: Record<string, unknown> } {
  return {
    automation: {
      eager: helper("automation.eager", () => ({ preset: "eager" })),
      on_missing: helper("automation.on_missing", () => ({ preset: "on_missing" })),
      on_cron: helper("automation.on_cron", (cron, timezone) => defined({ preset: "on_cron", cron, timezone }), ["cron", "timezone"]),
    },
    freshness: {
      time_window: helper("freshness.time_window", (fail_after, warn_after) => defined({ fail_after, warn_after }), ["fail_after", "warn_after"]),
      cron: helper("freshness.cron", (deadline_cron, lower_bound, timezone) => defined({ deadline_cron, lower_bound, timezone }), ["deadline_cron", "lower_bound", "timezone"]),
    },
  };
}
