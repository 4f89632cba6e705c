import type { MetadataInput } from "./metadata.ts";
import type { AssetKeyInput } from "./asset-key.ts";

/** The outcome of one asset check. */
export interface AssetCheckResult {
  passed: boolean;
  /** Overrides the check's declared severity for this evaluation. */
  severity?: CheckSeverity;
  description?: string;
  metadata?: MetadataInput;
  /** For checks declared on an asset (`checks: [...]`) and returned from its function. */
  checkName?: string;
  /** For multi-assets: which asset the check belongs to. */
  assetKey?: AssetKeyInput;
  /**
   * In a run over a partition range: the partition this result is for. Without it, the result
   * is recorded for every partition of the range (each partition gets its own evaluation).
   */
  partitionKey?: string;
}

export type CheckSeverity = "WARN" | "ERROR";

/**
 * What an asset function returns when it wants to attach metadata, pass a value on to
 * downstream inputs, or report results of checks declared on the asset.
 *
 * @example
 * return new MaterializeResult({ value: rows, metadata: { row_count: rows.length } });
 */
export class MaterializeResult<T = unknown> {
  readonly value: T | undefined;
  readonly metadata: MetadataInput | undefined;
  readonly assetKey: AssetKeyInput | undefined;
  readonly checkResults: readonly AssetCheckResult[];
  readonly dataVersion: string | undefined;

  constructor(options: {
    value?: T;
    metadata?: MetadataInput;
    assetKey?: AssetKeyInput;
    checkResults?: AssetCheckResult[];
    dataVersion?: string;
  } = {}) {
    this.value = options.value;
    this.metadata = options.metadata;
    this.assetKey = options.assetKey;
    this.checkResults = Object.freeze([...(options.checkResults ?? [])]);
    this.dataVersion = options.dataVersion;
    Object.freeze(this);
  }
}

export function isMaterializeResult(v: unknown): v is MaterializeResult {
  return v instanceof MaterializeResult;
}

/**
 * Thrown by a multi-asset whose function produced some of its selected assets and then failed
 * on others (e.g. one SQL model of many): the `results` are recorded as materialisations (with
 * their check results), then the step fails with `cause`. Downstream of the assets it did not
 * produce is skipped; downstream of the produced ones still runs.
 *
 * @example
 * if (failed.length) throw new PartialMaterialization(done, new Error(`${failed.length} model(s) failed`));
 * return done;
 */
export class PartialMaterialization extends Error {
  readonly results: readonly MaterializeResult[];

  constructor(results: readonly MaterializeResult[], cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "PartialMaterialization";
    this.results = Object.freeze([...results]);
  }
}

export function isPartialMaterialization(v: unknown): v is PartialMaterialization {
  return v instanceof PartialMaterialization;
}
