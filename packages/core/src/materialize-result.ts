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
