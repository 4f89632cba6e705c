import { asExternal, asset, type AssetDepInput, type AssetsDefinition } from "./asset.ts";
import { toAssetKey, type AssetKeyInput } from "./asset-key.ts";
import { captureCodeRef, type CodeRef } from "./code-ref.ts";
import { StrataError } from "./errors.ts";
import type { MetadataInput } from "./metadata.ts";

/** An asset produced outside Strata (a source table loaded by another tool, a vendor file). */
export interface ExternalAssetOptions {
  key: AssetKeyInput;
  deps?: readonly AssetDepInput[];
  group?: string;
  kinds?: string[];
  tags?: Record<string, string>;
  owners?: string[];
  description?: string;
  metadata?: MetadataInput;
  codeRef?: CodeRef;
}

/**
 * Declares an asset Strata does not produce, so others can depend on it and it shows in the
 * graph and selections. It has no function: runs never materialise it. Standalone checks on it
 * (`assetCheck`, e.g. freshness against the warehouse) run when it is selected; a selection of
 * only external assets with no such checks is refused with PLAN_INVALID.
 *
 * @example
 * const rawEvents = externalAsset({ key: "app/events", description: "Loaded by Fivetran" });
 * const stg = asset({ name: "stg_events", deps: [rawEvents] }, async () => { ... });
 */
export function externalAsset(options: ExternalAssetOptions): AssetsDefinition {
  const codeRef = options.codeRef ?? captureCodeRef();
  const key = toAssetKey(options.key, codeRef ? `${codeRef.file}:${codeRef.line}` : undefined);
  const def = asset({ ...options, key, codeRef }, () => {
    throw new StrataError("PLAN_INVALID", `Asset "${key}" is external: it is produced outside Strata and cannot be materialised`, {
      assetKey: key,
      hint: "Materialise the assets that depend on it instead, or report its updates from the tool that loads it.",
    });
  });
  return asExternal(def);
}

/**
 * Several external assets at once.
 *
 * @example
 * const sources = externalAssets([{ key: "app/events" }, { key: "app/accounts" }]);
 */
export function externalAssets(specs: readonly ExternalAssetOptions[]): AssetsDefinition[] {
  const codeRef = captureCodeRef();
  return specs.map((s) => externalAsset({ ...s, ...(s.codeRef ?? codeRef ? { codeRef: s.codeRef ?? codeRef } : {}) }));
}
