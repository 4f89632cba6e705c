import pc from "picocolors";
import { AssetGraph, StrataError, parseKeyRange, summarizeKeys, formatKeyRange, type RunStatus } from "@strata/core";
import {
  WorkerPool,
  cancelBackfill,
  createBackfill,
  reconcileBackfill,
  runBackfill,
  finishIfDone,
  type BackfillOutcome,
  type BackfillState,
  type Instance,
} from "@strata/engine";
import type { BackfillChunkStatus, BackfillRecord } from "@strata/storage";
import { queueLoopLive } from "@strata/daemon";
import { loadDefinitions, locationOfTarget, openTargetInstance, resolveTarget, type Target } from "../project-context.ts";
import { EXIT, formatTime, parseTags, table } from "../output.ts";

const STATUS_COLOR: Record<string, (s: string) => string> = {
  COMPLETED: pc.green,
  FAILED: pc.red,
  CANCELED: pc.yellow,
  CANCELING: pc.yellow,
  IN_PROGRESS: pc.blue,
  REQUESTED: pc.dim,
  PAUSED: pc.yellow,
};
const color = (s: string) => (STATUS_COLOR[s] ?? ((x: string) => x))(s);

/** `strata backfill create`: plan, store, then run the backfill in the foreground. */
export async function backfillCreateCommand(o: Record<string, unknown>): Promise<number> {
  const flags = o as { select: string; partitionRange?: string; partitions?: string; all?: boolean; missing?: boolean; failed?: boolean; maxRuns?: string; tag?: string[]; project?: string };
  const chosen = [flags.partitionRange !== undefined, flags.partitions !== undefined, flags.all === true].filter(Boolean).length;
  if (chosen > 1) throw new StrataError("USAGE", "Give one of --partition-range, --partitions or --all");
  if (chosen === 0 && !flags.missing && !flags.failed) {
    throw new StrataError("USAGE", "Say which partitions to backfill", {
      hint: "Use --partition-range A...B, --partitions k1,k2, --all, or --missing / --failed.",
    });
  }
  const maxConcurrentRuns = Number(flags.maxRuns ?? 4);
  const instance = await openTargetInstance(flags.project);
  try {
    // At a workspace root: every location's assets; each run executes in its assets' location.
    const defs = await loadDefinitions(flags.project);
    defs.close();
    const graph = AssetGraph.fromSnapshot(defs.snapshot);
    // Several comma-separated ranges are allowed ("A...B,C...D"); they must not overlap.
    const ranges = flags.partitionRange?.split(",").map((r) => parseKeyRange(r));
    const partitions = ranges
      ? ranges.length === 1
        ? { range: ranges[0]! }
        : { ranges }
      : flags.partitions
        ? { keys: flags.partitions.split(",").map((k) => k.trim()).filter(Boolean) }
        : { all: true as const };
    const started = performance.now();
    const { backfill, chunks } = await createBackfill(instance.storage, graph, {
      selection: flags.select,
      partitions,
      ...(flags.missing ? { onlyMissing: true } : {}),
      ...(flags.failed ? { onlyFailed: true } : {}),
      maxConcurrentRuns,
      tags: parseTags(flags.tag),
    });
    const assetPartitions = chunks.reduce((n, c) => n + c.assetKeys.length * Math.max(1, c.partitionKeys.length), 0);
    process.stdout.write(
      `${pc.bold("Backfill")} ${backfill.backfillId}: ${chunks.length} run${chunks.length === 1 ? "" : "s"} over ${assetPartitions} asset-partitions, at most ${backfill.maxConcurrentRuns} at once ${pc.dim(`(planned in ${Math.round(performance.now() - started)} ms)`)}\n`,
    );
    return await runInForeground(instance, flags.project, graph, backfill);
  } finally {
    await instance.close();
  }
}

/** `strata backfill resume <id>`. */
export async function backfillResumeCommand(id: string, flags: { project?: string }): Promise<number> {
  const instance = await openTargetInstance(flags.project);
  try {
    const backfill = await mustGet(instance, id);
    if (["COMPLETED", "CANCELED", "CANCELING"].includes(backfill.status)) {
      throw new StrataError("USAGE", `Backfill ${id} is ${backfill.status}; there is nothing to resume`, {
        hint: "Start a new one for what is left: strata backfill create --select ... --missing",
      });
    }
    const defs = await loadDefinitions(flags.project);
    defs.close();
    process.stdout.write(`${pc.bold("Resuming")} ${id}\n`);
    return await runInForeground(instance, flags.project, AssetGraph.fromSnapshot(defs.snapshot), backfill);
  } finally {
    await instance.close();
  }
}

