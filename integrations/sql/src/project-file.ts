/**
 * `dbt_project.yml`: name, profile, folder paths, vars, dispatch and the per-resource config
 * trees (`models:`, `seeds:`, `snapshots:`, `tests:`/`data_tests:`, `sources:`).
 *
 * @example
 * const p = readProjectFile("/proj/dbt_project.yml", "dbt_project.yml");
 * p.modelPaths; // ["models"]
 */
import { readFileSync, existsSync } from "node:fs";
import { StrataError } from "@strata/core";
import { asStringList, isRecord, parseYamlFile, yamlError, type YamlFile } from "./yaml-file.ts";

export interface ProjectFile {
  name: string;
  profile: string;
  modelPaths: string[];
  seedPaths: string[];
  macroPaths: string[];
  snapshotPaths: string[];
  testPaths: string[];
  targetPath: string;
  packagesInstallPath: string;
  vars: Record<string, unknown>;
  dispatch: Record<string, string[]>;
  trees: { models: unknown; seeds: unknown; snapshots: unknown; tests: unknown; sources: unknown };
  doc: YamlFile;
}

export function readProjectFile(abs: string, display: string): ProjectFile {
  if (!existsSync(abs)) {
    throw new StrataError("SQL_PROJECT_INVALID", `No dbt_project.yml at ${display}`, { where: display, hint: "Point Strata at the folder that contains dbt_project.yml." });
  }
  const doc = parseYamlFile(readFileSync(abs, "utf8"), display);
  const v = doc.value;
  if (!isRecord(v)) throw yamlError(doc, [], "dbt_project.yml must be a mapping");
  if (typeof v.name !== "string" || !/^[A-Za-z_]\w*$/.test(v.name)) {
    throw yamlError(doc, ["name"], "dbt_project.yml needs a 'name' made of letters, digits and underscores", "e.g. name: jaffle_shop");
  }
  const paths = (key: string, def: string) => {
    const p = asStringList(v[key]);
    return p.length ? p : [def];
  };
  const dispatch: Record<string, string[]> = {};
  if (Array.isArray(v.dispatch)) {
    v.dispatch.forEach((d, i) => {
      if (!isRecord(d) || typeof d.macro_namespace !== "string") throw yamlError(doc, ["dispatch", i], "dispatch entries need macro_namespace and search_order");
      dispatch[d.macro_namespace] = asStringList(d.search_order);
    });
  }
  return {
    name: v.name,
    profile: typeof v.profile === "string" ? v.profile : v.name,
    modelPaths: paths("model-paths", "models"),
    seedPaths: paths("seed-paths", "seeds"),
    macroPaths: paths("macro-paths", "macros"),
    snapshotPaths: paths("snapshot-paths", "snapshots"),
    testPaths: paths("test-paths", "tests"),
    targetPath: typeof v["target-path"] === "string" ? v["target-path"] : "target",
    packagesInstallPath: typeof v["packages-install-path"] === "string" ? v["packages-install-path"] : "dbt_packages",
    vars: isRecord(v.vars) ? v.vars : {},
    dispatch,
    trees: { models: v.models, seeds: v.seeds, snapshots: v.snapshots, tests: v.data_tests ?? v.tests, sources: v.sources },
    doc,
  };
}
