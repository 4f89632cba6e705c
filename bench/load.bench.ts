/**
 * Load + validate + snapshot 10,000 assets (chain and fan): define the assets with `asset()`,
 * `defineDefinitions`, `buildSnapshot` (validation: duplicates, unknown deps, resources,
 * cycles), `AssetGraph.fromSnapshot` and `toposort`. Target ≤ 1 s each.
 * Also: the same graph as a generated TypeScript project imported through tsx (what a
 * code-location process does), one 10,000-statement module, and a 100,000-deep chain (no
 * recursion limit). Reference: Dagster 2.1 s (fan), 168 s (chain of 10,000, recursion limit raised).
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { AssetGraph, buildSnapshot, defineDefinitions, isDefinitions, type AssetsDefinition, type Definitions } from "@strata/core";
import { assetsProjectSources, makeAssets, type Shape } from "./graphs.ts";
import { BENCH_DIR, gc, measure, row, startResult } from "./lib.ts";

const N = Number(process.env.BENCH_LOAD_N ?? 10_000);
const DEEP = Number(process.env.BENCH_DEEP_N ?? 100_000);
const FILES = Number(process.env.BENCH_LOAD_FILES ?? 100);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TARGET_MS = 1000;
const DAGSTER: Record<Shape, string> = { chain: "168 s", fan: "2.1 s" };
const REF = "Dagster (fan / chain)";

const result = startResult("load", `load + validate + snapshot ${N.toLocaleString("en-US")} assets`);

/** Everything after the assets exist: definitions → validated snapshot → graph → topological order. */
function snapshotAndSort(assets: readonly AssetsDefinition[] | Definitions) {
  const defs = isDefinitions(assets) ? assets : defineDefinitions({ assets });
  const snapshot = buildSnapshot(defs, { location: "bench", root: process.cwd() });
  const order = AssetGraph.fromSnapshot(snapshot).toposort();
  if (order.length !== snapshot.assets.length) throw new Error("toposort lost assets");
  return order.length;
}

// 1. In-process: asset() × N + defineDefinitions + buildSnapshot + fromSnapshot + toposort.
for (const shape of ["chain", "fan"] as Shape[]) {
  const times = await measure(() => snapshotAndSort(makeAssets(shape, N)), { runs: RUNS, between: gc });
  result.rows.push(row(`in-process ${shape}`, times, TARGET_MS, { assets: N, [REF]: DAGSTER[shape] }));
}

// 2. Generated TypeScript, imported through tsx as a code location does (transform + evaluate +
// validate). Every repetition writes a fresh copy, so nothing comes from the module cache.
const tmp = join(BENCH_DIR, "results", "generated");
rmSync(tmp, { recursive: true, force: true });
let copy = 0;
async function importProject(files: Map<string, string>): Promise<number> {
  const dir = join(tmp, String(copy++));
  mkdirSync(dir, { recursive: true });
  for (const [name, source] of files) writeFileSync(join(dir, name), source);
  const mod = (await import(pathToFileURL(join(dir, "index.ts")).href)) as { default: Definitions };
  return snapshotAndSort(mod.default);
}
for (const shape of ["chain", "fan"] as Shape[]) {
  const files = assetsProjectSources(shape, N, FILES, "@strata/core");
  const times = await measure(() => importProject(files), { runs: RUNS, between: gc });
  result.rows.push(row(`${FILES} .ts modules ${shape} (tsx import)`, times, TARGET_MS, { assets: N, [REF]: DAGSTER[shape] }));
}
// One module holding all N statements at top level: V8 finds a call's line by scanning the
// calling function's position table, so asset()'s file:line capture is O(statements) here.
for (const shape of ["chain", "fan"] as Shape[]) {
  const files = assetsProjectSources(shape, N, 1, "@strata/core");
  const times = await measure(() => importProject(files), { runs: 1, warmup: false, between: gc });
  result.rows.push(row(`1 .ts module ${shape} (tsx import)`, times, undefined, { assets: N, [REF]: DAGSTER[shape] }));
}
rmSync(tmp, { recursive: true, force: true });

// 3. Depth: a 100,000-deep chain loads, validates and sorts without a stack overflow.
{
  const times = await measure(() => snapshotAndSort(makeAssets("chain", DEEP)), { runs: 3, warmup: false, between: gc });
  result.rows.push(row(`in-process chain of ${DEEP.toLocaleString("en-US")}`, times, undefined, { assets: DEEP, [REF]: "crashes" }));
}

result.notes.push(
  "in-process: asset() per asset (captures file:line), defineDefinitions, buildSnapshot (duplicate keys, unknown deps, resources, cycle check), AssetGraph.fromSnapshot, toposort.",
  `${FILES} .ts modules: the graph written as a project (${Math.ceil(N / FILES)} asset() calls per module + index.ts), imported through tsx (transform + evaluate), then the same validation.`,
  "1 .ts module: all asset() calls at one module's top level (1 cold run): V8 resolves each call's line by scanning that function's position table, so this layout is quadratic. Informational.",
  `Median of ${RUNS} after one warm-up; the deep chain is 3 cold runs.`,
);
result.finish();
