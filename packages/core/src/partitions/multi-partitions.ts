import { StrataError } from "../errors.ts";
import type { MultiPartitionDimension, MultiPartitionsDefinition, PartitionsDefinition, SinglePartitionsDefinition } from "./types.ts";

/** Joins dimension keys in a multi-partition key, as in Dagster (`2024-08-01|us`). */
export const MULTI_KEY_DELIMITER = "|";
/** Characters a static key may not have inside a multi-partitions dimension (Dagster's set). */
export const INVALID_MULTI_KEY_CHARS: readonly string[] = ["|", ",", "[", "]"];

/**
 * Two-dimensional partitions: the cross product of two definitions. Dimensions are sorted by
 * name and keys join the dimension keys in that order: `{ region, date }` gives `2024-08-01|us`.
 *
 * @example
 * const byDayAndRegion = multiPartitions({ date: dailyPartitions({ start: "2024-01-01" }), region: staticPartitions(["us", "eu"]) });
 */
export function multiPartitions(dims: Record<string, PartitionsDefinition>): MultiPartitionsDefinition {
  const names = Object.keys(dims).sort();
  if (names.length !== 2) {
    throw new StrataError("PARTITION_INVALID", `Multi-partitions need exactly two dimensions, got ${names.length}${names.length ? ` (${names.join(", ")})` : ""}`, {
      hint: "Combine two definitions, e.g. { date: dailyPartitions(...), region: staticPartitions([...]) }.",
    });
  }
  const dimensions = names.map((name): MultiPartitionDimension => {
    const partitions = dims[name]!;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new StrataError("PARTITION_INVALID", `Invalid multi-partitions dimension name "${name}"`, { hint: "Use letters, digits and _." });
    }
    if (partitions.kind === "multi") {
      throw new StrataError("PARTITION_INVALID", `Multi-partitions dimension "${name}" is itself multi-partitioned`, {
        hint: "Each dimension must be time-window, static or dynamic partitions.",
      });
    }
    if (partitions.kind === "static") {
      for (const k of partitions.keys) {
        const bad = INVALID_MULTI_KEY_CHARS.filter((c) => k.includes(c));
        if (bad.length > 0) {
          throw new StrataError("PARTITION_INVALID", `Key ${JSON.stringify(k)} of dimension "${name}" contains ${bad.join(" ")}`, {
            hint: "Multi-partition keys join dimensions with |; keys may not contain | , [ ].",
          });
        }
      }
    }
    if (partitions.kind === "time_window" && partitions.fmt.includes(MULTI_KEY_DELIMITER)) {
      throw new StrataError("PARTITION_INVALID", `Key format of dimension "${name}" contains "|"`);
    }
    return Object.freeze({ name, partitions: partitions as SinglePartitionsDefinition });
  });
  return Object.freeze({ kind: "multi" as const, dimensions: Object.freeze(dimensions) as unknown as MultiPartitionsDefinition["dimensions"] });
}

/**
 * Splits a multi-partition key into its dimension keys.
 *
 * @example
 * splitMultiKey(def, "2024-08-01|us"); // { date: "2024-08-01", region: "us" }
 */
export function splitMultiKey(def: MultiPartitionsDefinition, key: string): Record<string, string> {
  const parts = key.split(MULTI_KEY_DELIMITER);
  if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
    throw new StrataError("PARTITION_UNKNOWN_KEY", `"${key}" is not a multi-partition key of dimensions ${def.dimensions.map((d) => d.name).join("|")}`, {
      hint: `Write the ${def.dimensions[0].name} key and the ${def.dimensions[1].name} key joined by "|", e.g. "2024-08-01|us".`,
    });
  }
  return { [def.dimensions[0].name]: parts[0]!, [def.dimensions[1].name]: parts[1]! };
}

/**
 * Builds a multi-partition key from dimension keys (any order).
 *
 * @example
 * joinMultiKey(def, { region: "us", date: "2024-08-01" }); // "2024-08-01|us"
 */
export function joinMultiKey(def: MultiPartitionsDefinition, keys: Record<string, string>): string {
  const extra = Object.keys(keys).filter((k) => !def.dimensions.some((d) => d.name === k));
  const missing = def.dimensions.filter((d) => keys[d.name] === undefined).map((d) => d.name);
  if (extra.length > 0 || missing.length > 0) {
    throw new StrataError("PARTITION_INVALID", `Multi-partition key needs exactly the dimensions ${def.dimensions.map((d) => d.name).join(", ")}${missing.length ? `; missing ${missing.join(", ")}` : ""}${extra.length ? `; unknown ${extra.join(", ")}` : ""}`);
  }
  return `${keys[def.dimensions[0].name]}${MULTI_KEY_DELIMITER}${keys[def.dimensions[1].name]}`;
}

/** The definition of one dimension; throws PARTITION_INVALID for an unknown name. */
export function dimensionDefinition(def: MultiPartitionsDefinition, dimension: string): SinglePartitionsDefinition {
  const d = def.dimensions.find((x) => x.name === dimension);
  if (d === undefined) {
    throw new StrataError("PARTITION_INVALID", `Multi-partitions have no dimension "${dimension}"`, {
      hint: `Dimensions: ${def.dimensions.map((x) => x.name).join(", ")}.`,
    });
  }
  return d.partitions;
}
