import pc from "picocolors";
import {
  AssetGraph,
  StrataError,
  assertDynamicPartitionsName,
  closest,
  describePartitions,
  formatKeyRange,
  type PartitionDisplayStatus,
} from "@strata/core";
import { loadDynamicPartitions, readPartitionStatus } from "@strata/engine";
import { loadDefinitions, openTargetInstance } from "../project-context.ts";

const COLOR: Record<PartitionDisplayStatus, (s: string) => string> = {
  materialized: pc.green,
  stale: pc.yellow,
  failed: pc.red,
  in_progress: pc.blue,
  missing: pc.dim,
};

/** `strata partitions <asset>`: a compact status summary from the partition index. */
export async function partitionsCommand(assetKey: string, flags: { json?: boolean; project?: string }): Promise<number> {
  // At a workspace root: every location's assets (staleness may come from another location's upstream).
  const defs = await loadDefinitions(flags.project);
  defs.close();
  const graph = AssetGraph.fromSnapshot(defs.snapshot);
  if (!graph.has(assetKey)) {
    const near = closest(assetKey, graph.keys());
    throw new StrataError("USAGE", `Unknown asset "${assetKey}"`, { hint: near ? `Did you mean "${near}"?` : "See `strata list`." });
  }
  const def = graph.partitionsOf(assetKey);
  if (!def) throw new StrataError("USAGE", `"${assetKey}" is not partitioned`, { hint: "Its history is in `strata runs` and `strata list`." });
  const instance = await openTargetInstance(flags.project);
  try {
    const started = performance.now();
    const ctx = { now: Date.now(), dynamic: await loadDynamicPartitions(instance.storage, graph) };
    const summary = await readPartitionStatus(instance.storage, graph, assetKey, ctx);
    const ms = performance.now() - started;
    if (flags.json) {
      process.stdout.write(JSON.stringify({ ...summary, partitions: describePartitions(def, ctx) }, null, 2) + "\n");
      return 0;
    }
    process.stdout.write(`${pc.bold(assetKey)} ${pc.dim(describePartitions(def, ctx))}\n`);
    for (const r of summary.ranges) {
      process.stdout.write(`  ${formatKeyRange(r).padEnd(44)} ${COLOR[r.status](r.status)} ${pc.dim(`(${r.count})`)}\n`);
    }
    const c = summary.counts;
    process.stdout.write(
      `${summary.total} partitions: ${pc.green(`${c.materialized} materialized`)}, ${pc.yellow(`${c.stale} stale`)}, ${pc.red(`${c.failed} failed`)}, ${pc.blue(`${c.in_progress} in progress`)}, ${c.missing} missing ${pc.dim(`(${Math.round(ms)} ms)`)}\n`,
    );
    return 0;
  } finally {
    await instance.close();
  }
}

/** `strata dynamic-partitions add|remove|list`. */
export async function dynamicCommand(action: "add" | "remove" | "list", name: string | undefined, keys: string[], flags: { project?: string }): Promise<number> {
  if (name !== undefined) {
    // A name no asset declares is a typo: refuse it rather than create a set nothing reads.
    const defs = await loadDefinitions(flags.project);
    defs.close();
    const graph = AssetGraph.fromSnapshot(defs.snapshot);
    assertDynamicPartitionsName(name, [...graph.assets()].map((a) => graph.partitionsOf(a.key)));
  }
  const instance = await openTargetInstance(flags.project);
  try {
    if (action === "list") {
      if (!name) {
        const sets = await instance.storage.listDynamicPartitionSets();
        if (sets.length === 0) process.stdout.write("No dynamic partition sets yet. Add keys with `strata dynamic-partitions add <name> <keys...>`.\n");
        for (const s of sets) process.stdout.write(`${s.name}  ${pc.dim(`${s.count} keys`)}\n`);
      } else {
        for (const k of await instance.storage.getDynamicPartitions(name)) process.stdout.write(k + "\n");
      }
      return 0;
    }
    const n = action === "add" ? await instance.storage.addDynamicPartitions(name!, keys) : await instance.storage.deleteDynamicPartitions(name!, keys);
    process.stdout.write(`${action === "add" ? "Added" : "Removed"} ${n} key${n === 1 ? "" : "s"} ${action === "add" ? "to" : "from"} "${name}".\n`);
    return 0;
  } finally {
    await instance.close();
  }
}