async function runInForeground(instance: Instance, dir: string | undefined, graph: AssetGraph, backfill: BackfillRecord): Promise<number> {
  const pool = new LocationPools(instance, resolveTarget(dir), backfill.maxConcurrentRuns, (t) => process.stderr.write(t));
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts === 1) {
      process.stdout.write(pc.yellow("\nPausing: no new runs start; runs in flight finish. Ctrl-C again to leave them running and exit now.\n"));
      controller.abort();
    } else {
      process.stdout.write(pc.yellow(`Left the running runs to finish on their own. Resume with: strata backfill resume ${backfill.backfillId}\n`));
      process.exit(EXIT.canceled);
    }
  };
  process.on("SIGINT", onSigint);
  let last = "";
  let outcome: BackfillOutcome;
  try {
    outcome = await runBackfill({
      storage: instance.storage,
      graph,
      backfillId: backfill.backfillId,
      launcher: pool,
      // A daemon's run queue is live (`strata daemon` or `strata dev` on this instance): the
      // runs wait in it like every other launch, within its limits; this command follows them.
      queued: () => queueLoopLive(instance.storage),
      signal: controller.signal,
      pollMs: 500,
      onProgress: (state) => {
        const line = progressLine(state);
        if (line !== last) process.stdout.write(line + "\n");
        last = line;
      },
    });
  } finally {
    process.off("SIGINT", onSigint);
    pool.close();
  }
  if (outcome === "PAUSED") {
    process.stdout.write(`${color("PAUSED")} — resume with: strata backfill resume ${backfill.backfillId}\n`);
    return EXIT.canceled;
  }
  process.stdout.write(`${color(outcome)} ${pc.dim(`details: strata backfill show ${backfill.backfillId}`)}\n`);
  return outcome === "COMPLETED" ? EXIT.ok : outcome === "CANCELED" ? EXIT.canceled : EXIT.failure;
}

function progressLine(state: BackfillState): string {
  const c = state.counts;
  const total = state.chunks.length;
  const done = c.SUCCESS + c.FAILED + c.SKIPPED + c.CANCELED;
  return `  [${done}/${total}] ${pc.green(`${c.SUCCESS} succeeded`)}${c.FAILED ? pc.red(`, ${c.FAILED} failed`) : ""}${c.SKIPPED ? pc.yellow(`, ${c.SKIPPED} skipped`) : ""}${c.CANCELED ? pc.yellow(`, ${c.CANCELED} canceled`) : ""}, ${c.LAUNCHED} running, ${c.PENDING} waiting`;
}

/** `strata backfill list`. */
export async function backfillListCommand(flags: { json?: boolean; project?: string }): Promise<number> {
  const instance = await openTargetInstance(flags.project);
  try {
    const rows = [];
    for (const b of await instance.storage.listBackfills({ limit: 50 })) {
      const state = await reconcileBackfill(instance.storage, b.backfillId);
      const status = (await finishIfDone(instance.storage, b, state)) ?? b.status;
      rows.push({ ...b, status, counts: state.counts, runs: state.chunks.length });
    }
    if (flags.json) {
      process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
      return 0;
    }
    if (rows.length === 0) {
      process.stdout.write("No backfills yet. Start one with `strata backfill create --select <sel> --partition-range A...B`.\n");
      return 0;
    }
    process.stdout.write(
      table(
        rows.map((b) => [
          b.backfillId,
          color(b.status),
          b.selection,
          describeSelection(b.partitionSelection),
          `${b.counts.SUCCESS}/${b.runs}`,
          formatTime(b.createdAt),
        ]),
        ["BACKFILL", "STATUS", "SELECTION", "PARTITIONS", "RUNS OK", "CREATED"],
      ) + "\n",
    );
    return 0;
  } finally {
    await instance.close();
  }
}

