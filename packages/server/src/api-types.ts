/**
 * The JSON the HTTP API returns: the contract the web UI is built against (it imports these
 * types only). Timestamps are milliseconds since the epoch; asset keys in URLs are
 * `encodeURIComponent`-encoded (`mart%2Forders`).
 */
import type {
  AssetDep,
  AutomationConditionSnapshot,
  CheckSeverity,
  FreshnessPolicy,
  FreshnessState,
  EventRecord,
  KeyRangeSummary,
  MetadataMap,
  PartitionDisplayStatus,
  RunRecord,
  RunStatus,
  SerializedError,
} from "@strata/core";
import type {
  BackfillChunkStatus,
  BackfillRecord,
  CheckEvaluationRecord,
  MaterializationRecord,
} from "@strata/storage";
import type { LocationStatus } from "@strata/engine";

export type { ApiErrorBody } from "./api-error.ts";
export type {
  EventRecord,
  RunRecord,
  RunStatus,
  MetadataMap,
  MaterializationRecord,
  CheckEvaluationRecord,
  BackfillRecord,
};

/** Health of an asset: "stale" = materialised, but an upstream asset was materialised since. */
export type AssetHealth = "materialized" | "stale" | "failed" | "in_progress" | "missing";

/** Latest outcome of a check: "warning" = failed with severity WARN. */
export type CheckHealth = "passed" | "failed" | "warning" | "not_evaluated";

export interface CodeRefView {
  /** Path relative to the project root. */
  file: string;
  line: number;
  /** Link to the line on the git host (GitHub, GitLab, Bitbucket) when known. */
  url?: string;
}

export interface CheckSummary {
  key: string;
  name: string;
  status: CheckHealth;
  severity: CheckSeverity;
  blocking: boolean;
  lastEvaluatedAt?: number;
  lastRunId?: string;
}

export interface LastMaterialization {
  eventId: number;
  runId: string;
  timestamp: number;
  partition?: string;
}

/** A row of the catalog (GET /api/assets). */
export interface AssetSummary {
  key: string;
  group: string;
  kinds: string[];
  owners: string[];
  tags: Record<string, string>;
  description?: string;
  codeRef?: CodeRefView;
  /** Short label of the partitions definition, e.g. `daily (UTC) · 365 partitions`. */
  partitions?: string;
  status: AssetHealth;
  /** Rule-based health (latest materialisation, checks, freshness as the daemon last recorded it). */
  health?: AssetHealthStatus;
  /** Freshness as the daemon's freshness loop last recorded it ("fail": late); absent without a policy or a record. */
  freshness?: FreshnessState;
  lastMaterialization?: LastMaterialization;
  /** Run materialising it now (status in_progress). */
  inProgressRunId?: string;
  lastFailedRunId?: string;
  checks: CheckSummary[];
}

export interface AssetsResponse {
  location: string;
  /** Snapshot version the catalog was computed from (bumps on reload). */
  version: number;
  total: number;
  assets: AssetSummary[];
}

/** GET /api/assets/:key */
export interface AssetDetailResponse {
  asset: AssetSummary & {
    node: string;
    deps: AssetDep[];
    upstream: string[];
    downstream: string[];
    metadata: MetadataMap;
    codeVersion?: string;
    resources: string[];
    io: string;
    pool?: string;
    partitionsDefinition?: unknown;
  };
  latestMaterialization?: MaterializationRecord;
  checks: (CheckSummary & {
    description?: string;
    inline: boolean;
    lastEvaluation?: CheckEvaluationRecord;
  })[];
}

/** GET /api/assets/:key/materializations — newest first; pass `nextBefore` as `before` for the next page. */
export interface MaterializationsResponse {
  materializations: MaterializationRecord[];
  nextBefore?: number;
}

export interface WipeResponse {
  assetKey: string;
  wiped: true;
}

export interface CheckHistoryResponse {
  checkKey: string;
  evaluations: CheckEvaluationRecord[];
}

/** GET /api/assets/:key/partitions */
export interface PartitionsResponse {
  assetKey: string;
  /** Human description, e.g. `valid keys run from 2024-01-01 to 2024-12-31 (daily, UTC)`. */
  description: string;
  total: number;
  counts: Record<PartitionDisplayStatus, number>;
  ranges: KeyRangeSummary<PartitionDisplayStatus>[];
}

/**
 * GET /api/graph: compact lineage. `edges` are `[from, to]` indexes into `nodes`
 * (upstream → downstream).
 */
