import { captureCodeRef, formatCodeRef } from "../code-ref.ts";
import { StrataError } from "../errors.ts";
import { cronTicksBetween, nextTick, previousTick, validateCronSchedule } from "./cron-ticks.ts";

/** A duration: milliseconds, or text such as "90s", "30m", "6h", "1d", "1h30m". */
export type DurationInput = number | string;

/** Freshness policy as stored on `AssetNodeSnapshot.freshness` (plain data). */
export type FreshnessPolicy =
  | { readonly kind: "time_window"; readonly failAfterMs: number; readonly warnAfterMs?: number }
  | { readonly kind: "cron"; readonly deadlineCron: string; readonly lowerBoundMs: number; readonly timezone: string };

export type FreshnessState = "fresh" | "warn" | "fail" | "unknown";

export interface FreshnessEvaluation {
  state: FreshnessState;
  /** When the state can next change without a new materialisation (undefined: only a materialisation changes it). */
  nextEvaluationAt?: number;
  /** One line for the UI: what the policy expects and what happened. */
  reason: string;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Milliseconds of a {@link DurationInput}; throws DEFS_INVALID for anything else.
 *
 * @example
 * parseDuration("1h30m"); // 5_400_000
 */
export function parseDuration(v: DurationInput, what = "duration", where?: string): number {
  if (typeof v === "number" && Number.isFinite(v) && v > 0) return v;
  if (typeof v === "string" && /^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/.test(v.trim())) {
    let total = 0;
    for (const m of v.trim().matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) total += Number(m[1]) * UNITS[m[2]!]!;
    if (total > 0) return total;
  }
  throw new StrataError("DEFS_INVALID", `Invalid ${what} ${JSON.stringify(v)}`, {
    where,
    hint: 'Use milliseconds (a positive number) or text like "30m", "6h", "1d", "1h30m".',
  });
}

const here = (): string | undefined => formatCodeRef(captureCodeRef());

/**
 * Freshness policies, attached with the asset option `freshness`.
 *
 * @example
 * asset({ key: "mart/orders", freshness: freshnessPolicy.timeWindow({ failAfter: "24h", warnAfter: "12h" }) }, build);
 * asset({ key: "mart/daily", freshness: freshnessPolicy.cron({ deadlineCron: "0 9 * * *", lowerBound: "3h", timezone: "Europe/Berlin" }) }, build);
 */
export const freshnessPolicy = Object.freeze({
  /** Fail when no materialisation for `failAfter`; warn after `warnAfter` (< failAfter). */
  timeWindow(opts: { failAfter: DurationInput; warnAfter?: DurationInput }): FreshnessPolicy {
    const where = here();
    const failAfterMs = parseDuration(opts?.failAfter, "freshness failAfter", where);
    const warnAfterMs = opts.warnAfter === undefined ? undefined : parseDuration(opts.warnAfter, "freshness warnAfter", where);
    if (warnAfterMs !== undefined && warnAfterMs >= failAfterMs) {
      throw new StrataError("DEFS_INVALID", `Freshness warnAfter (${opts.warnAfter}) must be shorter than failAfter (${opts.failAfter})`, { where });
    }
    return Object.freeze({ kind: "time_window" as const, failAfterMs, ...(warnAfterMs === undefined ? {} : { warnAfterMs }) });
  },

  /** Must be materialised between each deadline − `lowerBound` and the deadline (a tick of `deadlineCron`). */
  cron(opts: { deadlineCron: string; lowerBound: DurationInput; timezone?: string }): FreshnessPolicy {
    const where = here();
    const timezone = opts?.timezone ?? "UTC";
    const deadlineCron = validateCronSchedule(opts?.deadlineCron, timezone, "Freshness deadlineCron", where);
    const lowerBoundMs = parseDuration(opts.lowerBound, "freshness lowerBound", where);
    // The window must not reach back past the previous deadline, or one materialisation would satisfy two.
    const probe = cronTicksBetween(deadlineCron, timezone, Date.UTC(2001, 0, 1), Date.UTC(2001, 0, 1) + 400 * 86_400_000, 1_000_000);
    let gap = Infinity;
    for (let i = 1; i < probe.length; i++) gap = Math.min(gap, probe[i]! - probe[i - 1]!);
    if (lowerBoundMs > gap) {
      throw new StrataError("DEFS_INVALID", `Freshness lowerBound (${opts.lowerBound}) is longer than the time between deadlines of "${opts.deadlineCron}"`, {
        where,
        hint: "Use a lowerBound no longer than the cron's interval.",
      });
    }
    return Object.freeze({ kind: "cron" as const, deadlineCron, lowerBoundMs, timezone });
  },
});

/** Validates a policy from a snapshot or YAML; returns it frozen. */
export function validFreshnessPolicy(p: unknown, where?: string): FreshnessPolicy {
  const o = p as Partial<Record<string, unknown>> | null;
  if (o?.kind === "time_window" && typeof o.failAfterMs === "number") {
    return freshnessPolicy.timeWindow({ failAfter: o.failAfterMs, ...(typeof o.warnAfterMs === "number" ? { warnAfter: o.warnAfterMs } : {}) });
  }
  if (o?.kind === "cron" && typeof o.deadlineCron === "string" && typeof o.lowerBoundMs === "number") {
    return freshnessPolicy.cron({ deadlineCron: o.deadlineCron, lowerBound: o.lowerBoundMs, timezone: typeof o.timezone === "string" ? o.timezone : "UTC" });
  }
  throw new StrataError("DEFS_INVALID", "Invalid freshness policy", { where, hint: "Use freshnessPolicy.timeWindow({...}) or freshnessPolicy.cron({...})." });
}

const fmt = (ms: number): string => new Date(ms).toISOString();

function human(ms: number): string {
  for (const [u, n] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000]] as const) if (ms >= n && ms % n === 0) return `${ms / n}${u}`;
  return `${ms}ms`;
}

