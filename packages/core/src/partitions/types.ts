/**
 * Partitions definitions are frozen plain data (a discriminated union on `kind`), so the
 * definition itself is its JSON snapshot. Derived, expensive state (tick arrays, key indexes)
 * lives in caches keyed by the definition object, never on it.
 *
 * @example
 * const def: PartitionsDefinition = staticPartitions(["us", "eu"]);
 * def.kind; // "static"
 */
export type PartitionsDefinition =
  | TimeWindowPartitionsDefinition
  | StaticPartitionsDefinition
  | DynamicPartitionsDefinition
  | MultiPartitionsDefinition;

/** A definition allowed as a dimension of a multi-partitions definition. */
export type SinglePartitionsDefinition = Exclude<PartitionsDefinition, MultiPartitionsDefinition>;

export interface TimeWindowPartitionsDefinition {
  readonly kind: "time_window";
  /** Five-field cron: each tick starts a window, the next tick ends it. */
  readonly cron: string;
  /** First partition = first tick at or after this instant (ISO 8601, UTC). */
  readonly start: string;
  /** Windows must end at or before this instant (exclusive end; ISO 8601, UTC). */
  readonly end?: string;
  /** IANA time zone the cron and the keys are read in. */
  readonly timezone: string;
  /** Key format (day.js tokens; see `key-format.ts`). */
  readonly fmt: string;
  /** 0: last partition is the last complete window; 1: include the open one; negative: drop. */
  readonly endOffset: number;
}

export interface StaticPartitionsDefinition {
  readonly kind: "static";
  readonly keys: readonly string[];
}

export interface DynamicPartitionsDefinition {
  readonly kind: "dynamic";
  /** Name of the stored key set, e.g. "customers". */
  readonly name: string;
}

export interface MultiPartitionDimension {
  readonly name: string;
  readonly partitions: SinglePartitionsDefinition;
}

export interface MultiPartitionsDefinition {
  readonly kind: "multi";
  /** Exactly two, sorted by name; keys join the dimension keys in this order with "|". */
  readonly dimensions: readonly [MultiPartitionDimension, MultiPartitionDimension];
}

/**
 * Where dynamic partition keys live (the instance's storage). Callers pass it in; this module
 * never does I/O.
 *
 * @example
 * const store: DynamicPartitionsStore = {
 *   getKeys: (name) => (name === "customers" ? ["acme", "globex"] : []),
 *   hasKey: (name, key) => name === "customers" && ["acme", "globex"].includes(key),
 * };
 */
export interface DynamicPartitionsStore {
  /** Keys of a dynamic set in insertion order; [] when none were added. */
  getKeys(name: string): readonly string[];
  hasKey(name: string, key: string): boolean;
}

/** What partition functions may need besides the definition: the time and the dynamic store. */
export interface PartitionContext {
  /** Evaluation time (ms or Date). Defaults to `Date.now()`; planners should always pass it. */
  now?: number | Date;
  dynamic?: DynamicPartitionsStore;
}

/** A half-open time window `[start, end)`. */
export interface TimeWindow {
  readonly start: Date;
  readonly end: Date;
}
