import { toAssetKey, prefixKey, type AssetKey, type AssetKeyInput } from "./asset-key.ts";
import { captureCodeRef, type CodeRef } from "./code-ref.ts";
import type { AssetContext } from "./context.ts";
import { StrataError } from "./errors.ts";
import { normalizeMetadata, type MetadataInput, type MetadataMap } from "./metadata.ts";
import type { CheckSeverity, MaterializeResult } from "./materialize-result.ts";

/** How a failed step is retried. Delay grows with `backoff: "exponential"` (doubling). */
export interface RetryPolicy {
  maxRetries: number;
  delayMs?: number;
  backoff?: "constant" | "exponential";
  /** Randomises each delay by ±50% so retries of many steps don't align. */
  jitter?: boolean;
}

/** A check declared on the asset itself; the asset's function returns its result. */
export interface CheckSpec {
  name: string;
  blocking: boolean;
  severity: CheckSeverity;
  description?: string;
}

export type CheckSpecInput = { name: string; blocking?: boolean; severity?: CheckSeverity; description?: string };

/** One upstream dependency of an asset. `input` is set for typed inputs (value passed via I/O manager). */
export interface AssetDep {
  key: AssetKey;
  input?: string;
}

/** The static description of one asset (a multi-asset has several). */
export interface AssetSpec {
  key: AssetKey;
  deps: readonly AssetDep[];
  group: string;
  kinds: readonly string[];
  tags: Readonly<Record<string, string>>;
  owners: readonly string[];
  description?: string;
  codeVersion?: string;
  metadata: MetadataMap;
  checks: readonly CheckSpec[];
  codeRef?: CodeRef;
}

/** Anything that names an asset: a definition (single asset), a key string or key parts. */
export type AssetRef = AssetsDefinition | AssetKeyInput;

export type AssetFn = (ctx: AssetContext, inputs: Record<string, unknown>) => unknown;

/**
 * The value produced by `asset()` / `multiAsset()`: one executable node producing one or
 * more assets. Frozen; use `withAttributes()` to derive a copy.
 */
export interface AssetsDefinition<TOut = unknown> {
  readonly kind: "assets";
  /** Step name, unique in a project. */
  readonly name: string;
  readonly specs: readonly AssetSpec[];
  /** Input name → upstream key, for typed inputs. */
  readonly ins: Readonly<Record<string, AssetKey>>;
  readonly resources: readonly string[];
  readonly retry: RetryPolicy | undefined;
  readonly pool: string | undefined;
  /** Resource key of the I/O manager that stores this node's outputs. */
  readonly io: string;
  readonly canSubset: boolean;
  readonly fn: AssetFn;
  readonly codeRef: CodeRef | undefined;
  /** Phantom: type of the stored output value, used to type downstream inputs. */
  readonly __out?: TOut;
  /** The key, for single-asset definitions. */
  readonly key: AssetKey;
  withAttributes(patch: AssetAttributesPatch): AssetsDefinition<TOut>;
}

/** Attributes that can be applied to every spec of a definition (used by YAML post-processing). */
export interface AssetAttributesPatch {
  group?: string;
  tags?: Record<string, string>;
  owners?: string[];
  kinds?: string[];
  metadata?: MetadataInput;
  description?: string;
}

interface CommonOptions {
  group?: string;
  kinds?: string[];
  tags?: Record<string, string>;
  owners?: string[];
  description?: string;
  codeVersion?: string;
  metadata?: MetadataInput;
  checks?: CheckSpecInput[];
}

export interface AssetOptions<TIns extends Record<string, AssetRef>> extends CommonOptions {
  /** Full key (`"raw/orders"` or parts). Give `key` or `name`. */
  key?: AssetKeyInput;
  /** Last key part; combined with `keyPrefix`. */
  name?: string;
  keyPrefix?: AssetKeyInput;
  /** Ordering-only dependencies: this asset reads upstream data itself. */
  deps?: readonly AssetRef[];
  /** Typed inputs: upstream values loaded through the upstream's I/O manager. */
  ins?: TIns;
  resources?: string[];
  retry?: RetryPolicy;
  /** Named concurrency pool (limits shared across runs). */
  pool?: string;
  /** Resource key of the I/O manager for the output (default `io_manager`). */
  io?: string;
  /** Overrides the captured source location (for integrations defining assets from files). */
  codeRef?: CodeRef;
}

export type InputValues<TIns> = {
  [K in keyof TIns]: TIns[K] extends AssetsDefinition<infer T> ? T : unknown;
};

type OutputOf<R> = Awaited<R> extends MaterializeResult<infer V> ? V : Awaited<R> extends void ? undefined : Awaited<R>;

