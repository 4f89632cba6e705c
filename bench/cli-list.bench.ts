/**
 * `strata list` on examples/quickstart, cold: a fresh `node packages/strata/bin/strata.mjs list`
 * process each time (CLI start-up, code-location child loading the project through tsx,
 * snapshot over IPC, instance read, table). Target ≤ 1 s (median). `strata --help` (CLI
 * start-up alone) and `strata check` are measured too, to show where the time goes.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT, row, startResult } from "./lib.ts";

const RUNS = Number(process.env.BENCH_CLI_RUNS ?? 5);
const BIN = join(REPO_ROOT, "packages", "strata", "bin", "strata.mjs");
const PROJECT = join(REPO_ROOT, "examples", "quickstart");

const result = startResult("cli-list", "`strata list` on examples/quickstart, cold process");

function timeCommand(args: string[]): { ms: number; stdout: string } {
  const t0 = performance.now();
  const p = spawnSync(process.execPath, [BIN, ...args], { cwd: PROJECT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } });
  const ms = performance.now() - t0;
  if (p.status !== 0) throw new Error(`strata ${args.join(" ")} exited ${p.status}:\n${p.stderr}`);
  return { ms, stdout: p.stdout };
}

const cases: { name: string; args: string[]; targetMs?: number }[] = [
  { name: "strata list", args: ["list"], targetMs: 1000 },
  { name: "strata check", args: ["check"] },
  { name: "strata --help (start-up only)", args: ["--help"] },
];
for (const c of cases) {
  timeCommand(c.args); // warm the OS file cache once; every measured run is a new process
  const times: number[] = [];
  let stdout = "";
  for (let i = 0; i < RUNS; i++) {
    const r = timeCommand(c.args);
    times.push(r.ms);
    stdout = r.stdout;
  }
  const extra: Record<string, string | number> = {};
  const loaded = /loaded in (\d+) ms/.exec(stdout);
  if (loaded) extra["location load"] = `${loaded[1]} ms`;
  const assets = /(\d+) assets?/.exec(stdout);
  if (assets) extra.assets = Number(assets[1]);
  result.rows.push(row(c.name, times, c.targetMs, extra));
}

result.notes.push(
  `Wall time of \`node packages/strata/bin/strata.mjs <args>\` in examples/quickstart, spawned fresh ${RUNS} times (median, min, max) after one untimed run.`,
  "`location load` is what `strata check` reports for the code-location child (import of the project + validation).",
);
result.finish();
