import type { AssetDep, CheckSpec, RetryPolicy } from "./asset.ts";
import type { CodeRef } from "./code-ref.ts";
import type { MetadataMap } from "./metadata.ts";
import type { ResourceSnapshot } from "./resource.ts";
import type { CheckSeverity } from "./materialize-result.ts";
import type { BackfillPolicy, PartitionsSnapshot } from "./partitions/index.ts";
import type { AutomationConditionSnapshot } from "./automation/condition.ts";
import type { FreshnessPolicy } from "./automation/freshness.ts";
import type { ScheduleSnapshot } from "./automation/schedule.ts";
import type { SensorSnapshot } from "./automation/sensor.ts";

/**
 * The JSON description of a loaded project that the code-location process sends to the rest
 * of the system. The server, daemon and CLI read-only commands work from this alone; they
 * never import user code.
 */
export interface DefinitionsSnapshot {
  version: 1;
  /** Code location name. */
  location: string;
  /** Project root, for making code refs relative. */
  root: string;
  assets: AssetNodeSnapshot[];
  checks: CheckNodeSnapshot[];
  resources: ResourceSnapshot[];
  executor: ExecutorSettings;
  /** Pool name → max concurrent steps across all runs. */
  pools: Record<string, number>;
  /** Cron schedules (always set by buildSnapshot; absent in snapshots built by hand). */
  schedules?: ScheduleSnapshot[];
  /** Sensors, asset sensors and run-status sensors (always set by buildSnapshot). */
  sensors?: SensorSnapshot[];
}

export interface AssetNodeSnapshot {
  key: string;
  /** Step that produces it. Several assets share a step in a multi-asset. */
  node: string;
  deps: AssetDep[];
  group: string;
  kinds: string[];
  tags: Record<string, string>;
  owners: string[];
  description?: string;
  codeVersion?: string;
  metadata: MetadataMap;
  resources: string[];
  retry?: RetryPolicy;
  pool?: string;
  io: string;
  canSubset: boolean;
  /** Produced outside Strata (`externalAsset`): shown and selectable, never executed. */
  external?: true;
  /** Keys of checks on this asset (declared inline or separately). */
  checks: string[];
  codeRef?: CodeRef;
  location?: string;
  /** Partitions definition (plain data: the definition is its own snapshot). */
  partitions?: PartitionsSnapshot;
  /** How backfills launch runs for it (default: one run per partition). */
  backfillPolicy?: BackfillPolicy;
  /** Declarative automation condition, evaluated by the daemon on every tick. */
  automation?: AutomationConditionSnapshot;
  /** Freshness policy (time window or cron deadline). */
  freshness?: FreshnessPolicy;
}

export interface CheckNodeSnapshot {
  /** `<asset key>:<name>` */
  key: string;
  asset: string;
  name: string;
  blocking: boolean;
  severity: CheckSeverity;
  description?: string;
  /** Step that evaluates it: the asset's own step for inline checks, else a check step. */
  node: string;
  /** True when the asset's function reports it (declared via `checks:` on the asset). */
  inline: boolean;
  resources: string[];
  codeRef?: CodeRef;
}

export interface TagConcurrencyLimit {
  key: string;
  /** Limit applies to steps with this tag value (all values share the limit when omitted). */
  value?: string;
  limit: number;
}

export interface ExecutorSettings {
  /** Max steps running at once within one run. */
  maxConcurrent: number;
  tagConcurrencyLimits: TagConcurrencyLimit[];
}

export const DEFAULT_EXECUTOR: ExecutorSettings = { maxConcurrent: 8, tagConcurrencyLimits: [] };

export type { CheckSpec };
