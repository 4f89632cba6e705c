/**
 * Loads a dbt project folder: dbt_project.yml, the profiles.yml target, vendored packages'
 * macros, macros, properties YAML, models (incl. versions), seeds, snapshots, singular and
 * generic tests; then renders every node once with `execute = false` (dbt's parse phase) to
 * capture `ref`/`source`/`config()`, merges configs (project tree < YAML < in-file), and names
 * relations with `generate_schema_name`/`generate_alias_name`.
 *
 * @example
 * const project = loadDbtProject("./jaffle_shop", { target: "dev", vars: { start_date: "2024-01-01" } });
 * [...project.nodes.keys()]; // ["model.jaffle_shop.stg_orders", ..., "test.jaffle_shop.unique_orders_order_id.1a2b3c4d5e"]
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { readProjectFile } from "./project-file.ts";
import { loadTarget, type DbtTarget } from "./profiles.ts";
import { DbtRenderer, BUILTIN_PACKAGE } from "./dbt-renderer.ts";
import { listFiles } from "./fs-walk.ts";
import { readPropertyFiles, type NodeProps, type TestEntry } from "./property-files.ts";
import { mergeConfig, resolveTreeConfig, type ConfigMap } from "./config-merge.ts";
import { extractSnapshotBlocks } from "./snapshot-blocks.ts";
import { ProjectResolver } from "./project-resolver.ts";
import { addGenericTests } from "./add-generic-tests.ts";
import { finalizeNodes } from "./finalize-nodes.ts";
import type { DbtMacro, DbtNode, DbtProject, DbtSource, NodeResourceType } from "./project-types.ts";

export interface LoadOptions {
  /** Target name in profiles.yml (default: the profile's `target:`). */
  target?: string;
  /** `--vars`: override project vars. */
  vars?: Record<string, unknown>;
  /** Folder holding profiles.yml when not in the project (default `~/.dbt`). */
  profilesDir?: string;
  /** Use this target instead of reading profiles.yml. */
  targetOverride?: DbtTarget;
  env?: Record<string, string | undefined>;
}

const DEFAULTS: Record<NodeResourceType, ConfigMap> = {
  model: { enabled: true, materialized: "view", tags: [], meta: {}, pre_hook: [], post_hook: [], on_schema_change: "ignore" },
  seed: { enabled: true, materialized: "seed", tags: [], meta: {}, pre_hook: [], post_hook: [], quote_columns: null, column_types: {}, delimiter: "," },
  snapshot: { enabled: true, materialized: "snapshot", tags: [], meta: {}, pre_hook: [], post_hook: [] },
  test: { enabled: true, materialized: "test", tags: [], meta: {}, severity: "ERROR", fail_calc: "count(*)", warn_if: "!= 0", error_if: "!= 0" },
};

function macroFiles(renderer: DbtRenderer, pkg: string, root: string, rel: string[], macros: Map<string, DbtMacro>, prefix = ""): void {
  for (const dir of rel) {
    for (const f of listFiles(join(root, dir), [".sql"])) {
      const file = `${prefix}${dir}/${f}`;
      const source = readFileSync(join(root, dir, f), "utf8");
      const names = renderer.loadMacros(pkg, file, source);
      for (const name of names) {
        const m = new RegExp(`\\{%-?\\s*(?:macro|test)\\s+(?:test_)?${name.replace(/^test_/, "(?:test_)?")}\\s*\\(`).exec(source);
        macros.set(`macro.${pkg}.${name}`, {
          uniqueId: `macro.${pkg}.${name}`, name, packageName: pkg, originalFilePath: file, absPath: join(root, dir, f),
          line: m ? source.slice(0, m.index).split("\n").length : 1, description: "",
        });
      }
    }
  }
}

function baseNode(p: { type: NodeResourceType; pkg: string; name: string; path: string; file: string; abs: string; raw: string; line: number; fqn: string[]; uniqueId: string; config: ConfigMap; props?: NodeProps; target: DbtTarget }): DbtNode {
  return {
    uniqueId: p.uniqueId, resourceType: p.type, packageName: p.pkg, name: p.name, path: p.path, originalFilePath: p.file, line: p.line,
    fqn: p.fqn, rawCode: p.raw, config: p.config, description: p.props?.description ?? "", columns: p.props?.columns ?? {},
    meta: {}, tags: [], refs: [], sources: [], dependsOn: { nodes: [], macros: [] },
    relation: { database: p.target.database, schema: p.target.schema, identifier: p.name }, absPath: p.abs,
    ...(p.props ? { patchPath: p.props.file } : {}),
  };
}

