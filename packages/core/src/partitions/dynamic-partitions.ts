import { StrataError } from "../errors.ts";
import { closest } from "../suggest.ts";
import type { DynamicPartitionsDefinition, DynamicPartitionsStore, PartitionContext, PartitionsDefinition } from "./types.ts";

const NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * Partitions whose keys are added and removed at run time (by code, CLI or API) and stored in
 * the instance under `name`. Functions that need the keys take a {@link DynamicPartitionsStore}
 * in their context.
 *
 * @example
 * const customers = dynamicPartitions("customers");
 * getPartitionKeys(customers, { dynamic: store });
 */
export function dynamicPartitions(name: string): DynamicPartitionsDefinition {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new StrataError("PARTITION_INVALID", `Invalid dynamic partitions name ${JSON.stringify(name)}`, {
      hint: "Use letters, digits, _ . - (e.g. \"customers\").",
    });
  }
  return Object.freeze({ kind: "dynamic" as const, name });
}

/** The store from the context, or a PARTITION_INVALID error naming the set. */
export function requireStore(ctx: PartitionContext | undefined, name: string): DynamicPartitionsStore {
  if (ctx?.dynamic === undefined) {
    throw new StrataError("PARTITION_INVALID", `Dynamic partitions "${name}" need a DynamicPartitionsStore to list their keys`, {
      hint: "Pass { dynamic: store } (the instance's partition storage) in the context.",
    });
  }
  return ctx.dynamic;
}

/** Names of all dynamic partition sets used by these definitions (including multi dimensions). */
export function dynamicPartitionsNames(defs: Iterable<PartitionsDefinition | undefined>): string[] {
  const names = new Set<string>();
  for (const d of defs) {
    if (d?.kind === "dynamic") names.add(d.name);
    if (d?.kind === "multi") for (const dim of d.dimensions) if (dim.partitions.kind === "dynamic") names.add(dim.partitions.name);
  }
  return [...names].sort();
}

/**
 * Throws PARTITION_INVALID when `name` (e.g. from `strata partitions add custmers acme`) is not
 * a dynamic partitions set that any definition declares, suggesting the closest one.
 *
 * @example
 * assertDynamicPartitionsName("custmers", [dynamicPartitions("customers")]); // throws: did you mean "customers"?
 */
export function assertDynamicPartitionsName(name: string, defs: Iterable<PartitionsDefinition | undefined>): void {
  const names = dynamicPartitionsNames(defs);
  if (names.includes(name)) return;
  const guess = closest(name, names);
  throw new StrataError("PARTITION_INVALID", `No dynamic partitions named "${name}"${guess ? `; did you mean "${guess}"?` : ""}`, {
    hint: names.length > 0 ? `Declared dynamic partitions: ${names.join(", ")}.` : "No asset declares dynamicPartitions(...).",
  });
}
