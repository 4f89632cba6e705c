import type { AssetAutomationFacts, AutomationStorageView, AssetGraph, DynamicPartitionsStore } from "@strata/core";
import type { AssetRecord, Storage } from "@strata/storage";
import { PartitionFactTable } from "./partition-fact-table.ts";

/** More new events than this since the last tick: reload everything instead of patching. */
const FULL_RELOAD_AFTER = 20_000;

/**
 * The core's {@link AutomationStorageView} over storage indexes, cached between ticks: the first
 * refresh reads the asset index (one query), the partition index of the partitioned assets with
 * conditions, in-progress runs and dynamic partitions; later refreshes re-read only the assets
 * touched by events after the previous `latestEventId`.
 */
export class StorageAutomationView implements AutomationStorageView {
  latestEventId = 0;
  dynamicPartitions: DynamicPartitionsStore = { getKeys: () => [], hasKey: () => false };
  private readonly records = new Map<string, AssetRecord>();
  private readonly partitions = new Map<string, PartitionFactTable>();
  private inProgress = new Map<string, { whole: boolean; partitions: Set<string> }>();
  private loaded = false;

  constructor(
    private readonly storage: Storage,
    private readonly graph: AssetGraph,
  ) {}

  /** Brings the cache up to date; `partitioned` = assets whose partition rows matter. */
  async refresh(): Promise<void> {
    const latest = await this.storage.getLastEventId();
    const partitioned = [...this.graph.keys()].filter((k) => this.graph.partitionsOf(k) !== undefined);
    let touched: Set<string> | undefined;
    if (this.loaded) {
      touched = new Set();
      let after = this.latestEventId;
      while (after < latest && touched !== undefined) {
        const events = await this.storage.getEventsAfter(after, 5000);
        if (events.length === 0) break;
        for (const e of events) if (e.assetKey) touched.add(e.assetKey);
        for (const e of events) for (const k of (e.data?.assetKeys as unknown[] | undefined) ?? []) if (typeof k === "string") touched.add(k);
        after = events.at(-1)!.id;
        if (touched.size > FULL_RELOAD_AFTER || after - this.latestEventId > FULL_RELOAD_AFTER) touched = undefined;
      }
    }
    const keys = touched ? [...touched] : undefined;
    if (keys === undefined || keys.length > 0) {
      for (const r of await this.storage.getAssetRecords(keys)) this.records.set(r.assetKey, r);
      const wanted = keys === undefined ? partitioned : keys.filter((k) => this.graph.has(k) && this.graph.partitionsOf(k) !== undefined);
      // Columns, not a record per row: facts are made only for the partitions a condition reads.
      const byAsset = await this.storage.getPartitionColumnsOfAssets(wanted);
      for (const [k, columns] of byAsset) this.partitions.set(k, new PartitionFactTable(columns));
    }
    const inProgress = new Map<string, { whole: boolean; partitions: Set<string> }>();
    for (const run of await this.storage.listRuns({ statuses: ["QUEUED", "STARTING", "STARTED"] })) {
      for (const k of run.assetKeys) {
        let e = inProgress.get(k);
        if (!e) inProgress.set(k, (e = { whole: false, partitions: new Set() }));
        const range = run.config.partitionRange as { start: string; end: string } | undefined;
        if (run.partitionKey !== undefined) e.partitions.add(run.partitionKey);
        else if (range) {
          e.partitions.add(range.start);
          e.partitions.add(range.end);
        } else e.whole = true;
      }
    }
    this.inProgress = inProgress;
    const sets = await this.storage.listDynamicPartitionSets();
    const dyn = new Map<string, string[]>();
    for (const s of sets) dyn.set(s.name, await this.storage.getDynamicPartitions(s.name));
    const lookup = new Map([...dyn].map(([n, ks]) => [n, new Set(ks)] as const));
    this.dynamicPartitions = { getKeys: (n) => dyn.get(n) ?? [], hasKey: (n, k) => lookup.get(n)?.has(k) ?? false };
    this.latestEventId = latest;
    this.loaded = true;
  }

  asset(assetKey: string): AssetAutomationFacts | undefined {
    const r = this.records.get(assetKey);
    const parts = this.partitions.get(assetKey);
    const ip = this.inProgress.get(assetKey);
    if (!r && !parts && !ip) return undefined;
    const m = r?.lastMaterialization;
    return {
      ...(m ? { lastMaterialization: { eventId: m.eventId, timestamp: m.timestamp, ...(m.codeVersion !== undefined ? { codeVersion: m.codeVersion } : {}) } } : {}),
      inProgress: (ip?.whole ?? false) || r?.lastPlannedRunId !== undefined,
      failed: r?.lastFailedRunId !== undefined,
      ...(parts ? { partitions: parts } : {}),
      ...(ip && ip.partitions.size > 0 ? { inProgressPartitions: ip.partitions } : {}),
    };
  }
}