export function loadDbtProject(dir: string, opts: LoadOptions = {}): DbtProject {
  const root = resolve(dir);
  const pf = readProjectFile(join(root, "dbt_project.yml"), "dbt_project.yml");
  const env = opts.env ?? process.env;
  const target = opts.targetOverride ?? loadTarget(root, pf.profile, { target: opts.target, profilesDir: opts.profilesDir, env });
  const renderer = new DbtRenderer({ projectName: pf.name, target, vars: pf.vars, cliVars: opts.vars ?? {}, env, dispatch: pf.dispatch });
  const macros = new Map<string, DbtMacro>();
  for (const name of renderer.macroNames.get(BUILTIN_PACKAGE) ?? []) {
    macros.set(`macro.dbt.${name}`, { uniqueId: `macro.dbt.${name}`, name, packageName: "dbt", originalFilePath: "<builtin>", absPath: "", line: 1, description: "" });
  }

  const packages: string[] = [];
  const pkgRoot = join(root, pf.packagesInstallPath);
  if (existsSync(pkgRoot)) {
    for (const d of readdirSync(pkgRoot, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
      const pdir = join(pkgRoot, d);
      const pfile = join(pdir, "dbt_project.yml");
      const ppf = existsSync(pfile) ? readProjectFile(pfile, `${pf.packagesInstallPath}/${d}/dbt_project.yml`) : undefined;
      const pkgName = ppf?.name ?? d;
      packages.push(pkgName);
      macroFiles(renderer, pkgName, pdir, ppf?.macroPaths ?? ["macros"], macros, `${pf.packagesInstallPath}/${d}/`);
    }
  }
  macroFiles(renderer, pf.name, root, pf.macroPaths, macros);
  macroFiles(renderer, pf.name, root, pf.testPaths.map((t) => `${t}/generic`), macros);

  const yamlFiles = [...pf.modelPaths, ...pf.seedPaths, ...pf.snapshotPaths, ...pf.testPaths, ...pf.macroPaths].flatMap((p) =>
    listFiles(join(root, p), [".yml", ".yaml"]).map((f) => `${p}/${f}`),
  );
  const props = readPropertyFiles(root, [...new Set(yamlFiles)], pf.name, target);

  const nodes = new Map<string, DbtNode>();
  const versionFiles = new Map<string, { name: string; v: string | number; config: ConfigMap; props: NodeProps; tests: TestEntry[] }>();
  for (const mp of props.models.values()) {
    for (const v of mp.versions ?? []) versionFiles.set(v.definedIn ?? `${mp.name}_v${v.v}`, { name: mp.name, v: v.v, config: v.config, props: mp, tests: v.tests });
  }
  const treeConfig = (type: NodeResourceType, fqn: string[]) => {
    const tree = type === "model" ? pf.trees.models : type === "seed" ? pf.trees.seeds : type === "snapshot" ? pf.trees.snapshots : pf.trees.tests;
    return mergeConfig(DEFAULTS[type], resolveTreeConfig(tree, fqn));
  };
  const versionTests: { node: DbtNode; tests: TestEntry[] }[] = [];

  for (const mdir of pf.modelPaths) {
    for (const f of listFiles(join(root, mdir), [".sql"])) {
      const stem = basename(f, ".sql");
      const dirs = dirname(f) === "." ? [] : dirname(f).split("/");
      const ver = versionFiles.get(stem);
      const name = ver?.name ?? stem;
      const mprops = ver?.props ?? props.models.get(name);
      const fqn = [pf.name, ...dirs, name, ...(ver ? [`v${ver.v}`] : [])];
      const uniqueId = `model.${pf.name}.${name}${ver ? `.v${ver.v}` : ""}`;
      const config = mergeConfig(mergeConfig(treeConfig("model", fqn), mprops?.config ?? {}), ver?.config ?? {});
      const node = baseNode({ type: "model", pkg: pf.name, name, path: f, file: `${mdir}/${f}`, abs: join(root, mdir, f), raw: readFileSync(join(root, mdir, f), "utf8"), line: 1, fqn, uniqueId, config, props: mprops, target });
      if (ver) {
        node.version = ver.v;
        if (mprops?.latestVersion !== undefined) node.latestVersion = mprops.latestVersion;
        versionTests.push({ node, tests: ver.tests });
      }
      if (mprops?.group) node.group = mprops.group;
      nodes.set(uniqueId, node);
    }
  }
  for (const sdir of pf.seedPaths) {
    for (const f of listFiles(join(root, sdir), [".csv"])) {
      const name = basename(f, ".csv");
      const dirs = dirname(f) === "." ? [] : dirname(f).split("/");
      const fqn = [pf.name, ...dirs, name];
      const sp = props.seeds.get(name);
      const config = mergeConfig(treeConfig("seed", fqn), sp?.config ?? {});
      nodes.set(`seed.${pf.name}.${name}`, baseNode({ type: "seed", pkg: pf.name, name, path: f, file: `${sdir}/${f}`, abs: join(root, sdir, f), raw: "", line: 1, fqn, uniqueId: `seed.${pf.name}.${name}`, config, props: sp, target }));
    }
  }
  for (const sdir of pf.snapshotPaths) {
    for (const f of listFiles(join(root, sdir), [".sql"])) {
      const src = readFileSync(join(root, sdir, f), "utf8");
      const dirs = dirname(f) === "." ? [] : dirname(f).split("/");
      for (const b of extractSnapshotBlocks(src, `${sdir}/${f}`)) {
        const fqn = [pf.name, ...dirs, basename(f, ".sql"), b.name];
        const sp = props.snapshots.get(b.name);
        const config = mergeConfig(treeConfig("snapshot", fqn), sp?.config ?? {});
        nodes.set(`snapshot.${pf.name}.${b.name}`, baseNode({ type: "snapshot", pkg: pf.name, name: b.name, path: f, file: `${sdir}/${f}`, abs: join(root, sdir, f), raw: b.body, line: b.line, fqn, uniqueId: `snapshot.${pf.name}.${b.name}`, config, props: sp, target }));
      }
    }
  }
  for (const tdir of pf.testPaths) {
    for (const f of listFiles(join(root, tdir), [".sql"])) {
      if (f.startsWith("generic/")) continue;
      const name = basename(f, ".sql");
      const dirs = dirname(f) === "." ? [] : dirname(f).split("/");
      const fqn = [pf.name, ...dirs, name];
      nodes.set(`test.${pf.name}.${name}`, baseNode({ type: "test", pkg: pf.name, name, path: f, file: `${tdir}/${f}`, abs: join(root, tdir, f), raw: readFileSync(join(root, tdir, f), "utf8"), line: 1, fqn, uniqueId: `test.${pf.name}.${name}`, config: treeConfig("test", fqn), target }));
    }
  }

  const sources = new Map<string, DbtSource>();
  for (const s of props.sources) if (s.source.config.enabled !== false) sources.set(s.source.uniqueId, s.source);
  const resolver = new ProjectResolver(nodes, sources);
  renderer.resolver = resolver;

  // dbt's parse phase: render with execute = false to capture refs, sources and config().
  for (const node of nodes.values()) {
    if (node.resourceType === "seed") continue;
    renderer.withState({ phase: "parse", node }, () => {
      renderer.render(node.uniqueId, node.rawCode, node.packageName, node.originalFilePath, node.line - 1);
      node.refs = renderer.state.refs;
      node.sources = renderer.state.sources;
      node.config = mergeConfig(node.config, renderer.state.config);
    });
  }
  for (const [id, n] of nodes) if (n.config.enabled === false) nodes.delete(id);

  const project: DbtProject = {
    root, name: pf.name, profileName: pf.profile, target, adapter: target.type, vars: pf.vars, nodes, sources, macros,
    groups: new Map(props.groups.map((g) => [g.name, g])), packages, renderer,
    paths: { model: pf.modelPaths, seed: pf.seedPaths, macro: pf.macroPaths, snapshot: pf.snapshotPaths, test: pf.testPaths, target: pf.targetPath },
  };
  addGenericTests(project, props, versionTests, (fqn) => treeConfig("test", fqn));
  finalizeNodes(project, new ProjectResolver(nodes, sources));
  return project;
}
