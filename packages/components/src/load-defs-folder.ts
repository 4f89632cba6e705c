import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  AssetGraph,
  DEFAULT_EXECUTOR,
  defineDefinitions,
  isAssetCheckDefinition,
  isAssetsDefinition,
  isDefinitions,
  isEnvVar,
  registerInternalPath,
  selectAssets,
  StrataError,
  type AssetCheckDefinition,
  type AssetsDefinition,
  type Definitions,
  type DefinitionsSnapshot,
  type EnvVar,
  type ResourceDefinition,
} from "@strata/core";
import { automationOptions } from "./automation-attributes.ts";
import { BUILTIN_COMPONENTS } from "./builtins/index.ts";
import type { ComponentLoadContext, ComponentType } from "./component.ts";
import { DEFS_FILES, TEMPLATE_VARS_FILES } from "./defs-document.ts";
import { currentEnv } from "./environment.ts";
import { importFailure } from "./import-error.ts";
import { problemsError, type Problem } from "./problems.ts";
import { processDefsFile, type ComponentInstance } from "./process-defs-file.ts";
import { loadRegistry, type ComponentRegistry } from "./registry.ts";
import { templateScope } from "./template-scope.ts";

registerInternalPath("/packages/components/src/");

export interface LoadDefsOptions {
  /** Project (code location) root. */
  root: string;
  /** The folder to load (default `<root>/defs`). */
  defsDir?: string;
  /** Environment for templates (default `process.env`). */
  environment?: NodeJS.ProcessEnv;
  /** Component types (default: built-ins + packages + the project's own). */
  registry?: ComponentRegistry;
  /** Write `<root>/.strata/component-schemas.json` for `strata check yaml` (default true). */
  writeSchemaSnapshot?: boolean;
  /** Code location name (for post-processing selections). */
  location?: string;
}

const MODULE = /\.(ts|mts|js|mjs)$/;
const SKIP_MODULE = /\.(test|spec)\.[cm]?[jt]s$|\.d\.ts$/;

/**
 * Loads a `defs/` folder recursively into one {@link Definitions}:
 *
 * - a folder with a `defs.yaml` is a component instance (several `---` documents allowed); its
 *   sub-folders belong to the component (SQL files, data) and are not walked;
 * - `.ts` files are plain definitions: a default export of `defineDefinitions(...)`, or — when
 *   there is no default export — every exported asset, check and Definitions value;
 * - other folders are namespaces, walked recursively.
 *
 * Every YAML problem of every file is collected and thrown at once (the first as the error,
 * all in `details.problems`), each with `file:line:col`.
 *
 * @example
 * // strata.config.ts of a project that keeps its YAML elsewhere ("strata": { "defs": false })
 * export default mergeDefinitions(await loadDefsFolder({ root: import.meta.dirname, defsDir: "pipelines" }), extra);
 */
export async function loadDefsFolder(options: LoadDefsOptions): Promise<Definitions> {
  const root = resolve(options.root);
  const defsDir = resolve(root, options.defsDir ?? "defs");
  if (!existsSync(defsDir)) {
    throw new StrataError("DEFS_NO_ENTRY", `The defs folder ${relative(root, defsDir) || defsDir} does not exist`, { where: defsDir });
  }
  const environment = options.environment ?? process.env;
  const registry = options.registry ?? (await loadRegistry(root, BUILTIN_COMPONENTS));
  if (options.writeSchemaSnapshot ?? true) writeSchemaSnapshot(root, registry);
  const loader = new DefsLoader(root, defsDir, environment, registry, options.location ?? "defs");
  await loader.visit(defsDir);
  // Every YAML problem is reported before any component is built.
  if (loader.problems.some((p) => p.severity !== "warning")) throw problemsError(loader.problems);
  await loader.buildAll();
  if (loader.problems.some((p) => p.severity !== "warning")) throw problemsError(loader.problems);
  return loader.result();
}

