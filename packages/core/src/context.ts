import type { AssetKey } from "./asset-key.ts";
import type { MetadataInput } from "./metadata.ts";
import type { PartitionKeyRange, TimeWindow } from "./partitions/index.ts";

/** Partition facts of a step: its key (or range), time window and, for multi-partitions, each dimension. */
export interface PartitionInfo {
  /** The partition being materialised; undefined for unpartitioned assets and range runs. */
  readonly partitionKey: string | undefined;
  /** Every key this step materialises (one, or a whole range). */
  readonly partitionKeys: readonly string[];
  /** First and last key, for range runs (single-run backfills) and single keys alike. */
  readonly partitionKeyRange: PartitionKeyRange | undefined;
  /** `[start, end)` covered, for time-window partitions. */
  readonly partitionTimeWindow: TimeWindow | undefined;
  /** For multi-partitions: dimension name → key (e.g. { date: "2024-08-01", region: "us" }). */
  readonly partitionDimensions: Readonly<Record<string, string>> | undefined;
}

/** Adds or removes keys of dynamic partition sets from user code (stored in the instance). */
export interface DynamicPartitionsApi {
  add(name: string, keys: string[]): Promise<number>;
  remove(name: string, keys: string[]): Promise<number>;
  keys(name: string): Promise<string[]>;
}

export type LogLevel = "debug" | "info" | "warn" | "error";

/** Structured logger handed to user code; every line is stored as an event of the step. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * What an asset function receives as its first argument.
 *
 * @example
 * asset({ name: "orders", resources: ["warehouse"] }, async (ctx) => {
 *   ctx.log.info("loading", { since: "2024-01-01" });
 *   const rows = await ctx.resource<Warehouse>("warehouse").query("select 1");
 *   ctx.addMetadata({ row_count: rows.length });
 * });
 */
export interface AssetContext extends PartitionInfo {
  readonly runId: string;
  /** The asset being materialised (the first selected one for a multi-asset). */
  readonly assetKey: AssetKey;
  /** Every key the step produces in this run (a subset of a multi-asset's specs). */
  readonly selectedAssetKeys: readonly AssetKey[];
  readonly log: Logger;
  /** Resources by name, as listed in the asset's `resources`. */
  readonly resources: Readonly<Record<string, unknown>>;
  /** Typed access to a resource. Throws a clear error for one the asset did not declare. */
  resource<T>(name: string): T;
  /** Aborted when the run is canceled; pass it to fetch/queries so they stop promptly. */
  readonly signal: AbortSignal;
  /** 0 on the first attempt, then 1, 2, ... */
  readonly retryNumber: number;
  readonly runTags: Readonly<Record<string, string>>;
  /** Dynamic partition sets of the instance. */
  readonly dynamicPartitions: DynamicPartitionsApi;
  /** Adds metadata to the materialisation of `assetKey` (default: the context's asset). */
  addMetadata(metadata: MetadataInput, assetKey?: AssetKey): void;
}

/** What an asset check function receives. */
export interface CheckContext extends PartitionInfo {
  readonly runId: string;
  readonly assetKey: AssetKey;
  readonly checkName: string;
  readonly log: Logger;
  readonly resources: Readonly<Record<string, unknown>>;
  resource<T>(name: string): T;
  readonly signal: AbortSignal;
  /** Loads the checked asset's stored value through its I/O manager. */
  loadAssetValue<T = unknown>(): Promise<T>;
}
