/**
 * After parsing: resolves captured refs/sources into `depends_on`, lifts tags/meta/group out of
 * the final config, finds the macros each node calls, and names every relation with the
 * project's (overridable) `generate_database_name`/`generate_schema_name`/`generate_alias_name`.
 *
 * @example
 * finalizeNodes(project, new ProjectResolver(project.nodes, project.sources));
 */
import { StrataError } from "@strata/core";
import { asStringList, isRecord } from "./yaml-file.ts";
import { nodeView } from "./dbt-context.ts";
import type { ProjectResolver } from "./project-resolver.ts";
import type { DbtNode, DbtProject } from "./project-types.ts";

const CALL = /([A-Za-z_]\w*)(?:\.([A-Za-z_]\w*))?\s*\(/g;

function macroDeps(project: DbtProject, n: DbtNode): string[] {
  const out = new Set(n.dependsOn.macros);
  for (const m of n.rawCode.matchAll(CALL)) {
    const [ns, name] = m[2] ? [m[1]!, m[2]] : [undefined, m[1]!];
    if (ns) {
      if (project.macros.has(`macro.${ns}.${name}`)) out.add(`macro.${ns}.${name}`);
    } else {
      for (const p of [n.packageName, project.name, "dbt"]) {
        if (project.macros.has(`macro.${p}.${name}`)) {
          out.add(`macro.${p}.${name}`);
          break;
        }
      }
    }
  }
  return [...out];
}

function text(v: unknown): string {
  return String(v ?? "").trim();
}

export function finalizeNodes(project: DbtProject, resolver: ProjectResolver): void {
  const { renderer, target } = project;
  renderer.resolver = resolver;
  const gen = (name: string) => {
    const m = renderer.macro(project.name, name);
    if (!m) throw new StrataError("INTERNAL", `built-in macro ${name} missing`);
    return m;
  };
  const [schemaFn, aliasFn, dbFn] = [gen("generate_schema_name"), gen("generate_alias_name"), gen("generate_database_name")];
  // When the project keeps dbt's naming macros, compute names directly (same rules, much faster).
  const overridden = (name: string) =>
    [project.name, ...project.packages].some((p) => [name, `default__${name}`, `${project.adapter}__${name}`].some((m) => renderer.ownMacro(p, m)));
  const fast = { schema: !overridden("generate_schema_name"), alias: !overridden("generate_alias_name"), database: !overridden("generate_database_name") };
  const builtinSchema = (custom: unknown) => (custom === null || custom === undefined ? target.schema : `${target.schema}_${String(custom).trim()}`);
  for (const n of project.nodes.values()) {
    const deps: string[] = [];
    for (const r of n.refs) {
      const id = resolver.resolveRef(n, r.package, r.name, r.version).uniqueId;
      if (!deps.includes(id)) deps.push(id);
    }
    for (const [s, t] of n.sources) {
      const id = resolver.resolveSource(n, s, t).uniqueId;
      if (!deps.includes(id)) deps.push(id);
    }
    n.dependsOn = { nodes: deps, macros: macroDeps(project, n) };
    n.tags = asStringList(n.config.tags);
    n.config.tags = n.tags;
    n.meta = isRecord(n.config.meta) ? n.config.meta : {};
    if (typeof n.config.group === "string") n.group = n.config.group;
    renderer.withState({ phase: "parse", node: n }, () => {
      const where = n.originalFilePath;
      const view = fast.schema && fast.alias && fast.database ? {} : nodeView(n);
      const schemaOf = (custom: unknown) => (fast.schema ? builtinSchema(custom) : text(renderer.callMacro(schemaFn, [custom, view], undefined, where)));
      if (n.resourceType === "test") {
        n.relation = { database: target.database, schema: schemaOf(n.config.schema ?? "dbt_test__audit"), identifier: text(n.config.alias ?? n.name) };
        return;
      }
      const customDb = n.config.target_database ?? n.config.database ?? null;
      const database = fast.database ? (customDb === null ? target.database : text(customDb)) : text(renderer.callMacro(dbFn, [customDb, view], undefined, where));
      const schema = n.resourceType === "snapshot" && typeof n.config.target_schema === "string" ? n.config.target_schema : schemaOf(n.config.schema ?? null);
      const alias = n.config.alias;
      const identifier = fast.alias
        ? alias ? text(alias) : n.version !== undefined ? `${n.name}_v${String(n.version).replace(/\./g, "_")}` : n.name
        : text(renderer.callMacro(aliasFn, [alias ?? null, view], undefined, where));
      n.relation = { database, schema, identifier };
    });
  }
}
