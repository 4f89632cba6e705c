import { stringify } from "yaml";
import { CONDITION_SCHEMA_KIND, SCHEMA_TYPE_MARKER } from "./automation-condition-schema.ts";
import type { JsonSchema } from "./json-schema-check.ts";

/** A placeholder value satisfying `schema` (defaults, first enum value, minimal lists/objects). */
export function placeholder(schema: JsonSchema, name = "value", root: JsonSchema = schema, depth = 0): unknown {
  if (depth > 8) return null;
  if (schema.$ref) {
    const key = /^#\/\$defs\/(.+)$/.exec(schema.$ref)?.[1];
    const target = key ? root.$defs?.[key] : undefined;
    return target ? placeholder(target, name, root, depth + 1) : null;
  }
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  const alt = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (alt) return placeholder(alt, name, root, depth + 1);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "string":
      return schema.pattern ? name.replace(/[^A-Za-z0-9_]/g, "_") : `TODO_${name}`;
    case "integer":
    case "number":
      return schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1);
    case "boolean":
      return false;
    case "array": {
      const n = Math.max(1, schema.minItems ?? 0);
      return Array.from({ length: n }, () => placeholder(schema.items ?? {}, name.replace(/s$/, ""), root, depth + 1));
    }
    case "object":
      return requiredObject(schema, root, depth);
    default:
      return `TODO_${name}`;
  }
}

function requiredObject(schema: JsonSchema, root: JsonSchema, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of schema.required ?? []) out[k] = placeholder(schema.properties?.[k] ?? {}, k, root, depth + 1);
  return out;
}

/**
 * The text of a new defs.yaml for `type`: required attributes filled (with the type's example
 * when it has one, else placeholders) and the optional ones listed in comments.
 */
export function scaffoldDefsYaml(o: { type: string; description: string; schema: JsonSchema; example?: Record<string, unknown>; schemaPath?: string }): string {
  const attrs = o.example ?? requiredObject(o.schema, o.schema, 0);
  const optional = Object.entries(o.schema.properties ?? {}).filter(([k]) => !(k in attrs));
  const lines = [
    ...(o.schemaPath ? [`# yaml-language-server: $schema=${o.schemaPath}`] : []),
    `# ${o.type}: ${o.description}`,
    "# Templates: {{ env.NAME }}, {{ env('NAME', 'default') }}, {{ secret('NAME') }}, {{ strata_env }}, {{ env_schema('analytics') }},",
    "#   {{ project_path('data') }}, {{ daily_partitions('2024-01-01') }}, {{ automation.eager() }}, names from ./template_vars.ts.",
    "# Check it without running any code: strata check yaml",
    stringify({ type: o.type, attributes: attrs }, { lineWidth: 0 }).trimEnd(),
  ];
  if (optional.length) {
    lines.push("  # Optional attributes:");
    for (const [k, s] of optional) {
      const d = s.default !== undefined ? ` (default ${JSON.stringify(s.default)})` : "";
      lines.push(`  # ${k}: ${describe(s)}${d}`);
    }
  }
  lines.push(
    "# requirements:",
    "#   env: [SOME_TOKEN]        # resolved when a run starts; missing ones fail only these assets",
    "# post_processing:",
    "#   assets:",
    '#     - target: "*"          # a selection over this component\'s assets',
    "#       attributes: { group: my_group, tags: { tier: bronze } }",
  );
  return lines.join("\n") + "\n";
}

function describe(s: JsonSchema): string {
  if (s[SCHEMA_TYPE_MARKER] === CONDITION_SCHEMA_KIND) return `condition, e.g. { preset: eager }, "eager() & ~any_deps_in_progress()" or { and: [...] }`;
  if (s.type === "object" && s.description) return `object (${s.description})`;
  if (s.enum) return s.enum.map((e) => JSON.stringify(e)).join(" | ");
  if (s.anyOf) return s.anyOf.map(describe).join(" | ");
  const t = Array.isArray(s.type) ? s.type.join(" | ") : s.type;
  if (t === "array" && s.items) return `list of ${describe(s.items)}`;
  return t ?? "value";
}

const pascal = (name: string) => name.replace(/(^|[-_\s]+)([A-Za-z0-9])/g, (_m, _s, c: string) => c.toUpperCase());
const snake = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[-\s]+/g, "_")
    .toLowerCase();
const kebab = (name: string) => snake(name).replace(/_/g, "-");

/** File name and text of a new project component type (`strata scaffold component <Name>`). */
export function scaffoldComponent(name: string, namespace = "project"): { fileName: string; type: string; text: string } {
  const type = `${namespace}.${snake(name)}`;
  const ident = `${pascal(name).replace(/^./, (c) => c.toLowerCase())}Component`;
  const text = `/**
 * ${pascal(name)}: a component type of this project (registered because it is in components/).
 *
 * Use it from any folder under defs/ with a defs.yaml:
 *
 *   type: ${type}
 *   attributes:
 *     prefix: example
 *     items: [first, second]
 *
 * Every attribute is validated with the zod schema below (\`strata check yaml\` does it without
 * running this file, from .strata/component-schemas.json written by \`strata check defs\`).
 * buildDefs runs when the code location loads: build definitions here, do the work inside the
 * asset functions (they run when a run starts).
 */
import { asset, defineComponent, defineDefinitions, z } from "strata";

export const ${ident} = defineComponent({
  type: "${type}",
  description: "One asset per item, each storing a small JSON document (replace with your logic).",
  attributes: z.strictObject({
    /** Key prefix of the assets: <prefix>/<item>. */
    prefix: z.string().regex(/^[A-Za-z_][\\w]*$/),
    /** One asset per item. */
    items: z.array(z.string().min(1)).min(1),
    group: z.string().optional(),
  }),
  example: { prefix: "example", items: ["first", "second"] },
  buildDefs(context) {
    const { prefix, items, group } = context.attributes;
    return defineDefinitions({
      assets: items.map((item, i) =>
        asset(
          {
            key: [prefix, item],
            ...(group ? { group } : {}),
            kinds: ["json"],
            // Point the asset at its line in defs.yaml (shown by \`strata list\` and the UI).
            codeRef: context.codeRef(["items", i]),
          },
          (ctx) => {
            ctx.log.info(\`building \${item} for \${context.env}\`);
            return { item, env: context.env, builtAt: new Date().toISOString() };
          },
        ),
      ),
    });
  },
});
`;
  return { fileName: `${kebab(name)}.ts`, type, text };
}
