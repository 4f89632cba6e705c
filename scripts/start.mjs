#!/usr/bin/env node
// `npm start`: materialise the main example platform on the embedded default (SQLite, no
// servers) and say where its history is. Later issues replace this with `strata dev`.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const root = fileURLToPath(new URL("..", import.meta.url));
const example = join(root, "examples", "quickstart");
const cli = join(root, "packages", "strata", "bin", "strata.mjs");

const run = (...args) => spawnSync(process.execPath, [cli, ...args], { cwd: example, stdio: "inherit" });
const result = run("materialize", "--select", "*");
if (result.status !== 0) process.exit(result.status ?? 1);
console.log(`
The example's history is in ${join(example, ".strata")} (SQLite: strata.db; stored outputs: storage/).
Look around:
  cd examples/quickstart
  npx strata list
  npx strata runs
  npx strata logs <run-id>
`);
