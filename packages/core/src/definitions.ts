import { isAssetsDefinition, type AssetsDefinition } from "./asset.ts";
import { isAssetCheckDefinition, type AssetCheckDefinition } from "./asset-check.ts";
import { StrataError } from "./errors.ts";
import { ioManager, isIOManager } from "./io-manager.ts";
import { constantResource, isResourceDefinition, type ResourceDefinition } from "./resource.ts";
import { DEFAULT_EXECUTOR, type ExecutorSettings } from "./snapshot.ts";
import { isScheduleDefinition, type ScheduleDefinition } from "./automation/schedule.ts";
import { isSensorDefinition, type SensorDefinition } from "./automation/sensor.ts";

/**
 * Everything a project defines. Build it with {@link defineDefinitions}; combine several with
 * {@link mergeDefinitions}. Resources may be resource definitions, I/O managers, or plain values.
 *
 * @example
 * export default defineDefinitions({
 *   assets: [orders, dailyTotals],
 *   checks: [ordersNotEmpty],
 *   resources: { warehouse: warehouse.configure({ url: env("WAREHOUSE_URL") }) },
 *   executor: { maxConcurrent: 4 },
 *   pools: { warehouse: 2 },
 * });
 */
export interface Definitions {
  readonly kind: "definitions";
  readonly assets: readonly AssetsDefinition[];
  readonly checks: readonly AssetCheckDefinition[];
  readonly resources: Readonly<Record<string, ResourceDefinition>>;
  readonly executor: ExecutorSettings;
  readonly pools: Readonly<Record<string, number>>;
  readonly schedules: readonly ScheduleDefinition[];
  readonly sensors: readonly SensorDefinition[];
}

export interface DefinitionsInput {
  assets?: readonly AssetsDefinition[];
  checks?: readonly AssetCheckDefinition[];
  resources?: Record<string, unknown>;
  executor?: Partial<ExecutorSettings>;
  pools?: Record<string, number>;
  /** Created with `schedule()`. */
  schedules?: readonly ScheduleDefinition[];
  /** Created with `sensor()`, `assetSensor()` or `runStatusSensor()`. */
  sensors?: readonly SensorDefinition[];
}

export function defineDefinitions(input: DefinitionsInput = {}): Definitions {
  const assets = [...(input.assets ?? [])];
  assets.forEach((a, i) => {
    if (!isAssetsDefinition(a)) {
      throw new StrataError("DEFS_INVALID", `assets[${i}] is not an asset definition (got ${describe(a)})`, {
        hint: "Pass values created with asset() or multiAsset().",
      });
    }
  });
  const checks = [...(input.checks ?? [])];
  checks.forEach((c, i) => {
    if (!isAssetCheckDefinition(c)) {
      throw new StrataError("DEFS_INVALID", `checks[${i}] is not a check definition (got ${describe(c)})`, {
        hint: "Pass values created with assetCheck().",
      });
    }
  });
  const schedules = [...(input.schedules ?? [])];
  schedules.forEach((s, i) => {
    if (!isScheduleDefinition(s)) throw new StrataError("DEFS_INVALID", `schedules[${i}] is not a schedule (got ${describe(s)})`, { hint: "Pass values created with schedule()." });
  });
  const sensors = [...(input.sensors ?? [])];
  sensors.forEach((s, i) => {
    if (!isSensorDefinition(s)) throw new StrataError("DEFS_INVALID", `sensors[${i}] is not a sensor (got ${describe(s)})`, { hint: "Pass values created with sensor(), assetSensor() or runStatusSensor()." });
  });
  const resources: Record<string, ResourceDefinition> = {};
  for (const [name, value] of Object.entries(input.resources ?? {})) resources[name] = toResource(value);
  const executor = { ...DEFAULT_EXECUTOR, ...(input.executor ?? {}) };
  if (!Number.isInteger(executor.maxConcurrent) || executor.maxConcurrent < 1) {
    throw new StrataError("DEFS_INVALID", `executor.maxConcurrent must be a whole number ≥ 1 (got ${executor.maxConcurrent})`);
  }
  for (const l of executor.tagConcurrencyLimits) {
    if (!l.key || !Number.isInteger(l.limit) || l.limit < 1) {
      throw new StrataError("DEFS_INVALID", `Invalid tag concurrency limit ${JSON.stringify(l)}`, {
        hint: 'Use { key: "tag key", value?: "tag value", limit: N ≥ 1 }.',
      });
    }
  }
  const pools = { ...(input.pools ?? {}) };
  for (const [name, limit] of Object.entries(pools)) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new StrataError("DEFS_INVALID", `Pool "${name}" limit must be a whole number ≥ 1 (got ${limit})`);
    }
  }
  return Object.freeze({
    kind: "definitions" as const,
    assets: Object.freeze(assets),
    checks: Object.freeze(checks),
    resources: Object.freeze(resources),
    executor: Object.freeze(executor),
    pools: Object.freeze(pools),
    schedules: Object.freeze(schedules),
    sensors: Object.freeze(sensors),
  });
}

