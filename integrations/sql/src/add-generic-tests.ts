/**
 * Turns YAML test entries into test nodes attached to their model, seed, snapshot or source,
 * checking that the test macro exists and capturing refs in arguments (`to: ref('customers')`).
 *
 * @example
 * // models: [{ name: orders, columns: [{ name: id, data_tests: [unique] }] }]
 * // -> node "test.shop.unique_orders_id.<hash>" depending on "model.shop.orders"
 */
import { join } from "node:path";
import { closest } from "@strata/core";
import { mergeConfig, type ConfigMap } from "./config-merge.ts";
import { parseTestEntry, synthesizeTestName } from "./generic-tests.ts";
import { yamlError } from "./yaml-file.ts";
import type { PropertyFiles, TestEntry } from "./property-files.ts";
import type { DbtNode, DbtProject } from "./project-types.ts";

interface Attach {
  uniqueId: string;
  targetName: string;
  /** Jinja expression for the tested relation (shown in test_metadata). */
  expr: string;
  dirs: string[];
  source?: [string, string];
}

export function isRefExpression(v: unknown): v is string {
  return typeof v === "string" && /^\s*(ref|source)\s*\(.*\)\s*$/s.test(v);
}

export function addGenericTests(project: DbtProject, props: PropertyFiles, versionTests: { node: DbtNode; tests: TestEntry[] }[], testTree: (fqn: string[]) => ConfigMap): void {
  const { nodes, renderer, name: pkg } = project;
  const dirsOf = (n: DbtNode) => n.fqn.slice(1, -1 - (n.version !== undefined ? 1 : 0));
  const add = (a: Attach, entries: TestEntry[]) => {
    for (const entry of entries) {
      const spec = parseTestEntry(entry);
      const macroName = `test_${spec.name}`;
      const macroPkg = spec.namespace ?? pkg;
      if (!renderer.macro(macroPkg, macroName)) {
        const known = [...renderer.macroNames.values()].flat().filter((m) => m.startsWith("test_")).map((m) => m.slice(5));
        const guess = closest(spec.name, known);
        throw yamlError(entry.doc, entry.path, `Unknown generic test '${spec.namespace ? spec.namespace + "." : ""}${spec.name}'${guess ? ` — did you mean '${guess}'?` : ""}`,
          spec.namespace && !project.packages.includes(spec.namespace) ? `Vendor the '${spec.namespace}' package under dbt_packages/.` : `Define it with {% test ${spec.name}(model, column_name) %} in macros/ or tests/generic/.`);
      }
      const { name, hash } = synthesizeTestName(spec, a.targetName, entry.columnName);
      const uniqueId = `test.${pkg}.${name}.${hash}`;
      const fqn = [pkg, ...a.dirs, name];
      const config = mergeConfig(testTree(fqn), spec.config);
      if (config.enabled === false) continue;
      const kwargs: Record<string, unknown> = { ...spec.args, ...(entry.columnName !== undefined ? { column_name: entry.columnName } : {}), model: `{{ get_where_subquery(${a.expr}) }}` };
      const node: DbtNode = {
        uniqueId, resourceType: "test", packageName: pkg, name, path: `${name}.sql`, originalFilePath: entry.doc.file, line: entry.doc.line(entry.path),
        fqn, rawCode: `{{ ${spec.namespace ? spec.namespace + "." : ""}${macroName}(**_dbt_generic_test_kwargs) }}`, config, description: "", columns: {}, meta: {}, tags: [],
        refs: [], sources: a.source ? [a.source] : [], dependsOn: { nodes: [], macros: [`macro.${spec.namespace ?? "dbt"}.${macroName}`] },
        relation: { database: project.target.database, schema: project.target.schema, identifier: name },
        testMetadata: { name: spec.name, ...(spec.namespace ? { namespace: spec.namespace } : {}), kwargs },
        attachedNode: a.uniqueId, absPath: join(project.root, entry.doc.file), patchPath: entry.doc.file,
        ...(entry.columnName !== undefined ? { columnName: entry.columnName } : {}),
      };
      // The tested node is known: record its ref directly (cheaper than rendering `ref(...)`).
      const attached = a.source ? undefined : nodes.get(a.uniqueId);
      const own = attached ? [{ name: attached.name, ...(attached.version !== undefined ? { version: attached.version } : {}) }] : [];
      const refArgs = Object.values(spec.args).filter(isRefExpression);
      if (refArgs.length === 0) node.refs = own;
      else {
        renderer.withState({ phase: "parse", node }, () => {
          for (const v of refArgs) renderer.evalExpression(v, pkg, entry.doc.file);
          node.refs = [...own, ...renderer.state.refs];
          node.sources = [...node.sources, ...renderer.state.sources];
        });
      }
      nodes.set(uniqueId, node);
    }
  };
  const versioned = new Set(versionTests.map((v) => v.node.name));
  for (const [kind, map] of [["model", props.models], ["seed", props.seeds], ["snapshot", props.snapshots]] as const) {
    for (const [name, p] of map) {
      if (kind === "model" && versioned.has(name)) continue;
      const node = nodes.get(`${kind}.${pkg}.${name}`);
      if (!node) continue;
      add({ uniqueId: node.uniqueId, targetName: name, expr: `ref('${name}')`, dirs: dirsOf(node) }, p.tests);
    }
  }
  for (const { node, tests } of versionTests) {
    if (!nodes.has(node.uniqueId)) continue;
    const base = props.models.get(node.name)?.tests ?? [];
    add({ uniqueId: node.uniqueId, targetName: `${node.name}_v${node.version}`, expr: `ref('${node.name}', v=${JSON.stringify(node.version)})`, dirs: dirsOf(node) }, [...base, ...tests]);
  }
  for (const { source, tests } of props.sources) {
    if (!project.sources.has(source.uniqueId)) continue;
    add({ uniqueId: source.uniqueId, targetName: `source_${source.sourceName}_${source.name}`, expr: `source('${source.sourceName}', '${source.name}')`, dirs: [source.sourceName], source: [source.sourceName, source.name] }, tests);
  }
}
