/**
 * The JSON Schema of an `automation:` attribute, for editors (autocomplete of every condition
 * name and its arguments) and for `check yaml`, which recognises the `x-strata-type` marker
 * and validates the value with {@link readConditionAttribute} (exact messages and columns)
 * instead of matching the schema's alternatives.
 */
import { CONDITION_FUNCTIONS, type ConditionFunction } from "./automation-functions.ts";
import type { JsonSchema } from "./json-schema-check.ts";

export const SCHEMA_TYPE_MARKER = "x-strata-type";
export const CONDITION_SCHEMA_KIND = "automation-condition";
const DEF = "StrataAutomationCondition";
const REF: JsonSchema = { $ref: `#/$defs/${DEF}` };

const EXPRESSION: JsonSchema = {
  type: "string",
  description:
    "A condition expression, e.g. \"eager() & ~any_deps_in_progress()\" or \"on_cron('0 6 * * *', 'UTC')\"",
};

function argumentsSchema(fn: ConditionFunction): JsonSchema {
  if (fn.params.length === 0) return { enum: [true, null], description: `${fn.doc}. Write ${fn.name}: true` };
  if (fn.variadic) return { type: "array", items: REF, minItems: 1, description: fn.doc };
  if (fn.params.length === 1) return { ...REF, description: fn.doc };
  const named: JsonSchema = {
    type: "object",
    properties: Object.fromEntries(
      fn.params.map((p) => [p.name, p.kind === "condition" ? REF : { type: "string" }]),
    ),
    required: fn.params.filter((p) => !p.optional).map((p) => p.name),
    additionalProperties: false,
  };
  const shorthand = fn.params.slice(1).every((p) => p.optional);
  if (!shorthand) return { ...named, description: fn.doc };
  return {
    description: fn.doc,
    anyOf: [fn.params[0]!.kind === "condition" ? REF : { type: "string" }, named],
  };
}

/** The recursive definition (kept in `$defs`, hoisted to the document root when embedded). */
export function conditionDefinition(): JsonSchema {
  const label: JsonSchema = {
    type: "string",
    minLength: 1,
    description: "Name shown for this node in evaluation trees",
  };
  return {
    description:
      "An automation condition: an expression string, a preset, or a mapping with one condition (and an optional label)",
    anyOf: [
      EXPRESSION,
      {
        type: "object",
        properties: {
          preset: { enum: ["eager", "on_cron", "on_missing"], description: "AutomationCondition preset" },
          cron: { type: "string", description: 'on_cron only: five-field cron, e.g. "0 6 * * *"' },
          timezone: { type: "string", description: "on_cron only: IANA time zone (default UTC)" },
          label,
        },
        required: ["preset"],
        additionalProperties: false,
      },
      {
        type: "object",
        properties: {
          ...Object.fromEntries([...CONDITION_FUNCTIONS.values()].map((f) => [f.name, argumentsSchema(f)])),
          label,
        },
        minProperties: 1,
        maxProperties: 2,
        additionalProperties: false,
      },
    ],
  };
}

/** What an attribute schema carries (as zod `.meta()`): the marker, a reference and the definition. */
export function conditionAttributeJsonSchema(): JsonSchema {
  return {
    [SCHEMA_TYPE_MARKER]: CONDITION_SCHEMA_KIND,
    description:
      'When the daemon materialises the asset: a preset ({ preset: eager }), an expression ("eager() & ~in_progress()") or composed conditions ({ and: [...] })',
    ...REF,
    $defs: { [DEF]: conditionDefinition() },
  };
}