const DEFAULT_GROUP = "default";
const OWNER = /^(team:[A-Za-z0-9_.\- ]+|[^@\s]+@[^@\s]+\.[^@\s]+)$/;

/**
 * Declares one asset.
 *
 * @example
 * const orders = asset({ key: "raw/orders", group: "bronze", kinds: ["json"] }, async () => fetchOrders());
 * const daily = asset({ name: "daily_totals", ins: { orders } }, (ctx, { orders }) => summarise(orders));
 */
export function asset<TIns extends Record<string, AssetRef> = Record<string, never>, R = unknown>(
  options: AssetOptions<TIns>,
  fn: (ctx: AssetContext, inputs: InputValues<TIns>) => R,
): AssetsDefinition<OutputOf<R>> {
  const codeRef = options.codeRef ?? captureCodeRef();
  const where = codeRef ? `${codeRef.file}:${codeRef.line}` : undefined;
  const key = resolveKey(options, where);
  const ins = resolveIns(options.ins, where);
  const deps: AssetDep[] = [
    ...(options.deps ?? []).map((d) => ({ key: refKey(d, where) })),
    ...Object.entries(ins).map(([input, k]) => ({ key: k, input })),
  ];
  const spec = makeSpec(key, deps, options, codeRef, where);
  return makeDefinition<OutputOf<R>>({
    name: key.replaceAll("/", "__"),
    specs: [spec],
    ins,
    resources: options.resources ?? [],
    retry: validateRetry(options.retry, where),
    pool: options.pool,
    io: options.io ?? "io_manager",
    canSubset: false,
    fn: fn as AssetFn,
    codeRef,
  });
}

export interface MultiAssetSpecInput extends CommonOptions {
  key: AssetKeyInput;
  deps?: readonly AssetRef[];
}

export interface MultiAssetOptions<TIns extends Record<string, AssetRef>> {
  /** Step name (defaults to the first key). */
  name?: string;
  specs: MultiAssetSpecInput[];
  ins?: TIns;
  /** Whether a run may materialise only some of the specs (the function reads `ctx.selectedAssetKeys`). */
  canSubset?: boolean;
  resources?: string[];
  retry?: RetryPolicy;
  pool?: string;
  io?: string;
  group?: string;
  codeRef?: CodeRef;
}

/**
 * One function producing several assets. Return one `MaterializeResult` per produced asset,
 * each with its `assetKey`.
 *
 * @example
 * multiAsset({ specs: [{ key: "a" }, { key: "b" }], canSubset: true }, (ctx) =>
 *   ctx.selectedAssetKeys.map((k) => new MaterializeResult({ assetKey: k })));
 */
export function multiAsset<TIns extends Record<string, AssetRef> = Record<string, never>>(
  options: MultiAssetOptions<TIns>,
  fn: (ctx: AssetContext, inputs: InputValues<TIns>) => unknown,
): AssetsDefinition {
  const codeRef = options.codeRef ?? captureCodeRef();
  const where = codeRef ? `${codeRef.file}:${codeRef.line}` : undefined;
  if (!options.specs || options.specs.length === 0) {
    throw new StrataError("DEFS_INVALID", "multiAsset needs at least one spec", { where });
  }
  const ins = resolveIns(options.ins, where);
  const inputDeps = Object.entries(ins).map(([input, k]) => ({ key: k, input }));
  const specs = options.specs.map((s) => {
    const key = toAssetKey(s.key, where);
    const deps = [...(s.deps ?? []).map((d) => ({ key: refKey(d, where) })), ...inputDeps];
    return makeSpec(key, deps, { ...s, group: s.group ?? options.group }, codeRef, where);
  });
  return makeDefinition({
    name: options.name ?? specs[0]!.key.replaceAll("/", "__"),
    specs,
    ins,
    resources: options.resources ?? [],
    retry: validateRetry(options.retry, where),
    pool: options.pool,
    io: options.io ?? "io_manager",
    canSubset: options.canSubset ?? false,
    fn: fn as AssetFn,
    codeRef,
  });
}

type DefinitionFields = Omit<AssetsDefinition, "kind" | "key" | "withAttributes" | "__out">;

function makeDefinition<T>(fields: DefinitionFields): AssetsDefinition<T> {
  const def: AssetsDefinition<T> = {
    kind: "assets",
    ...fields,
    specs: Object.freeze(fields.specs.map((s) => Object.freeze(s))),
    ins: Object.freeze(fields.ins),
    resources: Object.freeze([...fields.resources]),
    key: fields.specs[0]!.key,
    withAttributes: (patch) => makeDefinition<T>({ ...fields, specs: fields.specs.map((s) => patchSpec(s, patch)) }),
  };
  return Object.freeze(def);
}

