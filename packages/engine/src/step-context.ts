import {
  StrataError,
  type AssetContext,
  type CheckContext,
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
  partitionKey: string | undefined;
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
    partitionKey: init.partitionKey,
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
  partitionKey: string | undefined;
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
    partitionKey: init.partitionKey,
    loadAssetValue: <T>() => init.loadAssetValue() as Promise<T>,
  };
}
