import { z } from "zod";
import { defsDocumentSchema } from "./defs-document.ts";
import type { JsonSchema } from "./json-schema-check.ts";
import { embedSchema, hoistDefs } from "./json-schema-defs.ts";
import type { ComponentTypeInfo } from "./registry.ts";

/**
 * The JSON Schema of defs.yaml files for editors (YAML language server): the envelope, plus
 * one `if type == X then attributes: <X's schema>` branch per known type, so attributes are
 * validated and autocompleted. Publish it with `strata schema defs > defs.schema.json` and
 * point files at it with `# yaml-language-server: $schema=<path>/defs.schema.json`.
 */
export function defsJsonSchema(types: readonly Pick<ComponentTypeInfo, "type" | "description" | "schema">[]): JsonSchema {
  const envelope = hoistDefs(z.toJSONSchema(defsDocumentSchema, { unrepresentable: "any", io: "input", target: "draft-2020-12" }) as JsonSchema);
  const defs: Record<string, JsonSchema> = { ...(envelope.$defs ?? {}) };
  const props = { ...(envelope.properties ?? {}) };
  props.type = {
    description: "The component type (strata list components)",
    anyOf: [{ enum: types.map((t) => t.type) }, { type: "string" }],
  };
  props.attributes = { description: "Attributes of the component type, validated against its schema", type: "object" };
  const branches = types.map((t) => ({
    if: { properties: { type: { const: t.type } }, required: ["type"] },
    then: { properties: { attributes: { ...embedSchema(t.schema, defs, `attributes:${t.type}`), description: t.description } } },
  }));
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://strata.dev/schemas/defs.schema.json",
    title: "Strata defs.yaml",
    type: "object",
    properties: props,
    required: ["type"],
    additionalProperties: false,
    allOf: branches,
    ...(Object.keys(defs).length ? { $defs: defs } : {}),
  };
}
