#!/usr/bin/env node
// `npm run bench [-- <name> ...]`: runs each benchmark in its own Node process through tsx
// (`node --expose-gc --import tsx bench/<name>.bench.ts`), then prints a summary of every
// target. Each benchmark prints its own table and writes bench/results/<name>.json.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
// Issue 2's benchmarks first, then every other `*.bench.ts` here (later issues add their own).
const CORE = ["materialize", "load", "cli-list", "event-log"];
const found = readdirSync(BENCH_DIR)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.slice(0, -".bench.ts".length));
const ALL = [...CORE.filter((n) => found.includes(n)), ...found.filter((n) => !CORE.includes(n)).sort()];
const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const unknown = wanted.filter((w) => !ALL.includes(w));
if (unknown.length > 0) {
  console.error(`Unknown benchmark(s): ${unknown.join(", ")}. Choose from: ${ALL.join(", ")}`);
  process.exit(2);
}
const names = wanted.length > 0 ? wanted : ALL;

const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");
const c = cpus();
console.log(`Strata benchmarks: ${names.join(", ")}`);
console.log(`machine: ${c.length} × ${c[0]?.model.trim() ?? "unknown"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, ${process.platform}-${process.arch}`);
console.log(`load average (1/5/15 min) at start: ${load()}${loadavg()[0] > c.length ? "  (busy machine: timings will be noisy)" : ""}\n`);

let failed = false;
for (const name of names) {
  const started = Date.now();
  const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", join(BENCH_DIR, `${name}.bench.ts`)], {
    stdio: "inherit",
    cwd: dirname(BENCH_DIR),
  });
  if (r.status !== 0) {
    failed = true;
    console.error(`\n${name}: exited with ${r.status ?? r.signal}`);
  }
  console.log(`  (${name}: ${((Date.now() - started) / 1000).toFixed(1)} s wall)\n`);
}

// Summary: every row with a target, from the JSON files just written.
const fmt = (ms, unit) => (unit === "MB" ? `${ms.toFixed(0)} MB` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const rows = [];
for (const name of names) {
  const file = join(BENCH_DIR, "results", `${name}.json`);
  if (!existsSync(file)) continue;
  const result = JSON.parse(readFileSync(file, "utf8"));
  for (const r of result.rows) {
    if (r.targetMs === undefined) continue;
    rows.push([`${name}: ${r.name}`, `≤ ${fmt(r.targetMs, r.unit)}`, fmt(r.medianMs, r.unit), r.medianMs <= r.targetMs ? "PASS" : "MISS"]);
  }
}
if (rows.length > 0) {
  const header = ["target", "budget", "median", "result"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
  console.log("== summary ==");
  console.log([line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n"));
  console.log(`load average at end: ${load()}`);
  const missed = rows.filter((r) => r[3] === "MISS").length;
  console.log(missed === 0 ? "All targets met." : `${missed} target(s) missed.`);
}
process.exit(failed ? 1 : 0);
