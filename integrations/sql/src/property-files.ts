/**
 * Schema (properties) YAML files: `models:`, `seeds:`, `snapshots:` (descriptions, columns,
 * config, tests, versions), `sources:` (tables, freshness, loaded_at_field) and `groups:`.
 *
 * @example
 * const props = readPropertyFiles("/proj", ["models/schema.yml"], "shop", target);
 * props.models.get("orders")?.columns.order_id?.description;
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { asStringList, isRecord, parseYamlFile, yamlError, type YamlFile } from "./yaml-file.ts";
import { normalizeConfig, type ConfigMap } from "./config-merge.ts";
import type { ColumnInfo, DbtGroup, DbtSource, FreshnessThreshold, SourceFreshness } from "./project-types.ts";
import type { DbtTarget } from "./profiles.ts";

/** One test entry from YAML, with where it was written. */
export interface TestEntry {
  raw: unknown;
  doc: YamlFile;
  path: (string | number)[];
  columnName?: string;
}

export interface VersionProps {
  v: string | number;
  definedIn?: string;
  config: ConfigMap;
  columns?: Record<string, ColumnInfo>;
  tests: TestEntry[];
}

export interface NodeProps {
  name: string;
  description: string;
  columns: Record<string, ColumnInfo>;
  config: ConfigMap;
  meta: Record<string, unknown>;
  tags: string[];
  group?: string;
  tests: TestEntry[];
  file: string;
  line: number;
  versions?: VersionProps[];
  latestVersion?: string | number;
}

export interface SourceWithTests {
  source: DbtSource;
  tests: TestEntry[];
}

export interface PropertyFiles {
  models: Map<string, NodeProps>;
  seeds: Map<string, NodeProps>;
  snapshots: Map<string, NodeProps>;
  sources: SourceWithTests[];
  groups: DbtGroup[];
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function meta(v: unknown): Record<string, unknown> {
  return isRecord(v) ? v : {};
}

function testsAt(doc: YamlFile, obj: Record<string, unknown>, path: (string | number)[], columnName?: string): TestEntry[] {
  const out: TestEntry[] = [];
  for (const key of ["data_tests", "tests"]) {
    const list = obj[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw yamlError(doc, [...path, key], `'${key}' must be a list`);
    list.forEach((raw, i) => out.push({ raw, doc, path: [...path, key, i], columnName }));
  }
  return out;
}

function columnsAt(doc: YamlFile, list: unknown, path: (string | number)[], tests: TestEntry[]): Record<string, ColumnInfo> {
  const cols: Record<string, ColumnInfo> = {};
  if (list === undefined || list === null) return cols;
  if (!Array.isArray(list)) throw yamlError(doc, path, "'columns' must be a list of { name, description, data_tests }");
  list.forEach((c, i) => {
    if (!isRecord(c) || typeof c.name !== "string") throw yamlError(doc, [...path, i], "each column needs a 'name'");
    const cfg = isRecord(c.config) ? c.config : {};
    cols[c.name] = {
      name: c.name,
      description: str(c.description),
      ...(typeof c.data_type === "string" ? { dataType: c.data_type } : {}),
      meta: { ...meta(c.meta), ...meta(cfg.meta) },
      tags: [...asStringList(c.tags), ...asStringList(cfg.tags)],
    };
    tests.push(...testsAt(doc, c, [...path, i], c.name));
  });
  return cols;
}

function nodeProps(doc: YamlFile, e: Record<string, unknown>, path: (string | number)[]): NodeProps {
  const tests = testsAt(doc, e, path);
  const columns = columnsAt(doc, e.columns, [...path, "columns"], tests);
  const config = normalizeConfig(isRecord(e.config) ? e.config : {});
  if (e.tags !== undefined) config.tags = [...asStringList(config.tags), ...asStringList(e.tags)];
  if (e.meta !== undefined) config.meta = { ...meta(e.meta), ...meta(config.meta) };
  const group = typeof e.group === "string" ? e.group : typeof config.group === "string" ? config.group : undefined;
  const props: NodeProps = {
    name: String(e.name), description: str(e.description), columns, config, meta: meta(config.meta), tags: asStringList(config.tags),
    ...(group ? { group } : {}), tests, file: doc.file, line: doc.line(path),
  };
  if (Array.isArray(e.versions)) {
    props.versions = e.versions.map((ve, i) => {
      const vp = [...path, "versions", i];
      if (!isRecord(ve) || ve.v === undefined) throw yamlError(doc, vp, "each version needs 'v'");
      const vtests = testsAt(doc, ve, vp);
      const vcols = ve.columns === undefined ? undefined : columnsAt(doc, (ve.columns as unknown[]).filter((c) => isRecord(c) && typeof c.name === "string"), [...vp, "columns"], vtests);
      return {
        v: ve.v as string | number,
        ...(typeof ve.defined_in === "string" ? { definedIn: ve.defined_in } : {}),
        config: normalizeConfig(isRecord(ve.config) ? ve.config : {}),
        ...(vcols ? { columns: vcols } : {}),
        tests: vtests,
      };
    });
    const latest = e.latest_version ?? props.versions.map((v) => v.v).sort((a, b) => Number(a) - Number(b)).at(-1);
    if (latest !== undefined) props.latestVersion = latest as string | number;
  }
  return props;
}

function threshold(doc: YamlFile, v: unknown, path: (string | number)[]): FreshnessThreshold | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v) || typeof v.count !== "number" || !["minute", "hour", "day"].includes(String(v.period))) {
    throw yamlError(doc, path, "freshness thresholds need { count: <number>, period: minute|hour|day }");
  }
  return { count: v.count, period: v.period as FreshnessThreshold["period"] };
}

