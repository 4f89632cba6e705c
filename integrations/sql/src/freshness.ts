/**
 * Source freshness like `dbt source freshness`: the query reading the newest `loaded_at_field`
 * value, and the status for a measured age against `warn_after`/`error_after`.
 *
 * @example
 * freshnessQuery(source); // select max(_loaded_at) as max_loaded_at, now() as snapshotted_at from "db"."raw"."events"
 * freshnessStatus(source.freshness, maxLoadedAt, new Date()); // "pass" | "warn" | "error"
 */
import { StrataError } from "@strata/core";
import { renderRelation } from "./relation.ts";
import type { DbtSource, FreshnessThreshold, SourceFreshness } from "./project-types.ts";

const PERIOD_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

export function thresholdMs(t: FreshnessThreshold): number {
  return t.count * PERIOD_MS[t.period];
}

export function freshnessQuery(source: DbtSource): string {
  if (!source.loadedAtField) {
    throw new StrataError("SQL_COMPILE", `Source ${source.sourceName}.${source.name} has freshness but no loaded_at_field`, { where: `${source.originalFilePath}:${source.line}`, hint: "Add loaded_at_field: <timestamp column> to the source or table." });
  }
  const where = source.freshness?.filter ? `\nwhere ${source.freshness.filter}` : "";
  return `select max(${source.loadedAtField}) as max_loaded_at, now() as snapshotted_at\nfrom ${renderRelation(source.relation)}${where}`;
}

export function freshnessStatus(freshness: SourceFreshness | undefined, maxLoadedAt: Date | null, now: Date): "pass" | "warn" | "error" {
  if (!freshness) return "pass";
  const age = maxLoadedAt === null ? Infinity : now.getTime() - maxLoadedAt.getTime();
  if (freshness.errorAfter && age > thresholdMs(freshness.errorAfter)) return "error";
  if (freshness.warnAfter && age > thresholdMs(freshness.warnAfter)) return "warn";
  return "pass";
}
