import pc from "picocolors";
import { AssetGraph, type ConditionEvaluation } from "@strata/core";
import { previewAutomation, type DaemonContext } from "@strata/daemon";
import { loadDefinitions, openTargetInstance } from "../project-context.ts";

/** `strata automation preview`: what the next tick would request, and why, without launching. */
export async function automationPreviewCommand(flags: { project?: string; json?: boolean; all?: boolean }): Promise<number> {
  const instance = await openTargetInstance(flags.project);
  // At a workspace root: one evaluation over every location's assets (conditions may cross them).
  const defs = await loadDefinitions(flags.project).catch(async (err: unknown) => {
    await instance.close();
    throw err;
  });
  try {
    const graph = AssetGraph.fromSnapshot(defs.snapshot);
    const ctx = {
      storage: instance.storage,
      location: { snapshot: defs.snapshot, graph },
      now: () => Date.now(),
    } as unknown as DaemonContext;
    const result = await previewAutomation(ctx);
    if (flags.json) {
      process.stdout.write(JSON.stringify({ requests: result.requests, evaluations: result.evaluations }, null, 2) + "\n");
      return 0;
    }
    if (result.evaluations.length === 0) {
      process.stdout.write("No asset has an automation condition.\n");
      return 0;
    }
    process.stdout.write(pc.bold(`Next automation tick would request ${result.requests.length} run(s)`) + pc.dim(" (preview: nothing launched)") + "\n");
    for (const r of result.requests) {
      const parts = r.partitionRange ? ` partitions ${r.partitionRange.start}...${r.partitionRange.end}` : r.partitionKeys ? ` partitions ${r.partitionKeys.slice(0, 5).join(", ")}${r.partitionKeys.length > 5 ? ", ..." : ""}` : "";
      process.stdout.write(`  run: ${r.assetKeys.join(", ")}${parts}\n`);
    }
    process.stdout.write("\n");
    for (const e of result.evaluations) {
      if (!flags.all && e.requestedCount === 0 && result.evaluations.length > 20) continue;
      const head = e.requestedCount > 0 ? pc.green(`requested (${e.requestedCount})`) : pc.dim("not requested");
      process.stdout.write(`${pc.bold(e.assetKey)}: ${head}${e.initial ? pc.dim(" [first evaluation]") : ""}${e.error ? pc.red(` error: ${e.error.message}`) : ""}\n`);
      printTree(e.tree, "  ");
    }
    return 0;
  } finally {
    defs.close();
    await instance.close();
  }
}

function printTree(n: ConditionEvaluation, indent: string): void {
  const mark = n.skipped ? pc.dim("·") : n.value ? pc.green("✔") : pc.red("✘");
  const counts = n.candidates > 1 ? pc.dim(` ${n.trueCount}/${n.candidates} partitions`) : "";
  const on = n.assetKey ? pc.dim(` on ${n.assetKey}`) : "";
  process.stdout.write(`${indent}${mark} ${n.label ?? n.type}${on}${counts}${n.skipped ? pc.dim(" (not evaluated)") : ""}\n`);
  for (const c of n.children) printTree(c, indent + "  ");
}