/**
 * The freshness state of an asset at `now`, from its last materialisation time:
 * - time window: fresh until `warnAfter`, then warn until `failAfter`, then fail;
 * - cron: fresh when materialised at or after (latest deadline − lowerBound), else fail
 *   (cron policies have no warn state);
 * - never materialised: unknown.
 *
 * @example
 * evaluateFreshness(freshnessPolicy.timeWindow({ failAfter: "24h" }), lastAt, Date.now()).state; // "fresh"
 */
export function evaluateFreshness(policy: FreshnessPolicy, lastMaterializationTime: number | undefined, now: number): FreshnessEvaluation {
  if (policy.kind === "time_window") {
    if (lastMaterializationTime === undefined) return { state: "unknown", reason: "never materialised" };
    const age = now - lastMaterializationTime;
    const failAt = lastMaterializationTime + policy.failAfterMs;
    if (age >= policy.failAfterMs) return { state: "fail", reason: `last materialised ${fmt(lastMaterializationTime)}, more than ${human(policy.failAfterMs)} ago` };
    if (policy.warnAfterMs !== undefined && age >= policy.warnAfterMs) {
      return { state: "warn", nextEvaluationAt: failAt, reason: `last materialised ${fmt(lastMaterializationTime)}, more than ${human(policy.warnAfterMs)} ago` };
    }
    const next = policy.warnAfterMs === undefined ? failAt : lastMaterializationTime + policy.warnAfterMs;
    return { state: "fresh", nextEvaluationAt: next, reason: `materialised within the last ${human(policy.warnAfterMs ?? policy.failAfterMs)}` };
  }
  const deadline = previousTick(policy.deadlineCron, policy.timezone, now);
  const nextDeadline = nextTick(policy.deadlineCron, policy.timezone, now);
  if (lastMaterializationTime === undefined) return { state: "unknown", reason: "never materialised" };
  const windowStart = deadline - policy.lowerBoundMs;
  if (lastMaterializationTime >= windowStart) {
    return { state: "fresh", nextEvaluationAt: nextDeadline, reason: `materialised after ${fmt(windowStart)} for the deadline ${fmt(deadline)}` };
  }
  return { state: "fail", reason: `not materialised between ${fmt(windowStart)} and the deadline ${fmt(deadline)}` };
}
