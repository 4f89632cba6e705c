import { StrataError } from "./errors.ts";

/**
 * An asset key is a path such as `raw/orders`. Strata uses the slash-joined string as the
 * canonical form everywhere (snapshot, storage, selection); `keyPath()` gives the parts.
 *
 * @example
 * toAssetKey(["raw", "orders"]) // "raw/orders"
 * toAssetKey("raw/orders")      // "raw/orders"
 */
export type AssetKey = string;

/** What users may write for a key: `"raw/orders"` or `["raw", "orders"]`. */
export type AssetKeyInput = string | readonly string[];

const PART = /^[A-Za-z0-9_.\-[\]@]+$/;

export function toAssetKey(input: AssetKeyInput, where?: string): AssetKey {
  const parts = typeof input === "string" ? input.split("/") : [...input];
  if (parts.length === 0 || parts.some((p) => p.length === 0)) {
    throw new StrataError("DEFS_INVALID", `Invalid asset key ${JSON.stringify(input)}: empty part`, {
      where,
      hint: 'Keys are non-empty parts joined by "/", e.g. "raw/orders".',
    });
  }
  for (const p of parts) {
    if (!PART.test(p)) {
      throw new StrataError("DEFS_INVALID", `Invalid asset key ${JSON.stringify(input)}: part "${p}"`, {
        where,
        hint: "Key parts may contain letters, digits, _ . - [ ] @",
      });
    }
  }
  return parts.join("/");
}

export function keyPath(key: AssetKey): string[] {
  return key.split("/");
}

/** Prepends a prefix (string or parts) to a key. */
export function prefixKey(prefix: AssetKeyInput | undefined, key: AssetKey): AssetKey {
  if (prefix === undefined || prefix.length === 0) return key;
  return `${toAssetKey(prefix)}/${key}`;
}

/** A check is identified by `<asset key>:<check name>`. */
export function checkKey(assetKey: AssetKey, name: string): string {
  return `${assetKey}:${name}`;
}
