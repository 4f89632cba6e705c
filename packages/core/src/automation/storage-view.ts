import type { DynamicPartitionsStore } from "../partitions/index.ts";

/** The latest materialisation of an asset (of any partition, for partitioned assets). */
export interface AutomationMaterializationFact {
  /** Event id in the log (ids only grow). */
  eventId: number;
  timestamp: number;
  /** Code version the materialisation was produced with (ASSET_MATERIALIZATION data.codeVersion). */
  codeVersion?: string;
}

/**
 * One row of the partition status index (storage's `AssetPartitionRecord` fits as is).
 * A partition without a row is missing, never attempted.
 */
export interface AutomationPartitionFact {
  status: "materialized" | "failed" | "in_progress";
  /** Set once the partition has been materialised (after the last wipe). */
  lastMaterializationEventId?: number;
  lastMaterializedAt?: number;
}

/** What storage knows about one asset, as the automation evaluation needs it. */
export interface AssetAutomationFacts {
  /** Latest materialisation (AssetRecord.lastMaterialization); for a partitioned asset, of any partition. */
  lastMaterialization?: AutomationMaterializationFact;
  /** Unpartitioned: a queued or running run will materialise it. */
  inProgress?: boolean;
  /** Unpartitioned: the latest attempt failed (AssetRecord.lastFailedRunId is set). */
  failed?: boolean;
  /** Partitioned: partition key → index row (storage's partition index). */
  partitions?: ReadonlyMap<string, AutomationPartitionFact>;
  /**
   * Partitioned: keys targeted by QUEUED/STARTING/STARTED runs that the index may not show yet
   * (the index marks a partition in progress only once its run plans it).
   */
  inProgressPartitions?: ReadonlySet<string>;
}

/**
 * Everything {@link evaluateAutomation} reads from storage: cheap, index-backed questions that
 * a daemon answers with a few queries per tick (and can cache between ticks, refreshing from
 * the events after the previous `latestEventId`):
 *
 * - `latestEventId`: `max(events.id)`; read it in the same read transaction as the facts, or
 *   before them (an event that slips in between may then count as new on two ticks, never on none);
 * - `asset(key)`: the asset index row (`getAssetRecords()`: last materialisation with its event
 *   id, time and code version; failed; planned) + the partition index rows of partitioned assets
 *   (`getAssetPartitions(key)`) + in-progress runs (`listRuns({ statuses: QUEUED/STARTING/STARTED })`,
 *   their `assetKeys`/`partitionKey`);
 * - `dynamicPartitions`: the stored dynamic partition sets.
 *
 * Calls must be synchronous and side-effect free; `asset()` may be called several times per key.
 */
export interface AutomationStorageView {
  /** Id of the newest event in the log; "newly updated" next tick means a materialisation with a larger id. */
  readonly latestEventId: number;
  /** Keys of dynamic partition sets (needed when an asset with automation uses dynamic partitions). */
  readonly dynamicPartitions?: DynamicPartitionsStore;
  /** Facts for one asset; undefined when storage has none (never materialised, attempted or planned). */
  asset(assetKey: string): AssetAutomationFacts | undefined;
}

interface MutableFacts {
  lastMaterialization?: AutomationMaterializationFact;
  inProgress?: boolean;
  failed?: boolean;
  partitions?: Map<string, AutomationPartitionFact>;
  inProgressPartitions?: Set<string>;
}

/**
 * An in-memory {@link AutomationStorageView} for tests, previews and benchmarks: record what
 * happens (materialise, fail, start and finish runs) and evaluate against it. Event ids grow
 * by one per recorded event.
 *
 * @example
 * const view = new MemoryAutomationView();
 * view.materialize("raw/orders", { timestamp: now });
 * view.materialize("daily", { partition: "2024-01-01", timestamp: now });
 * evaluateAutomation(graph, undefined, view, previous, now);
 */
export class MemoryAutomationView implements AutomationStorageView {
  latestEventId = 0;
  readonly dynamicPartitions: DynamicPartitionsStore;
  private readonly facts = new Map<string, MutableFacts>();
  private readonly dynamic = new Map<string, string[]>();

  constructor() {
    this.dynamicPartitions = {
      getKeys: (name) => this.dynamic.get(name) ?? [],
      hasKey: (name, key) => (this.dynamic.get(name) ?? []).includes(key),
    };
  }

  asset(assetKey: string): AssetAutomationFacts | undefined {
    return this.facts.get(assetKey);
  }

  private of(assetKey: string): MutableFacts {
    let f = this.facts.get(assetKey);
    if (f === undefined) {
      f = {};
      this.facts.set(assetKey, f);
    }
    return f;
  }

  private row(f: MutableFacts, partition: string): AutomationPartitionFact | undefined {
    return f.partitions?.get(partition);
  }

  private setRow(f: MutableFacts, partition: string, row: AutomationPartitionFact): void {
    (f.partitions ??= new Map()).set(partition, row);
  }

  /** Records a materialisation; returns its event id. */
  materialize(assetKey: string, opts: { partition?: string; timestamp: number; codeVersion?: string }): number {
    const eventId = ++this.latestEventId;
    const f = this.of(assetKey);
    f.lastMaterialization = { eventId, timestamp: opts.timestamp, ...(opts.codeVersion === undefined ? {} : { codeVersion: opts.codeVersion }) };
    if (opts.partition === undefined) {
      f.failed = false;
      f.inProgress = false;
    } else {
      this.setRow(f, opts.partition, { status: "materialized", lastMaterializationEventId: eventId, lastMaterializedAt: opts.timestamp });
      f.inProgressPartitions?.delete(opts.partition);
    }
    return eventId;
  }

  /** Records many partitions materialised (one event id each) without per-call overhead. */
  materializePartitions(assetKey: string, partitions: Iterable<string>, timestamp: number): void {
    for (const p of partitions) this.materialize(assetKey, { partition: p, timestamp });
  }

  /** Records a failed attempt (a STEP_FAILURE event). */
  fail(assetKey: string, partition?: string): void {
    ++this.latestEventId;
    const f = this.of(assetKey);
    if (partition === undefined) {
      f.failed = true;
      f.inProgress = false;
      return;
    }
    const prev = this.row(f, partition);
    this.setRow(f, partition, { ...prev, status: "failed" });
    f.inProgressPartitions?.delete(partition);
  }

  /** Marks the asset (partition) as targeted by a queued/running run. */
  startRun(assetKey: string, partition?: string): void {
    const f = this.of(assetKey);
    if (partition === undefined) f.inProgress = true;
    else (f.inProgressPartitions ??= new Set()).add(partition);
  }

  /** The run ended without materialising (e.g. canceled): the asset is no longer in progress. */
  endRun(assetKey: string, partition?: string): void {
    const f = this.of(assetKey);
    if (partition === undefined) f.inProgress = false;
    else f.inProgressPartitions?.delete(partition);
  }

  /** Forgets the asset's history (ASSET_WIPED). */
  wipe(assetKey: string): void {
    ++this.latestEventId;
    this.facts.delete(assetKey);
  }

  /** Replaces the keys of a dynamic partitions set. */
  setDynamicPartitions(name: string, keys: string[]): void {
    this.dynamic.set(name, [...keys]);
  }
}
