/**
 * `$defs` bookkeeping for the JSON Schemas we publish. References (`#/$defs/X`) are resolved
 * from the document root, so definitions nested inside a property (zod `.meta()` of the
 * automation condition) or inside a type's schema embedded in defs.schema.json must live in
 * the root's `$defs`.
 */
import type { JsonSchema } from "./json-schema-check.ts";

type Defs = Record<string, JsonSchema>;

const DEF_REF = /^#\/\$defs\/(.+)$/;

function mapRefs(node: unknown, rename: (ref: string) => string): unknown {
  if (Array.isArray(node)) return node.map((x) => mapRefs(x, rename));
  if (typeof node !== "object" || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node))
    out[k] = k === "$ref" && typeof v === "string" ? rename(v) : mapRefs(v, rename);
  return out;
}

/** Adds `defs` to `into`; a name already there with other content gets a suffix. Returns the renames. */
function addDefs(into: Defs, defs: Defs): Map<string, string> {
  const renames = new Map<string, string>();
  for (const name of Object.keys(defs)) {
    let target = name;
    for (
      let n = 2;
      into[target] !== undefined && JSON.stringify(into[target]) !== JSON.stringify(defs[name]);
      n++
    )
      target = `${name}_${n}`;
    if (target !== name) renames.set(name, target);
  }
  const rename = (ref: string) => {
    const m = DEF_REF.exec(ref);
    return m && renames.has(m[1]!) ? `#/$defs/${renames.get(m[1]!)}` : ref;
  };
  for (const [name, def] of Object.entries(defs))
    into[renames.get(name) ?? name] = mapRefs(def, rename) as JsonSchema;
  return renames;
}

/** Moves every nested `$defs` to the root (the schema stays valid on its own). */
export function hoistDefs(schema: JsonSchema): JsonSchema {
  const root: Defs = { ...(schema.$defs ?? {}) };
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (typeof node !== "object" || node === null) return node;
    const { $defs, ...rest } = node as Record<string, unknown>;
    let out = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, walk(v)]));
    if ($defs && typeof $defs === "object") {
      const nested = Object.fromEntries(
        Object.entries($defs as Defs).map(([k, v]) => [k, walk(v) as JsonSchema]),
      );
      const renames = addDefs(root, nested);
      if (renames.size)
        out = mapRefs(out, (ref) => {
          const m = DEF_REF.exec(ref);
          return m && renames.has(m[1]!) ? `#/$defs/${renames.get(m[1]!)}` : ref;
        }) as Record<string, unknown>;
    }
    return out;
  };
  const { $defs: _root, ...body } = schema;
  const out = walk(body) as JsonSchema;
  return Object.keys(root).length ? { ...out, $defs: root } : out;
}

/**
 * Prepares a standalone schema (with root `$defs`) for embedding inside another document whose
 * root `$defs` is `into`: its definitions join `into`, its `#` self-references point at a copy
 * of itself in `into` (named `selfName`).
 */
export function embedSchema(schema: JsonSchema, into: Defs, selfName: string): JsonSchema {
  const { $defs, $schema: _s, $id: _i, ...body } = hoistDefs(schema);
  const renames = addDefs(into, $defs ?? {});
  let needsSelf = false;
  const rewritten = mapRefs(body, (ref) => {
    if (ref === "#") {
      needsSelf = true;
      return `#/$defs/${selfName}`;
    }
    const m = DEF_REF.exec(ref);
    return m && renames.has(m[1]!) ? `#/$defs/${renames.get(m[1]!)}` : ref;
  }) as JsonSchema;
  if (needsSelf) into[selfName] = rewritten;
  return rewritten;
}
