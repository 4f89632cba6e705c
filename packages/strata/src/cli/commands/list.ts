import pc from "picocolors";
import { AssetGraph, formatCodeRef, selectAssets } from "@strata/core";
import { instanceDirFor } from "@strata/engine";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { openSqliteStorage } from "@strata/storage";
import { loadLocation, resolveProject } from "../project-context.ts";
import { formatTime, table } from "../output.ts";

/** `strata list [--select] [--json]`: the assets of the project, from its snapshot. */
export async function listCommand(flags: { select?: string; json?: boolean; project?: string }): Promise<number> {
  const project = resolveProject(flags.project);
  const location = await loadLocation(project);
  location.close();
  const snapshot = location.snapshot;
  const graph = AssetGraph.fromSnapshot(snapshot);
  const keys = flags.select ? selectAssets(flags.select, graph) : new Set(graph.keys());
  const assets = snapshot.assets.filter((a) => keys.has(a.key));

  const lastByKey = new Map<string, number>();
  const dbPath = join(instanceDirFor(project.root), "strata.db");
  if (existsSync(dbPath)) {
    const storage = await openSqliteStorage(dbPath);
    try {
      for (const r of await storage.getAssetRecords([...keys])) {
        if (r.lastMaterialization) lastByKey.set(r.assetKey, r.lastMaterialization.timestamp);
      }
    } finally {
      await storage.close();
    }
  }

  if (flags.json) {
    const checks = snapshot.checks.filter((c) => keys.has(c.asset));
    const out = {
      location: snapshot.location,
      assets: assets.map((a) => ({
        ...a,
        codeRef: a.codeRef ? { ...a.codeRef, file: formatCodeRef(a.codeRef, project.root)!.replace(/:\d+$/, "") } : undefined,
        lastMaterializedAt: lastByKey.get(a.key) ?? null,
      })),
      checks,
      resources: snapshot.resources,
    };
    process.stdout.write(JSON.stringify(out, null, 2) + "\n");
    return 0;
  }
  if (assets.length === 0) {
    process.stdout.write(flags.select ? `No assets match "${flags.select}".\n` : "The project defines no assets.\n");
    return 0;
  }
  const rows = assets.map((a) => [
    pc.bold(a.key),
    a.group,
    a.kinds.join(",") || "-",
    a.deps.map((d) => d.key).join(", ") || pc.dim("-"),
    String(a.checks.length || "-"),
    lastByKey.has(a.key) ? formatTime(lastByKey.get(a.key)) : pc.dim("never"),
    pc.dim(formatCodeRef(a.codeRef, project.root) ?? ""),
  ]);
  process.stdout.write(table(rows, ["ASSET", "GROUP", "KINDS", "DEPS", "CHECKS", "LAST MATERIALIZED", "DEFINED AT"]) + "\n");
  process.stdout.write(pc.dim(`${assets.length} asset${assets.length === 1 ? "" : "s"} in ${snapshot.location}\n`));
  return 0;
}

/** `strata check`: load and validate the definitions. */
export async function checkCommand(flags: { project?: string }): Promise<number> {
  const project = resolveProject(flags.project);
  const location = await loadLocation(project);
  location.close();
  const s = location.snapshot;
  process.stdout.write(
    `${pc.green("✓")} ${s.location}: ${s.assets.length} assets, ${s.checks.length} checks, ${s.resources.length} resources ` +
      pc.dim(`(${project.entry.slice(project.root.length + 1)}, loaded in ${Math.round(location.loadMs)} ms)`) + "\n",
  );
  return 0;
}