/** Writes the JSON Schemas of the project's (non built-in) component types for `check yaml`. */
export function writeSchemaSnapshot(root: string, registry: ComponentRegistry): void {
  const types = registry.info().filter((t) => t.source !== "builtin");
  const dir = join(root, ".strata");
  const file = join(dir, "component-schemas.json");
  const body = JSON.stringify({ version: 1, types }, null, 2) + "\n";
  try {
    if (existsSync(file) && readFileSync(file, "utf8") === body) return;
    if (types.length === 0 && !existsSync(file)) return;
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, body);
    renameSync(tmp, file);
  } catch {
    // A read-only checkout still loads; check yaml then reports the schemas as unknown.
  }
}

class DefsLoader {
  readonly problems: Problem[] = [];
  private readonly userDefs: { file: string; defs: Definitions }[] = [];
  private readonly componentDefs: { file: string; defs: Definitions }[] = [];
  private readonly pending: { dir: string; file: string; inst: ComponentInstance }[] = [];
  private readonly strataEnv: string;

  constructor(
    private readonly root: string,
    private readonly defsDir: string,
    private readonly environment: NodeJS.ProcessEnv,
    private readonly registry: ComponentRegistry,
    private readonly location: string,
  ) {
    this.strataEnv = currentEnv(environment);
  }

  async visit(dir: string): Promise<void> {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    const defsFile = entries.find((e) => e.isFile() && DEFS_FILES.includes(e.name));
    if (defsFile) {
      await this.loadComponentFolder(dir, join(dir, defsFile.name));
      return;
    }
    for (const e of entries) {
      if (e.isFile() && MODULE.test(e.name) && !SKIP_MODULE.test(e.name) && !TEMPLATE_VARS_FILES.includes(e.name)) {
        await this.loadModule(join(dir, e.name));
      }
    }
    for (const e of entries) {
      if (e.isDirectory() && !e.name.startsWith(".") && !e.name.startsWith("_") && e.name !== "node_modules") await this.visit(join(dir, e.name));
    }
  }

  private rel(file: string): string {
    return relative(this.root, file);
  }

  private async loadModule(file: string): Promise<void> {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (err) {
      throw importFailure(err, file, this.root);
    }
    if (isDefinitions(mod.default)) {
      this.userDefs.push({ file, defs: mod.default });
      return;
    }
    const assets: AssetsDefinition[] = [];
    const checks: AssetCheckDefinition[] = [];
    for (const [name, v] of Object.entries(mod)) {
      if (name === "default" && v !== undefined && !isAssetsDefinition(v) && !isAssetCheckDefinition(v)) continue;
      if (isAssetsDefinition(v)) assets.push(v);
      else if (isAssetCheckDefinition(v)) checks.push(v);
      else if (isDefinitions(v)) this.userDefs.push({ file, defs: v });
    }
    if (assets.length || checks.length) this.userDefs.push({ file, defs: defineDefinitions({ assets: [...new Set(assets)], checks: [...new Set(checks)] }) });
  }

  private async loadTemplateVars(dir: string): Promise<Record<string, unknown>> {
    const name = TEMPLATE_VARS_FILES.find((f) => existsSync(join(dir, f)));
    if (!name) return {};
    const file = join(dir, name);
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (err) {
      throw importFailure(err, file, this.root);
    }
    const vars: Record<string, unknown> = {};
    const def = mod.default;
    if (def && typeof def === "object" && !Array.isArray(def)) Object.assign(vars, def);
    for (const [k, v] of Object.entries(mod)) if (k !== "default") vars[k] = v;
    return vars;
  }

  private async loadComponentFolder(dir: string, file: string): Promise<void> {
    const text = readFileSync(file, "utf8");
    const vars = await this.loadTemplateVars(dir);
    const { instances, problems } = processDefsFile(text, {
      displayFile: this.rel(file),
      types: this.registry,
      scope: (deferredEnv) => templateScope({ environment: this.environment, projectRoot: this.root, folder: dir, strataEnv: this.strataEnv, deferredEnv, vars }),
    });
    this.problems.push(...problems);
    for (const inst of instances) this.pending.push({ dir, file, inst });
  }

