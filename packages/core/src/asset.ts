import { toAssetKey, prefixKey, type AssetKey, type AssetKeyInput } from "./asset-key.ts";
import { captureCodeRef, type CodeRef } from "./code-ref.ts";
import type { AssetContext } from "./context.ts";
import { StrataError } from "./errors.ts";
import { normalizeMetadata, type MetadataInput, type MetadataMap } from "./metadata.ts";
import type { CheckSeverity, MaterializeResult } from "./materialize-result.ts";
import type { BackfillPolicy, PartitionMapping, PartitionsDefinition } from "./partitions/index.ts";
import { closest } from "./suggest.ts";
import type { AutomationCondition, AutomationConditionSnapshot } from "./automation/condition.ts";
import type { FreshnessPolicy } from "./automation/freshness.ts";
import { automationOption, freshnessOption } from "./automation/load.ts";

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
  /** How this asset's partitions map onto the dep's (default: see `defaultMapping`). */
  partitionMapping?: PartitionMapping;
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
  /** How the asset is partitioned (daily, static, dynamic, multi...). */
  partitions?: PartitionsDefinition;
  /** How backfills launch runs for it (default: one run per partition). */
  backfillPolicy?: BackfillPolicy;
  /** Declarative automation condition (snapshot form). */
  automation?: AutomationConditionSnapshot;
  freshness?: FreshnessPolicy;
}

/** Anything that names an asset: a definition (single asset), a key string or key parts. */
export type AssetRef = AssetsDefinition | AssetKeyInput;

/** A dependency, optionally with the partition mapping to use (e.g. "yesterday"). */
export type AssetDepInput = AssetRef | { asset: AssetRef; partitionMapping?: PartitionMapping };

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
  /** Declared only, produced outside Strata (see `externalAsset`): never executed. */
  readonly external?: boolean;
  /** Phantom: type of the stored output value, used to type downstream inputs. */
  readonly __out?: TOut;
  /** The key, for single-asset definitions. */
  readonly key: AssetKey;
  /**
   * A copy with `patch` applied to every spec, or only to the specs whose key is in `keys`
   * (multi-assets: post-processing a selection patches just the selected keys).
   */
  withAttributes(patch: AssetAttributesPatch, keys?: Iterable<AssetKey>): AssetsDefinition<TOut>;
}

/** Attributes that can be applied to every spec of a definition (used by YAML post-processing). */
export interface AssetAttributesPatch {
  group?: string;
  tags?: Record<string, string>;
  owners?: string[];
  kinds?: string[];
  metadata?: MetadataInput;
  description?: string;
  /** Replaces the recorded source location (YAML components point assets at their defs.yaml line). */
  codeRef?: CodeRef;
  /** Replaces the automation condition (`AutomationCondition.eager()`, or its snapshot JSON). */
  automation?: AutomationCondition | AutomationConditionSnapshot;
  /** Replaces the freshness policy (`freshnessPolicy.timeWindow({...})`, or its data form). */
  freshness?: FreshnessPolicy;
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
  /** Partitions definition: `dailyPartitions({ start: "2024-01-01" })`, `staticPartitions([...])`, ... */
  partitions?: PartitionsDefinition;
  /** Backfill policy: `singleRun()` or `multiRun(n)` (default: one run per partition). */
  backfillPolicy?: BackfillPolicy;
  /** When the daemon materialises it: `AutomationCondition.eager()`, `.onCron("0 6 * * *")`, ... */
  automation?: AutomationCondition;
  /** Freshness policy: `freshnessPolicy.timeWindow({ failAfter: "24h" })` or `freshnessPolicy.cron({...})`. */
  freshness?: FreshnessPolicy;
}

export interface AssetOptions<TIns extends Record<string, AssetDepInput>> extends CommonOptions {
  /** Full key (`"raw/orders"` or parts). Give `key` or `name`. */
  key?: AssetKeyInput;
  /** Last key part; combined with `keyPrefix`. */
  name?: string;
  keyPrefix?: AssetKeyInput;
  /** Ordering-only dependencies: this asset reads upstream data itself. */
  deps?: readonly AssetDepInput[];
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
  [K in keyof TIns]: TIns[K] extends AssetsDefinition<infer T>
    ? T
    : TIns[K] extends { asset: AssetsDefinition<infer T> }
      ? T
      : unknown;
};

