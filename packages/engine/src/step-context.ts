import {
  StrataError,
  type AssetContext,
  type CheckContext,
  type DynamicPartitionsApi,
  type PartitionInfo,
  type LogLevel,
  type Logger,
  type MetadataInput,
  type StrataEvent,
} from "@strata/core";

/** A logger whose lines become LOG events of one step (redacted and stored with the run). */
export function stepLogger(emit: (e: StrataEvent) => void, runId: string, stepKey: string | undefined): Logger {
  const log = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) =>
    emit({
      runId,
      type: "LOG",
      timestamp: Date.now(),
      level,
      message: String(message),
      ...(stepKey ? { stepKey } : {}),
      ...(fields && Object.keys(fields).length > 0 ? { data: { fields } } : {}),
    });
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

function resourceGetter(resources: Readonly<Record<string, unknown>>, who: string) {
  return <T>(name: string): T => {
    if (!(name in resources)) {
      throw new StrataError("DEFS_UNKNOWN_RESOURCE", `${who} did not declare resource "${name}"`, {
        hint: `Add "${name}" to its resources: [...] option.`,
      });
    }
    return resources[name] as T;
  };
}

export interface AssetContextInit {
  runId: string;
  stepKey: string;
  selectedAssetKeys: string[];
  log: Logger;
  resources: Record<string, unknown>;
  signal: AbortSignal;
  retryNumber: number;
  runTags: Record<string, string>;
  partition: PartitionInfo;
  dynamicPartitions: DynamicPartitionsApi;
}

/** Builds the context for an asset step; metadata added through it is collected per key. */
export function makeAssetContext(init: AssetContextInit): { ctx: AssetContext; added: Map<string, MetadataInput> } {
  const added = new Map<string, MetadataInput>();
  const first = init.selectedAssetKeys[0]!;
  const ctx: AssetContext = {
    runId: init.runId,
    assetKey: first,
    selectedAssetKeys: Object.freeze([...init.selectedAssetKeys]),
    log: init.log,
    resources: Object.freeze({ ...init.resources }),
    resource: resourceGetter(init.resources, `Asset "${first}"`),
    signal: init.signal,
    retryNumber: init.retryNumber,
    runTags: Object.freeze({ ...init.runTags }),
    ...init.partition,
    dynamicPartitions: init.dynamicPartitions,
    addMetadata(metadata: MetadataInput, assetKey?: string) {
      const key = assetKey ?? first;
      if (!init.selectedAssetKeys.includes(key)) {
        throw new StrataError("USER_CODE", `addMetadata: "${key}" is not materialised by this step`, {
          hint: `This step materialises ${init.selectedAssetKeys.join(", ")}.`,
        });
      }
      added.set(key, { ...(added.get(key) ?? {}), ...metadata });
    },
  };
  return { ctx, added };
}

export function makeCheckContext(init: {
  runId: string;
  assetKey: string;
  checkName: string;
  log: Logger;
  resources: Record<string, unknown>;
  signal: AbortSignal;
  partition: PartitionInfo;
  loadAssetValue: () => Promise<unknown>;
}): CheckContext {
  return {
    runId: init.runId,
    assetKey: init.assetKey,
    checkName: init.checkName,
    log: init.log,
    resources: Object.freeze({ ...init.resources }),
    resource: resourceGetter(init.resources, `Check "${init.checkName}"`),
    signal: init.signal,
    ...init.partition,
    loadAssetValue: <T>() => init.loadAssetValue() as Promise<T>,
  };
}

/** Partition facts for a step from the keys it runs (none for unpartitioned assets). */
export function partitionInfo(
  run: { keys: string[]; range?: { start: string; end: string }; timeWindow?: { start: Date; end: Date } } | undefined,
  multiDimensions: readonly string[] | undefined,
): PartitionInfo {
  if (!run) {
    return { partitionKey: undefined, partitionKeys: [], partitionKeyRange: undefined, partitionTimeWindow: undefined, partitionDimensions: undefined };
  }
  const single = run.keys.length === 1 ? run.keys[0] : undefined;
  let dims: Record<string, string> | undefined;
  if (single !== undefined && multiDimensions) {
    const parts = single.split("|");
    dims = Object.fromEntries(multiDimensions.map((d, i) => [d, parts[i] ?? ""]));
  }
  return Object.freeze({
    partitionKey: single,
    partitionKeys: Object.freeze([...run.keys]),
    partitionKeyRange: run.range ?? (single !== undefined ? { start: single, end: single } : undefined),
    partitionTimeWindow: run.timeWindow,
    partitionDimensions: dims,
  });
}
