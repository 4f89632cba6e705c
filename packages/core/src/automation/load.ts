import type { CodeRef } from "../code-ref.ts";
import { StrataError } from "../errors.ts";
import type { AssetGraph } from "../graph.ts";
import { AutomationCondition, conditionNodes, type AutomationConditionSnapshot } from "./condition.ts";
import { validFreshnessPolicy, type FreshnessPolicy } from "./freshness.ts";
import { commonPartitions, scheduleSnapshot, type ScheduleDefinition, type ScheduleSnapshot } from "./schedule.ts";
import { sensorSnapshot, type SensorDefinition, type SensorSnapshot } from "./sensor.ts";
import { requireTargetKeys } from "./target.ts";

/**
 * The `automation` asset option: a condition (or its JSON) → its validated snapshot. Errors name
 * the asset and its file:line.
 */
export function automationOption(assetKey: string, v: unknown, where?: string): AutomationConditionSnapshot {
  try {
    return AutomationCondition.from(v as AutomationCondition).snapshot;
  } catch (err) {
    const e = err as StrataError;
    throw new StrataError("DEFS_INVALID", `Asset "${assetKey}" has an invalid automation condition: ${e.message}`, { where, assetKey, hint: e.hint, cause: err });
  }
}

/** The `freshness` asset option, validated. */
export function freshnessOption(assetKey: string, v: unknown, where?: string): FreshnessPolicy {
  if (typeof v === "object" && v !== null && Object.isFrozen(v) && ((v as FreshnessPolicy).kind === "time_window" || (v as FreshnessPolicy).kind === "cron")) {
    return v as FreshnessPolicy;
  }
  try {
    return validFreshnessPolicy(v, where);
  } catch (err) {
    const e = err as StrataError;
    throw new StrataError("DEFS_INVALID", `Asset "${assetKey}" has an invalid freshness policy: ${e.message}`, { where, assetKey, hint: e.hint, cause: err });
  }
}

type Rel = (ref: CodeRef | undefined) => string | undefined;

/**
 * Load-time validation of everything automation references in the graph, and the snapshot forms
 * of schedules and sensors: targets resolve to at least one asset (unknown keys are named, with
 * the closest key), allow/ignore selections of conditions name existing assets, names are unique
 * across schedules and sensors, `partitions: "latest"` targets share one partitions definition.
 */
export function snapshotAutomation(
  schedules: readonly ScheduleDefinition[],
  sensors: readonly SensorDefinition[],
  graph: AssetGraph,
  rel: Rel,
): { schedules: ScheduleSnapshot[]; sensors: SensorSnapshot[] } {
  for (const a of graph.assets()) {
    if (a.automation === undefined) continue;
    for (const n of conditionNodes(a.automation)) {
      if (n.type !== "any_deps_match" && n.type !== "all_deps_match") continue;
      for (const which of ["allow", "ignore"] as const) {
        const sel = n[which];
        if (sel !== undefined) requireTargetKeys(sel, graph, `Asset "${a.key}" automation condition ${n.type}.${which}(${sel})`, rel(a.codeRef));
      }
    }
  }
  const names = new Map<string, string | undefined>();
  const unique = (name: string, what: string, ref: CodeRef | undefined) => {
    if (names.has(name)) {
      throw new StrataError("DEFS_DUPLICATE_KEY", `${what} "${name}" is defined twice (schedule and sensor names share one namespace)`, {
        where: rel(ref),
        hint: `First defined at ${names.get(name) ?? "(unknown)"}, again at ${rel(ref) ?? "(unknown)"}. Rename one.`,
      });
    }
    names.set(name, rel(ref));
  };
  const scheduleSnaps = schedules.map((s) => {
    unique(s.name, "Schedule", s.codeRef);
    const what = `Schedule "${s.name}" target`;
    const keys = requireTargetKeys(s.target, graph, what, rel(s.codeRef));
    if (s.partitions === "latest") commonPartitions({ name: s.name, assetKeys: keys }, graph, rel(s.codeRef));
    return scheduleSnapshot(s, keys);
  });
  const sensorSnaps = sensors.map((s) => {
    unique(s.name, "Sensor", s.codeRef);
    const where = rel(s.codeRef);
    const resolve = (t: typeof s.target, what: string) => (t === undefined ? undefined : requireTargetKeys(t, graph, `Sensor "${s.name}" ${what}`, where));
    const target = resolve(s.target, "target");
    const watched = resolve(s.watched, "assets");
    const monitored = resolve(s.monitored, "monitored");
    return sensorSnapshot(s, { ...(target ? { target } : {}), ...(watched ? { watched } : {}), ...(monitored ? { monitored } : {}) });
  });
  return { schedules: scheduleSnaps, sensors: sensorSnaps };
}

