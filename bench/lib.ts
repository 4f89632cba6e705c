/**
 * Shared helpers of the benchmark suite: timing, medians, machine info, tables and results.
 * Each `*.bench.ts` file is a standalone script (`node --import tsx bench/x.bench.ts`) that
 * prints its table and writes `bench/results/<name>.json`; `bench/run.mjs` runs them all.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = dirname(BENCH_DIR);

/** One measured case: what it measures, its target (if any) and the figures. */
export interface BenchRow {
  name: string;
  /** Target in milliseconds (lower is better); omitted for informational rows. */
  targetMs?: number;
  /** Median duration in milliseconds. */
  medianMs: number;
  minMs: number;
  maxMs: number;
  runs: number;
  /** Extra columns (events written, events/s, reference figures...). */
  extra?: Record<string, string | number>;
  /** What target/median/min/max measure when not milliseconds (e.g. "MB" for memory rows). */
  unit?: "MB";
}

export interface BenchResult {
  name: string;
  title: string;
  machine: MachineInfo;
  startedAt: string;
  rows: BenchRow[];
  notes: string[];
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memGiB: number;
  node: string;
  platform: string;
  /** 1, 5 and 15 minute load averages when the benchmark started. */
  loadAtStart: number[];
  loadAtEnd?: number[];
}

export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    cpus: c.length,
    cpuModel: c[0]?.model.trim() ?? "unknown",
    memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Runs `fn` once to warm up (unless `warmup: false`), then `runs` times; returns the durations. */
export async function measure(
  fn: () => Promise<unknown> | unknown,
  options: { runs: number; warmup?: boolean; between?: () => Promise<unknown> | unknown },
): Promise<number[]> {
  if (options.warmup ?? true) {
    await fn();
    await options.between?.();
  }
  const times: number[] = [];
  for (let i = 0; i < options.runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
    await options.between?.();
  }
  return times;
}

export function row(name: string, times: readonly number[], targetMs?: number, extra?: BenchRow["extra"]): BenchRow {
  return {
    name,
    ...(targetMs !== undefined ? { targetMs } : {}),
    medianMs: median(times),
    minMs: Math.min(...times),
    maxMs: Math.max(...times),
    runs: times.length,
    ...(extra ? { extra } : {}),
  };
}

export const fmtMs = (ms: number): string => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 0)} ms`);
/** A row's value in its unit: milliseconds by default, megabytes for memory rows. */
export const fmtValue = (r: Pick<BenchRow, "unit">, v: number): string => (r.unit === "MB" ? `${v.toFixed(0)} MB` : fmtMs(v));
export const fmtInt = (n: number): string => Math.round(n).toLocaleString("en-US");

export function verdict(r: BenchRow): string {
  if (r.targetMs === undefined) return "info";
  return r.medianMs <= r.targetMs ? "PASS" : "MISS";
}

/** A plain-text table (no colours, so it pastes into notes). */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export function formatResult(result: BenchResult): string {
  const extraCols = [...new Set(result.rows.flatMap((r) => Object.keys(r.extra ?? {})))];
  const header = ["case", "target", "median", "min", "max", "runs", ...extraCols, "result"];
  const rows = result.rows.map((r) => [
    r.name,
    r.targetMs === undefined ? "-" : `≤ ${fmtValue(r, r.targetMs)}`,
    fmtValue(r, r.medianMs),
    fmtValue(r, r.minMs),
    fmtValue(r, r.maxMs),
    String(r.runs),
    ...extraCols.map((c) => {
      const v = r.extra?.[c];
      return v === undefined ? "" : typeof v === "number" ? fmtInt(v) : v;
    }),
    verdict(r),
  ]);
  const m = result.machine;
  return [
    `== ${result.title} ==`,
    `machine: ${m.cpus} × ${m.cpuModel}, ${m.memGiB} GiB, node ${m.node} (${m.platform}); load ${m.loadAtStart.join(" ")} → ${(m.loadAtEnd ?? []).join(" ")}`,
    textTable(header, rows),
    ...result.notes.map((n) => `  note: ${n}`),
  ].join("\n");
}

/** Starts a result; `finish` stamps the end load, prints the table and writes the JSON file. */
export function startResult(name: string, title: string): BenchResult & { finish(): void } {
  const result: BenchResult = { name, title, machine: machineInfo(), startedAt: new Date().toISOString(), rows: [], notes: [] };
  return Object.assign(result, {
    finish() {
      result.machine.loadAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);
      const out = join(BENCH_DIR, "results", `${name}.json`);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, JSON.stringify({ ...result, finish: undefined }, null, 2) + "\n");
      process.stdout.write(formatResult(result) + "\n");
      process.stdout.write(`  (results: ${out.slice(REPO_ROOT.length + 1)})\n`);
    },
  });
}

/** Lets the GC run between measurements when node runs with --expose-gc. */
export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** One process of a tree, with its resident memory (VmRSS). */
export interface ProcessRss {
  pid: number;
  /** The first arguments of its command line (trimmed), to tell the processes apart. */
  name: string;
  /** Its whole command line. */
  command: string;
  rssMb: number;
}

/** `root` and all its descendants with their VmRSS, read from /proc (Linux). */
export function processTreeRss(root: number): ProcessRss[] {
  const procs = new Map<number, { ppid: number; name: string; command: string; rssKb: number }>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/status`, "utf8");
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(st)?.[1]);
      const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(st)?.[1] ?? 0);
      const args = readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0").filter(Boolean);
      procs.set(Number(d), { ppid, name: args.slice(1, 4).join(" ").slice(-70), command: args.join(" "), rssKb });
    } catch {
      // The process ended while we read it.
    }
  }
  const out: ProcessRss[] = [];
  const visit = (pid: number) => {
    const p = procs.get(pid);
    if (p) out.push({ pid, name: p.name, command: p.command, rssMb: p.rssKb / 1024 });
    for (const [c, q] of procs) if (q.ppid === pid) visit(c);
  };
  visit(root);
  return out;
}