/** Combines definitions; a resource name bound to two different resources is an error. */
export function mergeDefinitions(...defs: Definitions[]): Definitions {
  const resources: Record<string, ResourceDefinition> = {};
  for (const d of defs) {
    for (const [name, r] of Object.entries(d.resources)) {
      if (resources[name] && resources[name] !== r) {
        throw new StrataError("DEFS_INVALID", `Resource "${name}" is defined differently in two merged definitions`, {
          hint: "Give one of them another name, or define it once and share it.",
        });
      }
      resources[name] = r;
    }
  }
  return defineDefinitions({
    assets: defs.flatMap((d) => d.assets),
    checks: defs.flatMap((d) => d.checks),
    resources,
    executor: defs.reduce((acc, d) => ({ ...acc, ...explicitExecutorSettings(d.executor) }), DEFAULT_EXECUTOR),
    pools: Object.assign({}, ...defs.map((d) => d.pools)),
    schedules: defs.flatMap((d) => d.schedules ?? []),
    sensors: defs.flatMap((d) => d.sensors ?? []),
  });
}

/** The settings a definitions object changed from the defaults (so merging keeps them). */
function explicitExecutorSettings(e: ExecutorSettings): Partial<ExecutorSettings> {
  const out: Partial<ExecutorSettings> = {};
  if (e.maxConcurrent !== DEFAULT_EXECUTOR.maxConcurrent) out.maxConcurrent = e.maxConcurrent;
  if (e.tagConcurrencyLimits !== DEFAULT_EXECUTOR.tagConcurrencyLimits) out.tagConcurrencyLimits = e.tagConcurrencyLimits;
  return out;
}

export function isDefinitions(v: unknown): v is Definitions {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "definitions";
}

/**
 * Wrappers for plain values and I/O managers, one per value, so the same object passed to two
 * definitions is the same resource when they are merged.
 */
const wrappedObjects = new WeakMap<object, ResourceDefinition>();
const wrappedPrimitives = new Map<unknown, ResourceDefinition>();

function toResource(value: unknown): ResourceDefinition {
  if (isResourceDefinition(value)) return value;
  const isObject = (typeof value === "object" && value !== null) || typeof value === "function";
  const cached = isObject ? wrappedObjects.get(value) : wrappedPrimitives.get(value);
  if (cached) return cached;
  const wrapped = isIOManager(value) ? (ioManager(value) as ResourceDefinition) : constantResource(value);
  if (isObject) wrappedObjects.set(value, wrapped);
  else wrappedPrimitives.set(value, wrapped);
  return wrapped;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === "object") return (v as { kind?: string }).kind ? `a ${(v as { kind: string }).kind}` : "an object";
  return typeof v;
}