  async buildAll(): Promise<void> {
    for (const { dir, file, inst } of this.pending) await this.build(dir, file, inst);
  }

  private async build(dir: string, file: string, inst: ComponentInstance): Promise<void> {
    const component = this.registry.component(inst.envelope.type)!;
    const typePos = inst.doc.pos(["type"]);
    const where = `${this.rel(file)}:${typePos.line}:${typePos.col}`;
    const required = inst.envelope.requirements?.env ?? [];
    const reqPos = inst.doc.pos(["requirements", "env"]);
    const environment = this.environment;
    const rel = this.rel(file);
    const ctx: ComponentLoadContext = {
      attributes: inst.attributes,
      type: component.type,
      folder: dir,
      projectRoot: this.root,
      file,
      env: this.strataEnv,
      path: relative(this.defsDir, dir).split("\\").join("/"),
      requiredEnv: required,
      resolvePath: (p) => (isAbsolute(p) ? p : resolve(dir, p)),
      codeRef: (path = []) => {
        const pos = inst.doc.pos(["attributes", ...path]);
        return { file, line: pos.line, column: pos.col };
      },
      resolveEnv: (value: string | EnvVar, env: NodeJS.ProcessEnv = process.env) => {
        if (!isEnvVar(value)) return value;
        const v = env[value.name] ?? value.default;
        if (v === undefined || v === "") {
          throw new StrataError("ENV_MISSING", `Environment variable ${value.name} is not set (needed by ${component.type} defined at ${rel})`, {
            where: `${rel}:${typePos.line}`,
            hint: `Set ${value.name} in the environment or the project's .env; the other assets are not affected.`,
          });
        }
        return v;
      },
      assertRequirements: (env: NodeJS.ProcessEnv = process.env) => {
        for (const name of required) {
          if (env[name] === undefined || env[name] === "") {
            throw new StrataError("ENV_MISSING", `Environment variable ${name} is not set (listed in requirements.env of ${rel})`, {
              where: `${rel}:${reqPos.line}`,
              hint: `Set ${name} in the environment or the project's .env; only this component's assets need it.`,
            });
          }
        }
      },
    };
    void environment;
    let defs: Definitions;
    try {
      defs = await component.buildDefs(ctx);
    } catch (err) {
      if (err instanceof StrataError) {
        if (err.where?.startsWith(rel)) throw err;
        // Point at the defs.yaml that configured the component; keep the inner position in the message.
        const inner = err.where && !err.message.includes(err.where) ? ` (at ${err.where})` : "";
        throw new StrataError(err.code, `${component.type}: ${err.message}${inner}`, { where, hint: err.hint, assetKey: err.assetKey, cause: err.cause ?? err, details: err.details });
      }
      throw new StrataError("COMPONENT_INVALID", `Component ${component.type} failed to build its definitions: ${(err as Error).message}`, {
        where,
        hint: `The error is in buildDefs of ${component.type}${component.codeRef ? ` (${relative(this.root, component.codeRef.file)}:${component.codeRef.line})` : ""}.`,
        cause: err,
      });
    }
    if (!isDefinitions(defs)) {
      throw new StrataError("COMPONENT_INVALID", `buildDefs of ${component.type} did not return definitions`, { where, hint: "Return defineDefinitions({ assets: [...] })." });
    }
    this.componentDefs.push({ file, defs: this.postProcess(defs, dir, file, inst, component) });
  }