function patchSpec(s: AssetSpec, p: AssetAttributesPatch): AssetSpec {
  return {
    ...s,
    group: p.group ?? s.group,
    tags: p.tags ? { ...s.tags, ...p.tags } : s.tags,
    owners: p.owners ?? s.owners,
    kinds: p.kinds ?? s.kinds,
    metadata: p.metadata ? { ...s.metadata, ...normalizeMetadata(p.metadata) } : s.metadata,
    description: p.description ?? s.description,
  };
}

function makeSpec(key: AssetKey, deps: AssetDep[], o: CommonOptions, codeRef: CodeRef | undefined, where?: string): AssetSpec {
  const kinds = o.kinds ?? [];
  if (kinds.length > 3) {
    throw new StrataError("DEFS_INVALID", `Asset "${key}" has ${kinds.length} kinds; at most 3 are allowed`, {
      where,
      assetKey: key,
      hint: "Keep the kinds that best describe the storage/compute (e.g. duckdb, sql, python).",
    });
  }
  for (const owner of o.owners ?? []) {
    if (!OWNER.test(owner)) {
      throw new StrataError("DEFS_INVALID", `Asset "${key}" has an invalid owner "${owner}"`, {
        where,
        assetKey: key,
        hint: 'Owners are e-mail addresses or "team:<name>".',
      });
    }
  }
  for (const [k, v] of Object.entries(o.tags ?? {})) {
    if (typeof v !== "string") {
      throw new StrataError("DEFS_INVALID", `Asset "${key}" tag "${k}" must be a string`, { where, assetKey: key });
    }
  }
  const seen = new Set<string>();
  const uniqueDeps = deps.filter((d) => (d.input ? true : !seen.has(d.key) && (seen.add(d.key), true)));
  const checks = (o.checks ?? []).map((c) => ({
    name: c.name,
    blocking: c.blocking ?? false,
    severity: c.severity ?? "ERROR",
    ...(c.description ? { description: c.description } : {}),
  }));
  return {
    key,
    deps: uniqueDeps,
    group: o.group ?? DEFAULT_GROUP,
    kinds,
    tags: { ...(o.tags ?? {}) },
    owners: [...(o.owners ?? [])],
    ...(o.description !== undefined ? { description: o.description } : {}),
    ...(o.codeVersion !== undefined ? { codeVersion: o.codeVersion } : {}),
    metadata: normalizeMetadata(o.metadata),
    checks,
    ...(codeRef ? { codeRef } : {}),
  };
}

function resolveKey(o: { key?: AssetKeyInput; name?: string; keyPrefix?: AssetKeyInput }, where?: string): AssetKey {
  if (o.key !== undefined && o.name !== undefined) {
    throw new StrataError("DEFS_INVALID", "Give an asset either `key` or `name`, not both", { where });
  }
  const base = o.key ?? o.name;
  if (base === undefined || base.length === 0) {
    throw new StrataError("DEFS_INVALID", "An asset needs a `key` or a `name`", { where });
  }
  return prefixKey(o.keyPrefix, toAssetKey(base, where));
}

function resolveIns(ins: Record<string, AssetRef> | undefined, where?: string): Record<string, AssetKey> {
  const out: Record<string, AssetKey> = {};
  for (const [name, ref] of Object.entries(ins ?? {})) out[name] = refKey(ref, where);
  return out;
}

/** The key an {@link AssetRef} names. */
export function refKey(ref: AssetRef, where?: string): AssetKey {
  if (typeof ref === "object" && ref !== null && "kind" in ref && ref.kind === "assets") {
    if (ref.specs.length !== 1) {
      throw new StrataError("DEFS_INVALID", `"${ref.name}" produces several assets; depend on one of its keys`, {
        where,
        hint: `Use one of: ${ref.specs.map((s) => s.key).join(", ")}`,
      });
    }
    return ref.key;
  }
  if (typeof ref !== "string" && !Array.isArray(ref)) {
    throw new StrataError("DEFS_INVALID", `Invalid dependency ${String(ref)}: expected an asset or a key`, { where });
  }
  return toAssetKey(ref as AssetKeyInput, where);
}

function validateRetry(r: RetryPolicy | undefined, where?: string): RetryPolicy | undefined {
  if (!r) return undefined;
  if (!Number.isInteger(r.maxRetries) || r.maxRetries < 0) {
    throw new StrataError("DEFS_INVALID", `retry.maxRetries must be a whole number ≥ 0 (got ${r.maxRetries})`, { where });
  }
  return { ...r };
}

export function isAssetsDefinition(v: unknown): v is AssetsDefinition {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "assets";
}
