import type { CheckSeverity } from "../materialize-result.ts";
import type { FreshnessState } from "./freshness.ts";

export type AssetHealthStatus = "healthy" | "warning" | "degraded" | "unknown";

export interface AssetHealthInput {
  /**
   * Outcome of the latest materialisation attempt: "materialized", "failed" (for partitioned
   * assets: any partition's latest attempt failed) or "missing" (never materialised).
   */
  materialization: "materialized" | "failed" | "missing";
  /** Latest evaluation of each check on the asset (checks never evaluated are left out). */
  checks?: readonly { severity: CheckSeverity; passed: boolean; name?: string }[];
  /** Current freshness state, when the asset has a freshness policy. */
  freshness?: FreshnessState;
}

export interface AssetHealth {
  status: AssetHealthStatus;
  /** Why, one entry per signal that is not healthy (empty when healthy). */
  reasons: string[];
}

/**
 * Combines the latest materialisation, checks and freshness into one status. The rule, first
 * match wins:
 * 1. **degraded**: the latest materialisation failed, an ERROR check failed, or freshness is "fail";
 * 2. **warning**: a WARN check failed, or freshness is "warn";
 * 3. **unknown**: never materialised (nothing to judge yet);
 * 4. **healthy**: materialised, every evaluated check passed, and freshness (if any) is "fresh"
 *    or "unknown".
 *
 * @example
 * assetHealth({ materialization: "materialized", checks: [{ severity: "WARN", passed: false }] }).status; // "warning"
 */
export function assetHealth(input: AssetHealthInput): AssetHealth {
  const degraded: string[] = [];
  const warning: string[] = [];
  if (input.materialization === "failed") degraded.push("latest materialisation failed");
  for (const c of input.checks ?? []) {
    if (c.passed) continue;
    (c.severity === "ERROR" ? degraded : warning).push(`check ${c.name ?? ""}${c.name ? " " : ""}failed (${c.severity})`);
  }
  if (input.freshness === "fail") degraded.push("freshness policy failed");
  if (input.freshness === "warn") warning.push("freshness policy warning");
  if (degraded.length > 0) return { status: "degraded", reasons: [...degraded, ...warning] };
  if (warning.length > 0) return { status: "warning", reasons: warning };
  if (input.materialization === "missing") return { status: "unknown", reasons: ["never materialised"] };
  return { status: "healthy", reasons: [] };
}