  /** Points code refs at the defs.yaml (unless they already point inside the folder) and applies post_processing. */
  private postProcess(defs: Definitions, dir: string, file: string, inst: ComponentInstance, component: ComponentType): Definitions {
    const pos = inst.doc.pos(["type"]);
    let assets = defs.assets.map((d) => {
      const inside = d.specs.every((s) => s.codeRef && s.codeRef.file.startsWith(dir + "/"));
      return inside ? d : d.withAttributes({ codeRef: { file, line: pos.line, column: pos.col } });
    });
    for (const [i, rule] of (inst.envelope.post_processing?.assets ?? []).entries()) {
      const graph = AssetGraph.fromSnapshot(miniSnapshot(assets, this.root, this.location));
      let selected: Set<string>;
      try {
        selected = selectAssets(rule.target, graph);
      } catch (err) {
        const p = inst.doc.pos(["post_processing", "assets", i, "target"]);
        this.problems.push({ code: "COMPONENT_INVALID", message: `post_processing.assets[${i}].target: ${(err as Error).message}`, ...p, file: this.rel(file) });
        continue;
      }
      if (selected.size === 0) {
        const p = inst.doc.pos(["post_processing", "assets", i, "target"]);
        this.problems.push({
          code: "COMPONENT_INVALID",
          message: `post_processing.assets[${i}].target "${rule.target}" matches none of the assets of this ${component.type}`,
          ...p,
          file: this.rel(file),
          hint: `Its assets: ${[...graph.keys()].slice(0, 10).join(", ")}.`,
        });
        continue;
      }
      const { metadata, automation, freshness, ...attrs } = rule.attributes;
      const patch = { ...attrs, ...(metadata ? { metadata: metadata as never } : {}), ...automationOptions({ automation, freshness }) };
      // Only the selected keys: a multi-asset may have some specs selected and others not.
      assets = assets.map((d) => {
        const keys = d.specs.filter((s) => selected.has(s.key)).map((s) => s.key);
        if (keys.length === 0) return d;
        return keys.length === d.specs.length ? d.withAttributes(patch) : d.withAttributes(patch, keys);
      });
    }
    return { ...defs, assets: Object.freeze(assets) } as Definitions;
  }

  /** Merges everything: resources of `.ts` files win over the defaults components bring. */
  result(): Definitions {
    const all = [...this.userDefs, ...this.componentDefs];
    const resources: Record<string, { r: ResourceDefinition; file: string; user: boolean }> = {};
    for (const [i, { file, defs }] of all.entries()) {
      const user = i < this.userDefs.length;
      for (const [name, r] of Object.entries(defs.resources)) {
        const prev = resources[name];
        if (!prev) resources[name] = { r, file, user };
        else if (prev.r !== r && prev.user === user) {
          throw new StrataError("DEFS_INVALID", `Resource "${name}" is defined differently in ${this.rel(prev.file)} and ${this.rel(file)}`, {
            where: this.rel(file),
            hint: "Define it once (e.g. in defs/resources.ts) and share it.",
          });
        }
      }
    }
    const executor = all.reduce((acc, { defs }) => ({ ...acc, ...(defs.executor.maxConcurrent !== DEFAULT_EXECUTOR.maxConcurrent ? { maxConcurrent: defs.executor.maxConcurrent } : {}) }), { ...DEFAULT_EXECUTOR });
    return defineDefinitions({
      assets: all.flatMap((d) => d.defs.assets),
      checks: all.flatMap((d) => d.defs.checks),
      resources: Object.fromEntries(Object.entries(resources).map(([k, v]) => [k, v.r])),
      executor,
      pools: Object.assign({}, ...all.map((d) => d.defs.pools)),
    });
  }
}

/** A snapshot of some assets, enough for selections (post_processing targets). */
function miniSnapshot(assets: readonly AssetsDefinition[], root: string, location: string): DefinitionsSnapshot {
  return {
    version: 1,
    location,
    root,
    assets: assets.flatMap((d) =>
      d.specs.map((s) => ({
        key: s.key,
        node: d.name,
        deps: [...s.deps],
        group: s.group,
        kinds: [...s.kinds],
        tags: { ...s.tags },
        owners: [...s.owners],
        metadata: s.metadata,
        resources: [],
        io: d.io,
        canSubset: d.canSubset,
        checks: [],
        location,
      })),
    ),
    checks: [],
    resources: [],
    executor: DEFAULT_EXECUTOR,
    pools: {},
  };
}
