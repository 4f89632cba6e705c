import pc from "picocolors";
import { AssetGraph, formatCodeRef, selectAssets } from "@strata/core";
import { instanceDirFor } from "@strata/engine";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { gitFileUrl, readGitInfo } from "@strata/components";
import type { AssetNodeSnapshot, CodeRef, DefinitionsSnapshot } from "@strata/core";
import { loadLocation, loadWorkspace, resolveTarget, type LoadedWorkspace } from "../project-context.ts";
import { formatTime, printError, table } from "../output.ts";

/** `strata list [--select] [--json]`: the assets of the project, from its snapshot. */
export async function listCommand(flags: { select?: string; json?: boolean; project?: string }): Promise<number> {
  const target = resolveTarget(flags.project);
  if (target.kind === "workspace") return listWorkspace(await loadWorkspace(target.workspace), flags);
  const project = target.project;
  const loading = loadLocation(project);
  // While the code-location child loads the project, load the storage layer (~30 more files
  // through tsx), which is only needed when the instance exists.
  const dbPath = join(instanceDirFor(project.root), "strata.db");
  const storageModule = existsSync(dbPath) ? import("@strata/storage") : undefined;
  storageModule?.catch(() => undefined); // awaited below; not an unhandled rejection if loading fails
  const location = await loading;
  location.close();
  const snapshot = location.snapshot;
  const graph = AssetGraph.fromSnapshot(snapshot);
  const keys = flags.select ? selectAssets(flags.select, graph) : new Set(graph.keys());
  const assets = snapshot.assets.filter((a) => keys.has(a.key));

  const lastByKey = new Map<string, number>();
  if (storageModule) {
    const storage = await (await storageModule).openSqliteStorage(dbPath);
    try {
      for (const r of await storage.getAssetRecords([...keys])) {
        if (r.lastMaterialization) lastByKey.set(r.assetKey, r.lastMaterialization.timestamp);
      }
    } finally {
      await storage.close();
    }
  }

  if (flags.json) {
    const git = readGitInfo(project.root);
    const checks = snapshot.checks.filter((c) => keys.has(c.asset));
    const out = {
      location: snapshot.location,
      assets: assets.map((a) => ({
        ...a,
        codeRef: jsonCodeRef(a.codeRef, project.root, git),
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

/** `strata check` / `strata check defs`: load and validate the definitions (every location of a workspace). */
export async function checkCommand(flags: { project?: string }): Promise<number> {
  const target = resolveTarget(flags.project);
  if (target.kind === "workspace") {
    const ws = await loadWorkspace(target.workspace);
    ws.close();
    let failed = 0;
    for (const l of ws.locations) {
      if (l.error) {
        failed++;
        process.stdout.write(`${pc.red("✗")} ${l.name} ${pc.dim(`(${rel(ws.workspace.root, l.root)})`)}\n`);
        printError(l.error, process.stdout);
      } else {
        const s = l.snapshot!;
        process.stdout.write(`${pc.green("✓")} ${l.name}: ${s.assets.length} assets, ${s.checks.length} checks, ${s.resources.length} resources ${pc.dim(`(${rel(ws.workspace.root, l.root)})`)}\n`);
      }
    }
    const ok = ws.locations.length - failed;
    process.stdout.write(pc.dim(`${ok} of ${ws.locations.length} code locations loaded; ${ws.snapshot.assets.length} assets in the workspace\n`));
    return failed ? 1 : 0;
  }
  const project = target.project;
  const location = await loadLocation(project);
  location.close();
  const s = location.snapshot;
  const source = [project.entry !== project.defsDir ? project.entry : undefined, project.defsDir].filter(Boolean).map((f) => f!.slice(project.root.length + 1));
  process.stdout.write(
    `${pc.green("✓")} ${s.location}: ${s.assets.length} assets, ${s.checks.length} checks, ${s.resources.length} resources ` +
      pc.dim(`(${source.join(" + ")}, loaded in ${Math.round(location.loadMs)} ms)`) + "\n",
  );
  return 0;
}

const rel = (root: string, p: string) => (p.startsWith(root + "/") ? p.slice(root.length + 1) : p);

/** A code ref for JSON output: file relative to the root, and the file's URL on the git host when known. */
function jsonCodeRef(ref: CodeRef | undefined, root: string, git: ReturnType<typeof readGitInfo>): (CodeRef & { url?: string }) | undefined {
  if (!ref) return undefined;
  const url = git ? gitFileUrl(git, ref.file, ref.line) : undefined;
  return { ...ref, file: formatCodeRef(ref, root)!.replace(/:\d+$/, ""), ...(url ? { url } : {}) };
}

/** `strata list` in a workspace: every loaded location's assets; failed locations' errors on stderr. */
async function listWorkspace(ws: LoadedWorkspace, flags: { select?: string; json?: boolean }): Promise<number> {
  ws.close();
  const root = ws.workspace.root;
  const graph = AssetGraph.fromSnapshot(ws.snapshot);
  const keys = flags.select ? selectAssets(flags.select, graph) : new Set(graph.keys());
  const assets = ws.snapshot.assets.filter((a) => keys.has(a.key));
  const failed = ws.locations.filter((l) => l.error);
  if (flags.json) {
    const git = readGitInfo(root);
    const out = {
      workspace: root,
      locations: ws.locations.map((l) => ({
        name: l.name,
        root: rel(root, l.root),
        status: l.error ? "error" : "loaded",
        ...(l.error ? { error: serializeForJson(l.error) } : {}),
      })),
      assets: assets.map((a: AssetNodeSnapshot) => ({ ...a, codeRef: jsonCodeRef(a.codeRef, root, git) })),
      checks: ws.snapshot.checks.filter((c) => keys.has(c.asset)),
    };
    process.stdout.write(JSON.stringify(out, null, 2) + "\n");
    return failed.length ? 1 : 0;
  }
  for (const l of failed) {
    process.stderr.write(`${pc.red("✗")} code location ${l.name} failed to load:\n`);
    printError(l.error);
  }
  const rows = assets.map((a) => [
    pc.bold(a.key),
    a.location ?? "-",
    a.group,
    a.kinds.join(",") || "-",
    a.deps.map((d) => d.key).join(", ") || pc.dim("-"),
    pc.dim(formatCodeRef(a.codeRef, root) ?? ""),
  ]);
  if (rows.length) process.stdout.write(table(rows, ["ASSET", "LOCATION", "GROUP", "KINDS", "DEPS", "DEFINED AT"]) + "\n");
  const loaded = ws.locations.length - failed.length;
  process.stdout.write(pc.dim(`${assets.length} asset${assets.length === 1 ? "" : "s"} in ${loaded} of ${ws.locations.length} code locations\n`));
  return failed.length ? 1 : 0;
}

function serializeForJson(err: Error): Record<string, unknown> {
  const e = err as Error & { code?: string; where?: string; hint?: string };
  return { code: e.code ?? "USER_CODE", message: e.message, ...(e.where ? { where: e.where } : {}), ...(e.hint ? { hint: e.hint } : {}) };
}

export type { DefinitionsSnapshot };
