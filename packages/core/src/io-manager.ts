import type { AssetKey } from "./asset-key.ts";
import type { Logger } from "./context.ts";
import type { MetadataInput } from "./metadata.ts";
import { resource, type ResourceDefinition } from "./resource.ts";

/**
 * An I/O manager stores the value an asset returns and loads it for downstream typed inputs.
 * It is a resource (default key `io_manager`); an asset picks another with `io: "<key>"`.
 * The default stores JSON under the instance folder; DuckDB/parquet managers plug in here.
 *
 * @example
 * const memory = new Map<string, unknown>();
 * const memoryIO = ioManager({
 *   handleOutput: (ctx, value) => void memory.set(ctx.assetKey, value),
 *   loadInput: (ctx) => memory.get(ctx.upstreamKey),
 * });
 */
export interface OutputContext {
  assetKey: AssetKey;
  runId: string;
  partitionKey: string | undefined;
  /** Instance folder, for managers that keep files. */
  instanceDir: string;
  log: Logger;
  /** Resource values available to the step (e.g. a database connection). */
  resources: Readonly<Record<string, unknown>>;
}

export interface InputContext {
  /** The upstream asset whose value is loaded. */
  upstreamKey: AssetKey;
  /** The downstream asset receiving it. */
  assetKey: AssetKey;
  inputName: string;
  runId: string;
  /** Upstream partition keys to load (partition mappings); undefined when unpartitioned. */
  upstreamPartitionKeys: string[] | undefined;
  instanceDir: string;
  log: Logger;
  resources: Readonly<Record<string, unknown>>;
}

export interface IOManager {
  /** Stores `value`; may return metadata to attach to the materialisation (e.g. row_count, uri). */
  handleOutput(ctx: OutputContext, value: unknown): Promise<MetadataInput | void> | MetadataInput | void;
  loadInput(ctx: InputContext): Promise<unknown> | unknown;
}

export function isIOManager(v: unknown): v is IOManager {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as IOManager).handleOutput === "function" &&
    typeof (v as IOManager).loadInput === "function"
  );
}

/** Wraps an I/O manager object as a resource. */
export function ioManager(manager: IOManager, description?: string): ResourceDefinition<IOManager> {
  return resource({ description: description ?? "I/O manager", create: () => manager });
}
