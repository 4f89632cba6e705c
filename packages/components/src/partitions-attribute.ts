/**
 * The YAML form of a partitions definition: the value the template helpers produce
 * (`partitions: "{{ daily_partitions('2024-01-01') }}"`, `{{ static_partitions(['us', 'eu']) }}`)
 * or the same data written out (`{ kind: static, keys: [us, eu] }`). Built-in types and project
 * types use {@link partitionsAttributeSchema}; `check yaml` validates it through the marker.
 */
import { partitionsFromSnapshot, type PartitionsDefinition, type PartitionsSnapshot } from "@strata/core";
import { z } from "zod";
import { SCHEMA_TYPE_MARKER } from "./automation-condition-schema.ts";
import type { AttributeIssue } from "./process-defs-file.ts";

export const PARTITIONS_SCHEMA_KIND = "partitions";
const HINT =
  "Use a helper: {{ daily_partitions('2024-01-01') }}, {{ hourly_partitions(...) }}, {{ weekly_partitions(...) }}, {{ monthly_partitions(...) }} or {{ static_partitions(['us', 'eu']) }}.";

/** Issues of a partitions value (empty when valid). */
export function partitionsIssues(value: unknown): AttributeIssue[] {
  try {
    partitionsFromSnapshot(value);
    return [];
  } catch (err) {
    return [
      {
        path: [],
        message: (err as Error).message.replace(
          /^Invalid partitions snapshot at \(root\): /,
          "Invalid partitions: ",
        ),
        hint: HINT,
      },
    ];
  }
}

export const partitionsAttributeSchema = z
  .custom<PartitionsSnapshot>(() => true)
  .superRefine((value, ctx) => {
    for (const i of partitionsIssues(value))
      ctx.addIssue({ code: "custom", path: i.path, message: i.message, params: { hint: i.hint } });
  })
  .meta({
    [SCHEMA_TYPE_MARKER]: PARTITIONS_SCHEMA_KIND,
    type: "object",
    description:
      "Partitions of the asset(s): {{ daily_partitions('2024-01-01') }}, {{ static_partitions(['us', 'eu']) }}, …",
  });

/** The core definition of a validated `partitions` attribute. */
export function toPartitionsDefinition(value: PartitionsSnapshot): PartitionsDefinition {
  return partitionsFromSnapshot(value);
}
