import { refKey, type AssetRef } from "./asset.ts";
import type { AssetKey } from "./asset-key.ts";
import { captureCodeRef, type CodeRef } from "./code-ref.ts";
import type { CheckContext } from "./context.ts";
import { StrataError } from "./errors.ts";
import type { AssetCheckResult, CheckSeverity } from "./materialize-result.ts";

export type CheckFn = (ctx: CheckContext) => AssetCheckResult | boolean | Promise<AssetCheckResult | boolean>;

/** A check defined on its own, evaluated as a step after the asset it checks. */
export interface AssetCheckDefinition {
  readonly kind: "check";
  readonly asset: AssetKey;
  readonly name: string;
  readonly blocking: boolean;
  readonly severity: CheckSeverity;
  readonly description: string | undefined;
  readonly resources: readonly string[];
  readonly fn: CheckFn;
  readonly codeRef: CodeRef | undefined;
}

export interface AssetCheckOptions {
  asset: AssetRef;
  name: string;
  /** When true, a failure with severity ERROR skips the asset's downstream assets in the run. */
  blocking?: boolean;
  severity?: CheckSeverity;
  description?: string;
  resources?: string[];
  codeRef?: CodeRef;
}

const NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * Declares a data-quality check on an asset. Return `{ passed, metadata }` or a boolean.
 *
 * @example
 * assetCheck({ asset: orders, name: "no_negative_totals", blocking: true }, async (ctx) => {
 *   const rows = await ctx.loadAssetValue<Order[]>();
 *   const bad = rows.filter((r) => r.total < 0).length;
 *   return { passed: bad === 0, metadata: { bad_rows: bad } };
 * });
 */
export function assetCheck(options: AssetCheckOptions, fn: CheckFn): AssetCheckDefinition {
  const codeRef = options.codeRef ?? captureCodeRef();
  const where = codeRef ? `${codeRef.file}:${codeRef.line}` : undefined;
  if (!options.name || !NAME.test(options.name)) {
    throw new StrataError("DEFS_INVALID", `Invalid check name ${JSON.stringify(options.name)}`, {
      where,
      hint: "Check names use letters, digits, _ . -",
    });
  }
  if (options.severity !== undefined && options.severity !== "WARN" && options.severity !== "ERROR") {
    throw new StrataError("DEFS_INVALID", `Check "${options.name}" severity must be "WARN" or "ERROR"`, { where });
  }
  return Object.freeze({
    kind: "check" as const,
    asset: refKey(options.asset, where),
    name: options.name,
    blocking: options.blocking ?? false,
    severity: options.severity ?? "ERROR",
    description: options.description,
    resources: Object.freeze([...(options.resources ?? [])]),
    fn,
    codeRef,
  });
}

export function isAssetCheckDefinition(v: unknown): v is AssetCheckDefinition {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "check";
}
