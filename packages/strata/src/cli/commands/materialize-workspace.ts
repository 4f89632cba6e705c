import pc from "picocolors";
import { AssetGraph, parseKeyRange, selectAssets, StrataError } from "@strata/core";
import { instanceDirFor, openInstance, partsDownstreamOf, planAcrossLocations } from "@strata/engine";
import type { Workspace } from "@strata/components";
import { loadWorkspace, reportLocationError } from "../project-context.ts";
import { EXIT } from "../output.ts";
import type { MaterializeFlags } from "./materialize.ts";
import { runInLocation } from "./run-in-location.ts";

/**
 * `strata materialize` in a workspace: the selection is evaluated over every loaded location,
 * then each location's part runs in its own process, one run per location, locations in
 * dependency order. A location whose run fails stops only the locations with assets
 * downstream of its part; independent ones still run. Locations that failed to load are
 * reported and left out.
 */
export async function materializeWorkspace(workspace: Workspace, flags: MaterializeFlags, tags: Record<string, string>): Promise<number> {
  let output: (t: string) => void = (t) => process.stderr.write(t);
  const ws = await loadWorkspace(workspace, (t) => output(t));
  const instance = await openInstance(instanceDirFor(workspace.root));
  try {
    for (const l of ws.locations) if (l.error) reportLocationError(l.name, l.error);
    const graph = AssetGraph.fromSnapshot(ws.snapshot);
    const keys = flags.select ? selectAssets(flags.select, graph) : new Set(graph.keys());
    if (keys.size === 0) {
      throw new StrataError("SELECTION_EMPTY", flags.select ? `The selection "${flags.select}" matches no assets` : "The workspace defines no assets", {
        hint: "Run `strata list` to see the asset keys, groups and tags you can select.",
      });
    }
    const parts = planAcrossLocations(ws.snapshot, keys);
    if (parts.length > 1) {
      process.stdout.write(pc.dim(`${parts.length} code locations, one run each, in order: ${parts.map((p) => p.location).join(" → ")}\n`));
    }
    const skipped = new Map<string, string>();
    let worst: number = EXIT.ok;
    for (const [i, part] of parts.entries()) {
      const blockedBy = skipped.get(part.location);
      if (blockedBy !== undefined) {
        process.stdout.write(pc.yellow(`Not run: ${part.location} (upstream location ${blockedBy} failed)\n`));
        continue;
      }
      const handle = ws.handles.get(part.location)!;
      if (parts.length > 1) process.stdout.write(`${pc.bold(part.location)}\n`);
      const code = await runInLocation(
        instance,
        handle,
        {
          assetKeys: part.keys,
          ...(flags.select ? { selection: flags.select } : {}),
          tags: { ...tags, ...(parts.length > 1 ? { "strata/workspace_part": `${i + 1}/${parts.length}` } : {}) },
          ...(flags.partition !== undefined ? { partitionKey: flags.partition } : {}),
          ...(flags.partitionRange !== undefined ? { partitionRange: parseKeyRange(flags.partitionRange) } : {}),
        },
        (fn) => (output = fn),
      );
      if (code === EXIT.ok) continue;
      if (worst === EXIT.ok) worst = code;
      // Interrupted by the user: nothing more runs.
      if (code === EXIT.canceled) {
        const rest = parts.slice(i + 1).map((p) => p.location);
        if (rest.length) process.stdout.write(pc.yellow(`Not run (canceled): ${rest.join(", ")}\n`));
        return code;
      }
      for (const l of partsDownstreamOf(graph, parts, part.location)) if (!skipped.has(l)) skipped.set(l, part.location);
    }
    if (worst !== EXIT.ok) return worst;
    return ws.locations.some((l) => l.error) ? EXIT.failure : EXIT.ok;
  } finally {
    ws.close();
    await instance.close();
  }
}