type OutputOf<R> = Awaited<R> extends MaterializeResult<infer V> ? V : Awaited<R> extends void ? undefined : Awaited<R>;

const DEFAULT_GROUP = "default";
/** Same rule as standalone checks (`assetCheck`): the name ends up in `<asset key>:<name>`. */
const CHECK_NAME = /^[A-Za-z0-9_.-]+$/;
const OWNER = /^(team:[A-Za-z0-9_.\- ]+|[^@\s]+@[^@\s]+\.[^@\s]+)$/;

/**
 * Declares one asset.
 *
 * @example
 * const orders = asset({ key: "raw/orders", group: "bronze", kinds: ["json"] }, async () => fetchOrders());
 * const daily = asset({ name: "daily_totals", ins: { orders } }, (ctx, { orders }) => summarise(orders));
 */
export function asset<TIns extends Record<string, AssetDepInput> = Record<string, never>, R = unknown>(
  options: AssetOptions<TIns>,
  fn: (ctx: AssetContext, inputs: InputValues<TIns>) => R,
): AssetsDefinition<OutputOf<R>> {
  const codeRef = options.codeRef ?? captureCodeRef();
  const where = codeRef ? `${codeRef.file}:${codeRef.line}` : undefined;
  rejectUnknownOptions(options, ASSET_OPTIONS, "asset", where);
  const key = resolveKey(options, where);
  const { ins, inputDeps } = resolveIns(options.ins, where);
  const deps: AssetDep[] = [...(options.deps ?? []).map((d) => resolveDep(d, where)), ...inputDeps];
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

const COMMON_OPTIONS = ["group", "kinds", "tags", "owners", "description", "codeVersion", "metadata", "checks", "partitions", "backfillPolicy", "automation", "freshness"];
const ASSET_OPTIONS: ReadonlySet<string> = new Set([...COMMON_OPTIONS, "key", "name", "keyPrefix", "deps", "ins", "resources", "retry", "pool", "io", "codeRef"]);
/** What users of Dagster write, and the Strata option that means it. */
const DAGSTER_NAMES: Readonly<Record<string, string>> = {
  automationCondition: "automation",
  automation_condition: "automation",
  freshnessPolicy: "freshness",
  freshness_policy: "freshness",
  partitionsDef: "partitions",
  partitions_def: "partitions",
  computeKind: "kinds",
  compute_kind: "kinds",
  requiredResourceKeys: "resources",
  required_resource_keys: "resources",
  ioManagerKey: "io",
  io_manager_key: "io",
  groupName: "group",
  group_name: "group",
  key_prefix: "keyPrefix",
  retryPolicy: "retry",
  retry_policy: "retry",
  backfill_policy: "backfillPolicy",
  code_version: "codeVersion",
  checkSpecs: "checks",
  check_specs: "checks",
  pool_name: "pool",
};

/**
 * A misspelt option (or a Dagster name such as `automationCondition`) would otherwise be
 * ignored silently at run time, since tsx does not type-check: refuse it, naming the right one.
 */
function rejectUnknownOptions(options: object, known: ReadonlySet<string>, what: string, where: string | undefined): void {
  for (const name of Object.keys(options)) {
    if (known.has(name)) continue;
    const meant = DAGSTER_NAMES[name] ?? closest(name, known);
    throw new StrataError("DEFS_INVALID", `Unknown ${what} option "${name}"`, {
      where,
      hint: meant ? `Did you mean "${meant}"?` : `Options: ${[...known].join(", ")}.`,
    });
  }
}

export interface MultiAssetSpecInput extends CommonOptions {
  key: AssetKeyInput;
  deps?: readonly AssetDepInput[];
  /** Where this asset is defined (e.g. a SQL model's file), when not the multiAsset call. */
  codeRef?: CodeRef;
}

export interface MultiAssetOptions<TIns extends Record<string, AssetDepInput>> {
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
  /** Partitions of every spec (a spec may not override it). */
  partitions?: PartitionsDefinition;
  backfillPolicy?: BackfillPolicy;
}

/**
 * One function producing several assets. Return one `MaterializeResult` per produced asset,
 * each with its `assetKey`.
 *
 * @example
 * multiAsset({ specs: [{ key: "a" }, { key: "b" }], canSubset: true }, (ctx) =>
 *   ctx.selectedAssetKeys.map((k) => new MaterializeResult({ assetKey: k })));
 */
export function multiAsset<TIns extends Record<string, AssetDepInput> = Record<string, never>>(
  options: MultiAssetOptions<TIns>,
  fn: (ctx: AssetContext, inputs: InputValues<TIns>) => unknown,
): AssetsDefinition {
  const codeRef = options.codeRef ?? captureCodeRef();
  const where = codeRef ? `${codeRef.file}:${codeRef.line}` : undefined;
  if (!options.specs || options.specs.length === 0) {
    throw new StrataError("DEFS_INVALID", "multiAsset needs at least one spec", { where });
  }
  const { ins, inputDeps } = resolveIns(options.ins, where);
  const specs = options.specs.map((s) => {
    const key = toAssetKey(s.key, where);
    const deps = [...(s.deps ?? []).map((d) => resolveDep(d, where)), ...inputDeps];
    const partitions = s.partitions ?? options.partitions;
    const backfillPolicy = s.backfillPolicy ?? options.backfillPolicy;
    return makeSpec(
      key,
      deps,
      { ...s, group: s.group ?? options.group, ...(partitions ? { partitions } : {}), ...(backfillPolicy ? { backfillPolicy } : {}) },
      s.codeRef ?? codeRef,
      s.codeRef ? `${s.codeRef.file}:${s.codeRef.line}` : where,
    );
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

/** A copy of `def` marked external: declared, never executed (used by `externalAsset`). */
export function asExternal(def: AssetsDefinition): AssetsDefinition {
  const { kind: _kind, key: _key, withAttributes: _w, __out: _o, ...fields } = def;
  return makeDefinition({ ...fields, external: true });
}

function makeDefinition<T>(fields: DefinitionFields): AssetsDefinition<T> {
  const def: AssetsDefinition<T> = {
    kind: "assets",
    ...fields,
    specs: Object.freeze(fields.specs.map(freezeSpec)),
    ins: Object.freeze(fields.ins),
    resources: Object.freeze([...fields.resources]),
    key: fields.specs[0]!.key,
    withAttributes: (patch, keys) => {
      const only = keys === undefined ? undefined : new Set<string>(keys);
      return makeDefinition<T>({
        ...fields,
        ...(patch.codeRef && !only ? { codeRef: patch.codeRef } : {}),
        specs: fields.specs.map((s) => (only && !only.has(s.key) ? s : patchSpec(s, patch))),
      });
    },
  };
  return Object.freeze(def);
}

function patchSpec(s: AssetSpec, p: AssetAttributesPatch): AssetSpec {
  const patched: AssetSpec = {
    ...s,
    group: p.group ?? s.group,
    tags: p.tags ? { ...s.tags, ...p.tags } : s.tags,
    owners: p.owners ? [...p.owners] : s.owners,
    kinds: p.kinds ? [...p.kinds] : s.kinds,
    metadata: p.metadata ? { ...s.metadata, ...normalizeMetadata(p.metadata) } : s.metadata,
    ...((p.description ?? s.description) !== undefined ? { description: p.description ?? s.description } : {}),
    ...((p.codeRef ?? s.codeRef) ? { codeRef: p.codeRef ?? s.codeRef } : {}),
  };
  const where = s.codeRef ? `${s.codeRef.file}:${s.codeRef.line}` : undefined;
  if (p.automation !== undefined) patched.automation = automationOption(s.key, p.automation, where);
  if (p.freshness !== undefined) patched.freshness = freshnessOption(s.key, p.freshness, where);
  validateAttributes(s.key, patched, s.codeRef ? `${s.codeRef.file}:${s.codeRef.line}` : undefined);
  return patched;
}

/**
 * Freezes a spec and its arrays and records in place, so they cannot change after the
 * definition is made. Specs reach here only from makeSpec/patchSpec, which build them from
 * copies (never from the caller's own objects).
 */
function freezeSpec(s: AssetSpec): AssetSpec {
  for (const d of s.deps) Object.freeze(d);
  for (const c of s.checks) Object.freeze(c);
  for (const part of [s.deps, s.kinds, s.tags, s.owners, s.metadata, s.checks]) Object.freeze(part);
  return Object.freeze(s);
}

function validateAttributes(
  key: AssetKey,
  o: { kinds?: readonly string[]; owners?: readonly string[]; tags?: Readonly<Record<string, string>> },
  where?: string,
): void {
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
}

function makeSpec(key: AssetKey, deps: AssetDep[], o: CommonOptions, codeRef: CodeRef | undefined, where?: string): AssetSpec {
  validateAttributes(key, o, where);
  const kinds = [...(o.kinds ?? [])];
  for (const c of o.checks ?? []) {
    if (!c.name || !CHECK_NAME.test(c.name)) {
      throw new StrataError("DEFS_INVALID", `Asset "${key}" declares a check with invalid name ${JSON.stringify(c.name)}`, {
        where,
        assetKey: key,
        hint: "Check names use letters, digits, _ . -",
      });
    }
    if (c.severity !== undefined && c.severity !== "WARN" && c.severity !== "ERROR") {
      throw new StrataError("DEFS_INVALID", `Check "${c.name}" severity must be "WARN" or "ERROR"`, { where, assetKey: key });
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
    ...(o.partitions ? { partitions: validPartitions(key, o.partitions, where) } : {}),
    ...(o.backfillPolicy ? { backfillPolicy: o.backfillPolicy } : {}),
    ...(o.automation !== undefined ? { automation: automationOption(key, o.automation, where) } : {}),
    ...(o.freshness !== undefined ? { freshness: freshnessOption(key, o.freshness, where) } : {}),
  };
}

function validPartitions(key: AssetKey, p: PartitionsDefinition, where?: string): PartitionsDefinition {
  const kinds = ["time_window", "static", "dynamic", "multi"];
  if (typeof p !== "object" || p === null || !kinds.includes((p as { kind?: string }).kind ?? "")) {
    throw new StrataError("PARTITION_INVALID", `Asset "${key}" has an invalid partitions option`, {
      where,
      assetKey: key,
      hint: "Use dailyPartitions(), hourlyPartitions(), weeklyPartitions(), monthlyPartitions(), timeWindowPartitions(), staticPartitions(), dynamicPartitions() or multiPartitions().",
    });
  }
  return p;
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

function resolveIns(
  ins: Record<string, AssetDepInput> | undefined,
  where?: string,
): { ins: Record<string, AssetKey>; inputDeps: AssetDep[] } {
  const out: Record<string, AssetKey> = {};
  const inputDeps: AssetDep[] = [];
  for (const [name, ref] of Object.entries(ins ?? {})) {
    const dep = resolveDep(ref, where);
    out[name] = dep.key;
    inputDeps.push({ ...dep, input: name });
  }
  return { ins: out, inputDeps };
}

/** Resolves a dependency (asset, key, or `{ asset, partitionMapping }`). */
export function resolveDep(ref: AssetDepInput, where?: string): AssetDep {
  if (typeof ref === "object" && ref !== null && !Array.isArray(ref) && "asset" in ref && !("kind" in ref)) {
    const key = refKey(ref.asset, where);
    return ref.partitionMapping ? { key, partitionMapping: ref.partitionMapping } : { key };
  }
  return { key: refKey(ref as AssetRef, where) };
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
  if (r.delayMs !== undefined && !(Number.isFinite(r.delayMs) && r.delayMs >= 0)) {
    throw new StrataError("DEFS_INVALID", `retry.delayMs must be a number of milliseconds ≥ 0 (got ${r.delayMs})`, { where });
  }
  if (r.backoff !== undefined && r.backoff !== "constant" && r.backoff !== "exponential") {
    throw new StrataError("DEFS_INVALID", `retry.backoff must be "constant" or "exponential" (got ${JSON.stringify(r.backoff)})`, {
      where,
    });
  }
  return Object.freeze({ ...r });
}

export function isAssetsDefinition(v: unknown): v is AssetsDefinition {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "assets";
}