function freshness(doc: YamlFile, v: unknown, path: (string | number)[]): SourceFreshness | undefined | null {
  if (v === null) return null;
  if (!isRecord(v)) return undefined;
  const warnAfter = threshold(doc, v.warn_after, [...path, "warn_after"]);
  const errorAfter = threshold(doc, v.error_after, [...path, "error_after"]);
  return { ...(warnAfter ? { warnAfter } : {}), ...(errorAfter ? { errorAfter } : {}), ...(typeof v.filter === "string" ? { filter: v.filter } : {}) };
}

function readSources(doc: YamlFile, list: unknown, projectName: string, target: DbtTarget, abs: string, out: SourceWithTests[]): void {
  if (!Array.isArray(list)) throw yamlError(doc, ["sources"], "'sources' must be a list");
  list.forEach((s, i) => {
    const sp: (string | number)[] = ["sources", i];
    if (!isRecord(s) || typeof s.name !== "string") throw yamlError(doc, sp, "each source needs a 'name'");
    const srcFresh = freshness(doc, s.freshness, [...sp, "freshness"]);
    const tables = Array.isArray(s.tables) ? s.tables : [];
    tables.forEach((tb, j) => {
      const tp = [...sp, "tables", j];
      if (!isRecord(tb) || typeof tb.name !== "string") throw yamlError(doc, tp, "each source table needs a 'name'");
      const tests = testsAt(doc, tb, tp);
      const columns = columnsAt(doc, tb.columns, [...tp, "columns"], tests);
      const tFresh = "freshness" in tb ? freshness(doc, tb.freshness, [...tp, "freshness"]) : srcFresh;
      const sourceName = s.name as string;
      const tableName = tb.name;
      const identifier = typeof tb.identifier === "string" ? tb.identifier : tableName;
      const loadedAt = typeof tb.loaded_at_field === "string" ? tb.loaded_at_field : typeof s.loaded_at_field === "string" ? s.loaded_at_field : undefined;
      const config = normalizeConfig({ ...(isRecord(s.config) ? s.config : {}), ...(isRecord(tb.config) ? tb.config : {}) });
      out.push({
        tests,
        source: {
          uniqueId: `source.${projectName}.${sourceName}.${tableName}`,
          packageName: projectName, sourceName, name: tableName, identifier,
          relation: { database: typeof s.database === "string" ? s.database : target.database, schema: typeof s.schema === "string" ? s.schema : sourceName, identifier },
          description: str(tb.description), sourceDescription: str(s.description), loader: str(s.loader),
          ...(loadedAt ? { loadedAtField: loadedAt } : {}),
          ...(tFresh ? { freshness: tFresh } : {}),
          columns, meta: { ...meta(s.meta), ...meta(tb.meta) }, tags: [...new Set([...asStringList(s.tags), ...asStringList(tb.tags)])],
          originalFilePath: doc.file, absPath: abs, line: doc.line(tp), fqn: [projectName, sourceName, tableName], config,
        },
      });
    });
  });
}

/** Reads every properties file (paths relative to `root`). */
export function readPropertyFiles(root: string, files: readonly string[], projectName: string, target: DbtTarget): PropertyFiles {
  const out: PropertyFiles = { models: new Map(), seeds: new Map(), snapshots: new Map(), sources: [], groups: [] };
  for (const rel of files) {
    const abs = join(root, rel);
    const doc = parseYamlFile(readFileSync(abs, "utf8"), rel);
    const v = doc.value;
    if (v === null || v === undefined) continue;
    if (!isRecord(v)) throw yamlError(doc, [], "a properties file must be a mapping (version: 2, models: [...])");
    for (const kind of ["models", "seeds", "snapshots"] as const) {
      const list = v[kind];
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) throw yamlError(doc, [kind], `'${kind}' must be a list`);
      list.forEach((e, i) => {
        if (!isRecord(e) || typeof e.name !== "string") throw yamlError(doc, [kind, i], `each entry in '${kind}' needs a 'name'`);
        out[kind].set(e.name, nodeProps(doc, e, [kind, i]));
      });
    }
    if (v.sources !== undefined) readSources(doc, v.sources, projectName, target, abs, out.sources);
    if (Array.isArray(v.groups)) {
      v.groups.forEach((g, i) => {
        if (!isRecord(g) || typeof g.name !== "string") throw yamlError(doc, ["groups", i], "each group needs a 'name'");
        out.groups.push({ name: g.name, owner: isRecord(g.owner) ? { ...(typeof g.owner.name === "string" ? { name: g.owner.name } : {}), ...(typeof g.owner.email === "string" ? { email: g.owner.email } : {}) } : {} });
      });
    }
  }
  return out;
}