/** `strata backfill show <id>`: status, run counts, and per-asset partition outcomes as ranges. */
export async function backfillShowCommand(id: string, flags: { json?: boolean; project?: string }): Promise<number> {
  const instance = await openTargetInstance(flags.project);
  try {
    const backfill = await mustGet(instance, id);
    const state = await reconcileBackfill(instance.storage, id);
    const status = (await finishIfDone(instance.storage, backfill, state)) ?? backfill.status;
    const perAsset = new Map<string, { keys: string[]; status: Map<string, BackfillChunkStatus> }>();
    for (const c of state.chunks) {
      for (const a of c.assetKeys) {
        const entry = perAsset.get(a) ?? perAsset.set(a, { keys: [], status: new Map() }).get(a)!;
        for (const k of c.partitionKeys) {
          entry.keys.push(k);
          entry.status.set(k, c.status);
        }
      }
    }
    if (flags.json) {
      const assets = Object.fromEntries([...perAsset].map(([a, e]) => [a, summarizeKeys(e.keys, e.status, "PENDING")]));
      process.stdout.write(JSON.stringify({ ...backfill, status, counts: state.counts, assets }, null, 2) + "\n");
      return 0;
    }
    process.stdout.write(`${pc.bold(id)} ${color(status)}  ${backfill.selection}  ${pc.dim(describeSelection(backfill.partitionSelection))}\n`);
    process.stdout.write(`${progressLine(state).trim()}\n`);
    for (const [asset, e] of perAsset) {
      process.stdout.write(`${pc.bold(asset)}\n`);
      for (const r of summarizeKeys(e.keys, e.status, "PENDING")) {
        process.stdout.write(`  ${formatKeyRange(r).padEnd(44)} ${r.status.toLowerCase()} ${pc.dim(`(${r.count})`)}\n`);
      }
    }
    const failed = state.chunks.filter((c) => c.status === "FAILED" && c.runId);
    if (failed.length) process.stdout.write(pc.red(`Failed runs: ${failed.slice(0, 10).map((c) => c.runId).join(", ")}${failed.length > 10 ? " …" : ""}\n`));
    return 0;
  } finally {
    await instance.close();
  }
}

/** `strata backfill cancel <id>`. */
export async function backfillCancelCommand(id: string, flags: { project?: string }): Promise<number> {
  const instance = await openTargetInstance(flags.project);
  try {
    const backfill = await mustGet(instance, id);
    if (["COMPLETED", "CANCELED"].includes(backfill.status)) {
      throw new StrataError("USAGE", `Backfill ${id} already ended (${backfill.status})`);
    }
    const status = await cancelBackfill(instance.storage, id);
    process.stdout.write(
      status === "CANCELED"
        ? `Backfill ${id} ${color("CANCELED")}.\n`
        : `Backfill ${id} is ${color("CANCELING")}: running runs were asked to stop; it ends CANCELED when they have.\n`,
    );
    return 0;
  } finally {
    await instance.close();
  }
}

async function mustGet(instance: Instance, id: string): Promise<BackfillRecord> {
  const b = await instance.storage.getBackfill(id);
  if (!b) throw new StrataError("USAGE", `No backfill ${id}`, { hint: "List them with `strata backfill list`." });
  return b;
}

function describeSelection(p: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof p.range === "string") parts.push(p.range);
  if (Array.isArray(p.keys)) parts.push(p.keys.length > 3 ? `${p.keys.slice(0, 3).join(",")}… (${p.keys.length})` : p.keys.join(","));
  if (p.all) parts.push("all");
  if (p.missing) parts.push("missing");
  if (p.failed) parts.push("failed");
  return parts.join(" ");
}


/**
 * Worker pools for a backfill's runs: the project's, or in a workspace one per code location,
 * each run executing in its own location's processes (the planner never mixes locations in a
 * run). Pools start on first use.
 */
class LocationPools {
  readonly #pools = new Map<string, WorkerPool>();

  constructor(
    private readonly instance: Instance,
    private readonly target: Target,
    private readonly size: number,
    private readonly onOutput: (t: string) => void,
  ) {}

  async run(runId: string): Promise<RunStatus> {
    return this.#poolFor((await this.instance.storage.getRun(runId))?.location).run(runId);
  }

  #poolFor(location: string | undefined): WorkerPool {
    const name = this.target.kind === "project" ? "" : (location ?? "");
    let pool = this.#pools.get(name);
    if (!pool) {
      const { project, env } = locationOfTarget(this.target, location, "the backfill's run");
      this.#pools.set(name, (pool = new WorkerPool(project, this.instance.dir, this.size, this.onOutput, env)));
    }
    return pool;
  }

  close(): void {
    for (const p of this.#pools.values()) p.close();
  }
}
