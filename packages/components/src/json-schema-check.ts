import { readConditionAttribute } from "./automation-condition-attribute.ts";
import { CONDITION_SCHEMA_KIND, SCHEMA_TYPE_MARKER } from "./automation-condition-schema.ts";
import { PARTITIONS_SCHEMA_KIND, partitionsIssues } from "./partitions-attribute.ts";
import type { AttributeIssue } from "./process-defs-file.ts";

/** The JSON Schema subset that zod's `toJSONSchema` emits for attribute schemas. */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  description?: string;
  default?: unknown;
  [k: string]: unknown;
}

const typeOf = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "number" ? (Number.isInteger(v) ? "integer" : "number") : typeof v;

/**
 * Validates `value` against a JSON Schema snapshot of a component type's attributes (used by
 * `strata check yaml`, which never imports the project's code). Reports every issue with its path.
 */
export function checkJsonSchema(schema: JsonSchema, value: unknown, root: JsonSchema = schema, path: (string | number)[] = []): AttributeIssue[] {
  if (schema[SCHEMA_TYPE_MARKER] === CONDITION_SCHEMA_KIND) {
    // Automation conditions: our own reader gives exact messages and columns.
    const r = readConditionAttribute(value);
    return r.ok ? [] : r.issues.map((i) => ({ ...i, path: [...path, ...i.path] }));
  }
  if (schema[SCHEMA_TYPE_MARKER] === PARTITIONS_SCHEMA_KIND) return partitionsIssues(value).map((i) => ({ ...i, path: [...path, ...i.path] }));
  if (schema.$ref) {
    const name = /^#\/\$defs\/(.+)$/.exec(schema.$ref)?.[1];
    const target = name ? root.$defs?.[name] : schema.$ref === "#" ? root : undefined;
    return target ? checkJsonSchema(target, value, root, path) : [];
  }
  const issues: AttributeIssue[] = [];
  const fail = (message: string) => issues.push({ path, message });
  if (schema.allOf) for (const s of schema.allOf) issues.push(...checkJsonSchema(s, value, root, path));
  const alts = schema.anyOf ?? schema.oneOf;
  if (alts) {
    const results = alts.map((s) => checkJsonSchema(s, value, root, path));
    if (!results.some((r) => r.length === 0)) {
      // The alternative that got furthest explains best.
      const best = results.reduce((a, b) => (deepest(b) > deepest(a) ? b : a));
      if (deepest(best) > path.length) issues.push(...best);
      else fail(`Invalid input: expected ${alts.map(describe).join(" or ")}`);
    }
    return issues;
  }
  if (schema.const !== undefined && JSON.stringify(schema.const) !== JSON.stringify(value)) {
    fail(`Invalid input: expected ${JSON.stringify(schema.const)}`);
    return issues;
  }
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    fail(`Invalid option: expected one of ${schema.enum.map((e) => JSON.stringify(e)).join("|")}`);
    return issues;
  }
  if (schema.type) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const actual = typeOf(value);
    const ok = types.some((t) => t === actual || (t === "number" && actual === "integer"));
    if (!ok) {
      fail(`Invalid input: expected ${types.join(" or ")}, received ${value === undefined ? "undefined" : actual}`);
      return issues;
    }
  }
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength) fail(`Too small: expected string to have >=${schema.minLength} characters`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) fail(`Too big: expected string to have <=${schema.maxLength} characters`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(value)) fail(`Invalid string: must match pattern ${schema.pattern}`);
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) fail(`Too small: expected number to be >=${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) fail(`Too big: expected number to be <=${schema.maximum}`);
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) fail(`Too small: expected number to be >${schema.exclusiveMinimum}`);
    if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) fail(`Too big: expected number to be <${schema.exclusiveMaximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) fail(`Too small: expected array to have >=${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) fail(`Too big: expected array to have <=${schema.maxItems} items`);
    value.forEach((item, i) => {
      const s = schema.prefixItems?.[i] ?? schema.items;
      if (s) issues.push(...checkJsonSchema(s, item, root, [...path, i]));
    });
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const r of schema.required ?? []) {
      if (!(r in obj)) issues.push({ path: [...path, r], message: `Invalid input: expected ${describe(schema.properties?.[r] ?? {})}, received undefined` });
    }
    const unknown: string[] = [];
    for (const [k, v] of Object.entries(obj)) {
      const s = schema.properties?.[k];
      if (s) issues.push(...checkJsonSchema(s, v, root, [...path, k]));
      else if (schema.additionalProperties === false) unknown.push(k);
      else if (typeof schema.additionalProperties === "object") issues.push(...checkJsonSchema(schema.additionalProperties, v, root, [...path, k]));
    }
    if (unknown.length) issues.push({ path, message: `Unrecognized keys: ${unknown.join(", ")}`, keys: unknown });
  }
  return issues;
}

const deepest = (issues: AttributeIssue[]) => Math.max(-1, ...issues.map((i) => i.path.length));

function describe(s: JsonSchema): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.type) return Array.isArray(s.type) ? s.type.join(" or ") : s.type;
  if (s.enum) return s.enum.map((e) => JSON.stringify(e)).join("|");
  return "a value";
}
