import type { AssetKey } from "./asset-key.ts";
import type { MetadataInput } from "./metadata.ts";

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
export interface AssetContext {
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
  /** Partition being materialised, for partitioned assets. */
  readonly partitionKey: string | undefined;
  /** Adds metadata to the materialisation of `assetKey` (default: the context's asset). */
  addMetadata(metadata: MetadataInput, assetKey?: AssetKey): void;
}

/** What an asset check function receives. */
export interface CheckContext {
  readonly runId: string;
  readonly assetKey: AssetKey;
  readonly checkName: string;
  readonly log: Logger;
  readonly resources: Readonly<Record<string, unknown>>;
  resource<T>(name: string): T;
  readonly signal: AbortSignal;
  readonly partitionKey: string | undefined;
  /** Loads the checked asset's stored value through its I/O manager. */
  loadAssetValue<T = unknown>(): Promise<T>;
}