export interface GraphResponse {
  location: string;
  version: number;
  nodes: {
    key: string;
    group: string;
    kinds?: string[];
    partitioned?: true;
    status: AssetHealth;
    checks?: CheckHealth;
  }[];
  edges: [number, number][];
  groups: { name: string; count: number }[];
}

export interface RunSummary extends RunRecord {
  durationMs?: number;
}

export interface RunsResponse {
  runs: RunSummary[];
  /** Pass as `cursor` for the next (older) page; absent on the last page. */
  nextCursor?: string;
}

/** POST /api/runs and /api/runs/:id/reexecute (202): the run is recorded and starting. */
export interface LaunchResponse {
  /** The (first) run. */
  runId: string;
  run: RunSummary;
  /**
   * In a workspace, a selection spanning code locations: one run per location, in execution
   * order (each waits, NOT_STARTED, for the locations it depends on).
   */
  runs?: RunSummary[];
}

/** POST /api/runs/:id/cancel */
export interface RunActionResponse {
  runId: string;
  run: RunSummary;
}

export type StepStatus = "running" | "succeeded" | "failed" | "skipped" | "retrying" | "pending";

export interface StepSummary {
  stepKey: string;
  status: StepStatus;
  startedAt?: number;
  endedAt?: number;
  attempts: number;
  assetKeys: string[];
  error?: { code: string; message: string };
}

/** GET /api/runs/:id */
export interface RunDetailResponse {
  run: RunSummary;
  /** In plan order when the plan is known; steps seen only in events follow. */
  steps: StepSummary[];
  materializations: { assetKey: string; partition?: string; eventId: number; timestamp: number }[];
  checks: { checkKey: string; passed: boolean; severity: CheckSeverity; eventId: number }[];
  canReexecuteFromFailure: boolean;
}

/** GET /api/runs/:id/events — `nextAfter` is the last id scanned; poll again with it as `after`. */
export interface RunEventsResponse {
  events: EventRecord[];
  nextAfter: number;
  /** More events already stored after `nextAfter` (the run may still add more). */
  hasMore: boolean;
  runStatus: RunStatus;
}

export interface BackfillSummary extends BackfillRecord {
  counts: Record<BackfillChunkStatus, number>;
  /** Runs (chunks) in all. */
  runs: number;
  /** True when this server process drives it now. */
  active: boolean;
}

export interface BackfillsResponse {
  backfills: BackfillSummary[];
}

export interface BackfillDetailResponse {
  backfill: BackfillSummary;
  /** Per asset: partition ranges by chunk status. */
  assets: Record<string, KeyRangeSummary<BackfillChunkStatus>[]>;
  /** Latest chunks (up to 200), with their runs. */
  chunks: {
    chunkId: number;
    status: BackfillChunkStatus;
    runId?: string;
    partitionKeys: string[];
    assetKeys: string[];
  }[];
}

export interface LocationView {
  name: string;
  status: LocationStatus;
  version: number;
  root: string;
  entry: string;
  loadedAt?: number;
  loadMs?: number;
  updatedAt: number;
  error?: Pick<SerializedError, "code" | "message" | "where" | "hint">;
  watching: boolean;
  pid?: number;
  activeRuns: string[];
  assetCount: number;
  checkCount: number;
  /** Resources with their config fields: env var names, never secret values. */
  resources: {
    name: string;
    description?: string;
    fields: { name: string; env?: string; secret: boolean; value?: unknown }[];
  }[];
}

export interface OverviewResponse {
  /** The code location; in a workspace, all of them as one (status "error" while one is broken, naming it). */
  location: LocationView;
  /** In a workspace: each code location. */
  locations?: LocationView[];
  assets: { total: number; counts: Record<AssetHealth, number> };
  failingChecks: {
    checkKey: string;
    assetKey: string;
    severity: CheckSeverity;
    timestamp: number;
    runId: string;
    description?: string;
  }[];
  recentRuns: RunSummary[];
  runsInProgress: number;
  activeBackfills: number;
  /** The daemon's loops with their heartbeats (key-value `daemon/heartbeat/<loop>`), as GET /api/daemon. */
  daemon: DaemonResponse;
}

/** POST /api/backfills (202), /api/backfills/:id/cancel, /api/backfills/:id/resume */
export interface BackfillActionResponse {
  backfillId: string;
  status: BackfillRecord["status"];
  /** Chunks (runs) planned, on create. */
  runs?: number;
}

