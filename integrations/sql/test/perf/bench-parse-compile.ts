/**
 * Measures parse + compile of a generated project (target: 1,000 models in ≤ 2 s). Reports wall
 * time and this process's CPU time (the honest figure on a shared, loaded machine).
 * Run: npx tsx integrations/sql/test/perf/bench-parse-compile.ts [models=1000]
 */
import { performance } from "node:perf_hooks";
import { loadDbtProject } from "../../src/load-project.ts";
import { compileProject } from "../../src/compile.ts";
import { buildManifest } from "../../src/manifest.ts";
import { generateProject } from "./generate-project.ts";

const n = Number(process.argv[2] ?? 1000);
const dir = generateProject(n);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const c0 = cpu();
const t0 = performance.now();
const project = loadDbtProject(dir);
const t1 = performance.now();
const compiled = await compileProject(project);
const t2 = performance.now();
const c2 = cpu();
const manifest = buildManifest(project, compiled);
const t3 = performance.now();
const tests = [...project.nodes.values()].filter((x) => x.resourceType === "test").length;
console.table({
  models: n, tests, sources: project.sources.size, nodes: project.nodes.size,
  "parse (ms)": Math.round(t1 - t0), "compile (ms)": Math.round(t2 - t1), "parse+compile (ms)": Math.round(t2 - t0), "parse+compile CPU (ms)": Math.round(c2 - c0), "manifest (ms)": Math.round(t3 - t2),
  "manifest nodes": Object.keys(manifest.nodes).length,
});
