import {
  StrataError,
  isMaterializeResult,
  MaterializeResult,
  toAssetKey,
  type AssetCheckResult,
  type AssetsDefinition,
  type MetadataInput,
} from "@strata/core";

export interface AssetOutput {
  key: string;
  hasValue: boolean;
  value: unknown;
  metadata: MetadataInput | undefined;
  dataVersion: string | undefined;
}

export interface NormalizedResults {
  outputs: AssetOutput[];
  checkResults: (AssetCheckResult & { assetKey: string; checkName: string })[];
}

/**
 * Interprets what an asset function returned. A single asset may return a value, a
 * MaterializeResult, or nothing. A multi-asset returns MaterializeResults (each with
 * `assetKey`), as an array or an object keyed by asset key; every selected key needs one
 * (unless `allowMissing`: the results of a partial failure).
 */
export function normalizeResults(def: AssetsDefinition, selected: string[], returned: unknown, allowMissing = false): NormalizedResults {
  const outputs: AssetOutput[] = [];
  const checkResults: NormalizedResults["checkResults"] = [];
  const single = def.specs.length === 1;

  const addResult = (key: string, r: unknown) => {
    if (isMaterializeResult(r)) {
      outputs.push({ key, hasValue: r.value !== undefined, value: r.value, metadata: r.metadata, dataVersion: r.dataVersion });
      for (const c of r.checkResults) checkResults.push(toCheck(c, key));
    } else {
      outputs.push({ key, hasValue: r !== undefined, value: r, metadata: undefined, dataVersion: undefined });
    }
  };

  if (single) {
    addResult(selected[0]!, returned);
  } else {
    const items: unknown[] = Array.isArray(returned)
      ? returned
      : isMaterializeResult(returned)
        ? [returned]
        : returned && typeof returned === "object"
          ? Object.entries(returned).map(([k, v]) =>
              isMaterializeResult(v) ? (v.assetKey ? v : withKey(v, k)) : new MaterializeResult({ assetKey: k, value: v }))
          : [];
    for (const item of items) {
      if (!isMaterializeResult(item) || item.assetKey === undefined) {
        throw new StrataError("USER_CODE", `Multi-asset "${def.name}" must return MaterializeResults with an assetKey`, {
          hint: "Return e.g. [new MaterializeResult({ assetKey: \"a\", value })] for each selected key.",
        });
      }
      const key = toAssetKey(item.assetKey);
      if (!selected.includes(key)) {
        throw new StrataError("USER_CODE", `Multi-asset "${def.name}" returned a result for "${key}", which is not selected in this run`, {
          hint: `Selected: ${selected.join(", ")}. Use ctx.selectedAssetKeys to produce only those.`,
        });
      }
      addResult(key, item);
    }
    const missing = selected.filter((k) => !outputs.some((o) => o.key === k));
    if (missing.length > 0 && !allowMissing) {
      throw new StrataError("USER_CODE", `Multi-asset "${def.name}" returned no result for ${missing.join(", ")}`, {
        hint: "Return one MaterializeResult per key in ctx.selectedAssetKeys.",
      });
    }
  }
  return { outputs, checkResults };
}

function withKey(r: MaterializeResult, key: string): MaterializeResult {
  return new MaterializeResult({
    assetKey: key,
    value: r.value,
    ...(r.metadata ? { metadata: r.metadata } : {}),
    checkResults: [...r.checkResults],
    ...(r.dataVersion ? { dataVersion: r.dataVersion } : {}),
  });
}

function toCheck(c: AssetCheckResult, defaultKey: string) {
  if (!c.checkName) {
    throw new StrataError("USER_CODE", `A check result returned by "${defaultKey}" has no checkName`, {
      hint: "Set checkName to the name of a check declared in the asset's checks: [...].",
    });
  }
  return { ...c, assetKey: c.assetKey ? toAssetKey(c.assetKey) : defaultKey, checkName: c.checkName };
}