/** POST /api/locations/:name/reload: the state after the load (status "error" carries the error). */
export type ReloadResponse = LocationView;

export interface DynamicPartitionKeysResponse {
  name: string;
  keys: string[];
}

/** POST /api/dynamic-partitions/:name */
export interface DynamicPartitionsChangeResponse {
  name: string;
  added: number;
  removed: number;
  count: number;
}

export interface LocationsResponse {
  locations: LocationView[];
}

export interface DynamicPartitionsResponse {
  sets: { name: string; count: number; assets: string[] }[];
}

/**
 * GET /api/stream (Server-Sent Events). Event names and data:
 * - `hello`: { lastEventId } once on connect;
 * - `run_event`: an EventRecord (only with `?runId=`; backlog after `?after=` first);
 * - `run`: { runId, status, type, timestamp } on every RUN_* event;
 * - `asset`: { assetKey, type, runId, partition?, checkKey?, passed? } on materialisations,
 *   check evaluations, plans and wipes;
 * - `location`: a LocationView on every location state change (loading/loaded/error; version bump);
 * - comments (`: ping`) every 15 s keep proxies from closing the stream.
 */
export type StreamEventName = "hello" | "run_event" | "run" | "asset" | "location";

/** One daemon loop (`strata status`): its last heartbeat, absent when it never ran here. */
export interface DaemonLoopView {
  loop: string;
  /** A heartbeat within 3 intervals (at least 30 s) and no error in the last tick. */
  healthy: boolean;
  heartbeat?: {
    at: number;
    pid: number;
    intervalMs: number;
    lastDurationMs?: number;
    lastError?: string;
    lastErrorAt?: number;
  };
}

/** GET /api/daemon (also `daemon` in the overview). */
export interface DaemonResponse {
  /** Some loop has a healthy heartbeat: a daemon is running against this instance. */
  running: boolean;
  /** Newest heartbeat of any loop. */
  lastHeartbeatAt?: number;
  loops: DaemonLoopView[];
}

export type InstigatorStatusName = "RUNNING" | "STOPPED";
export type TickStatusName = "STARTED" | "SKIPPED" | "SUCCESS" | "FAILURE";

/** A tick of a schedule or sensor (no planned-run payload). */
export interface TickView {
  tickId: string;
  instigatorName: string;
  instigatorType: "schedule" | "sensor" | "automation";
  status: TickStatusName;
  scheduledAt?: number;
  runIds: string[];
  runKeys: string[];
  cursor?: string;
  skipReason?: string;
  error?: string;
  createdAt: number;
  endedAt?: number;
}

interface InstigatorViewBase {
  name: string;
  /** What the user set (start/stop), else the definition's default. */
  status: InstigatorStatusName;
  defaultStatus: InstigatorStatusName;
  description?: string;
  /** When the daemon should next evaluate it (RUNNING only). */
  nextTickAt?: number;
  lastTick?: TickView;
  /** File:line of the definition. */
  where?: string;
}

export interface ScheduleView extends InstigatorViewBase {
  kind: "schedule";
  cron: string;
  timezone: string;
  assetKeys: string[];
}

export interface SensorView extends InstigatorViewBase {
  kind: "sensor";
  type: string;
  intervalSeconds: number;
  targetAssetKeys: string[];
  /** The stored cursor. */
  cursor?: string;
}

/** GET /api/schedules */
export interface SchedulesResponse {
  schedules: ScheduleView[];
  /** Same as GET /api/daemon's `running`: without a daemon nothing ticks. */
  daemonRunning: boolean;
}

/** GET /api/sensors */
export interface SensorsResponse {
  sensors: SensorView[];
  daemonRunning: boolean;
}

/** GET /api/instigators/:name/ticks?limit (newest first) */
export interface TicksResponse {
  name: string;
  ticks: TickView[];
}

/** POST /api/schedules/:name/start|stop, /api/sensors/:name/start|stop: the instigator after the change. */
export type InstigatorActionResponse = ScheduleView | SensorView;

/** Rule-based health of an asset (core `assetHealth`): latest materialisation, checks, freshness. */
export type AssetHealthStatus = "healthy" | "warning" | "degraded" | "unknown";

