import { AssetGraph, StrataError, parseKeyRange } from "@strata/core";
import { reexecutionRequest, startLocation } from "@strata/engine";
import { loadLocation, locationOfTarget, openProjectInstance, openTargetInstance, resolveTarget } from "../project-context.ts";
import { parseTags } from "../output.ts";
import { runInLocation } from "./run-in-location.ts";

export interface MaterializeFlags {
  select?: string;
  tag?: string[];
  partition?: string;
  partitionRange?: string;
  project?: string;
}

/** `strata materialize --select <sel>`: plan, record and run the selection. */
export async function materializeCommand(flags: MaterializeFlags): Promise<number> {
  const tags = parseTags(flags.tag);
  const target = resolveTarget(flags.project);
  if (target.kind === "workspace") return (await import("./materialize-workspace.ts")).materializeWorkspace(target.workspace, flags, tags);
  const project = target.project;
  const instance = await openProjectInstance(project);
  let output: (t: string) => void = (t) => process.stderr.write(t);
  const location = await loadLocation(project, (t) => output(t));
  try {
    return await runInLocation(
      instance,
      location,
      {
        ...(flags.select ? { selection: flags.select } : {}),
        tags,
        ...(flags.partition !== undefined ? { partitionKey: flags.partition } : {}),
        ...(flags.partitionRange !== undefined ? { partitionRange: parseKeyRange(flags.partitionRange) } : {}),
      },
      (fn) => (output = fn),
    );
  } finally {
    location.close();
    await instance.close();
  }
}

/** `strata reexecute <run-id> [--from-failure]`. */
export async function reexecuteCommand(runId: string, flags: { fromFailure?: boolean; project?: string }): Promise<number> {
  const instance = await openTargetInstance(flags.project);
  try {
    const parent = await instance.storage.getRun(runId);
    if (!parent) {
      throw new StrataError("RUN_NOT_FOUND", `No run ${runId} in ${instance.dir}`, { hint: "List runs with `strata runs`." });
    }
    // At a workspace root: the location the run executed in runs it again.
    const { project, env } = locationOfTarget(resolveTarget(flags.project), parent.location, `run ${parent.runId} again`);
    let output: (t: string) => void = (t) => process.stderr.write(t);
    const location = await startLocation(project, { instanceDir: instance.dir, onOutput: (t) => output(t), ...(env ? { env } : {}) });
    try {
      const graph = AssetGraph.fromSnapshot(location.snapshot);
      const request = flags.fromFailure
        ? await reexecutionRequest(instance.storage, graph, parent)
        : {
            assetKeys: parent.assetKeys.filter((k) => graph.has(k)),
            tags: { ...parent.tags, "strata/parent_run_id": parent.runId },
            parentRunId: parent.runId,
            rootRunId: parent.rootRunId ?? parent.runId,
            selection: `re-execution of ${parent.runId}`,
          };
      return await runInLocation(instance, location, request, (fn) => (output = fn));
    } finally {
      location.close();
    }
  } finally {
    await instance.close();
  }
}