/** One node of an automation evaluation tree (the core's `ConditionEvaluation`, as stored). */
export interface ConditionEvaluationNode {
  type: string;
  label?: string;
  /** Set on the subtree a dep-match evaluated on a dependency. */
  assetKey?: string;
  /** Partitions (1 for an unpartitioned asset) the node was evaluated on. */
  candidates: number;
  trueCount: number;
  value: boolean;
  trueRanges?: { start: string; end: string }[];
  /** Not evaluated: an earlier operand of an `and` left no candidates. */
  skipped?: true;
  children: ConditionEvaluationNode[];
}

export interface AutomationEvaluationView {
  id: number;
  tickId: string;
  evaluatedAt: number;
  requestedCount: number;
  requestedRanges?: { start: string; end: string }[];
  /** First evaluation of this condition (new asset, new or changed condition). */
  initial: boolean;
  tree?: ConditionEvaluationNode;
  error?: SerializedError;
}

export interface FreshnessView {
  /** The policy as in the snapshot (`AssetNodeSnapshot.freshness`). */
  policy: FreshnessPolicy;
  /** Human label of the policy, e.g. `fail after 24h, warn after 12h`. */
  label: string;
  state: FreshnessState;
  /** When the daemon recorded this state (absent when computed by the server). */
  since?: number;
  reason: string;
  /** "daemon": the freshness loop's last recorded state; "computed": evaluated now by the server (no daemon state yet). */
  source: "daemon" | "computed";
}

/** GET /api/assets/:key/automation */
export interface AssetAutomationResponse {
  assetKey: string;
  /** The asset's automation condition; absent when it has none. */
  condition?: { snapshot: AutomationConditionSnapshot; label: string };
  /** Newest first; evaluations are stored only when they change (last 50 per asset). */
  evaluations: AutomationEvaluationView[];
  /** Absent when the asset has no freshness policy. */
  freshness?: FreshnessView;
  health: { status: AssetHealthStatus; reasons: string[] };
}

/** A step holding a slot of a concurrency pool (a row of the storage's pool slot table). */
export interface PoolSlotView {
  runId: string;
  stepKey: string;
  /** Assets the step materialises (empty when the definitions no longer have the step). */
  assetKeys: string[];
  claimedAt: number;
}

/**
 * A run that still has steps to run in a pool. `reason`: "slot" — the steps are ready and the
 * pool is full; "upstream" — they wait for earlier steps of the run; "run_concurrency" — ready,
 * the pool has room, the run's own step limit (executor maxConcurrent) holds them; "starting" —
 * the run's worker has not started yet; "queued" — the run waits in the run queue.
 */
export interface PoolWaiterView {
  runId: string;
  status: RunStatus;
  steps: string[];
  /** Assets of those steps. */
  assetKeys: string[];
  reason: "slot" | "upstream" | "run_concurrency" | "starting" | "queued";
}

/** A named concurrency pool (`defineDefinitions({ pools })`, `asset({ pool })`). */
export interface PoolView {
  name: string;
  /** Max steps at once across all runs; absent when the definitions no longer declare the pool (slots may linger). */
  limit?: number;
  /** Assets assigned to the pool. */
  assets: string[];
  slots: PoolSlotView[];
  waiting: PoolWaiterView[];
}

/** The run queue's limits (`strata queue config`) with what uses them now. */
export interface QueueView {
  maxConcurrentRuns: number;
  inProgress: number;
  queued: number;
  tagConcurrencyLimits: { key: string; value?: string; limit: number; inUse: number }[];
  /** Queued runs in dequeue order and why each one waits (as `strata queue` prints). */
  queue: { runId: string; selection: string; createdAt: number; next: boolean; reason?: string }[];
}

/** GET /api/concurrency */
export interface ConcurrencyResponse {
  pools: PoolView[];
  queue: QueueView;
}

/** POST /api/concurrency/queue: the stored settings after the change. */
export interface QueueSettingsResponse {
  maxConcurrentRuns: number;
  tagConcurrencyLimits: { key: string; value?: string; limit: number }[];
}

/** GET /api/assets/:key/partition-keys: the definition and every key, in order. */
export interface PartitionKeysResponse {
  assetKey: string;
  kind: "time_window" | "static" | "dynamic" | "multi";
  /** Human description, e.g. `valid keys run from 2024-01-01 to 2024-12-31 (daily, UTC)`. */
  description: string;
  keys: string[];
  /** Multi-partitions: each dimension's name, kind and keys (a key is the values joined by "|"). */
  dimensions?: { name: string; kind: "time_window" | "static" | "dynamic"; keys: string[] }[];
}
