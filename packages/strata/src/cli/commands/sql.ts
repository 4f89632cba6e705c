import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import pc from "picocolors";
import { StrataError } from "@strata/core";
import type * as SqlNs from "@strata/sql";
import { EXIT } from "../output.ts";

export type SqlVerb = "compile" | "build" | "run" | "test" | "seed" | "snapshot";

export interface SqlFlags {
  select?: string[];
  exclude?: string[];
  fullRefresh?: boolean;
  target?: string;
  projectDir?: string;
  profilesDir?: string;
  vars?: string;
}

/** `--select "a b" --select c` → ["a", "b", "c"], like dbt (space = union). */
function words(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(/\s+/)).filter((v) => v !== "");
}

function parseVars(v: string | undefined): Record<string, unknown> | undefined {
  if (!v) return undefined;
  try {
    const parsed: unknown = JSON.parse(v);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw new StrataError("USAGE", `--vars must be a JSON object (got ${v})`, { hint: `e.g. --vars '{"start_date": "2024-01-01"}'` });
}

const secs = (ms: number) => `${(ms / 1000).toFixed(2)}s`;

/**
 * `strata sql compile|build|run|test|seed|snapshot`: runs a dbt project like dbt does, with
 * dbt's selection syntax (and Strata's as a fallback, over the project's asset keys).
 */
export async function sqlCommand(verb: SqlVerb, flags: SqlFlags): Promise<number> {
  const sql = await import("@strata/sql");
  const projectDir = resolve(flags.projectDir ?? process.cwd());
  const vars = parseVars(flags.vars);
  const project = sql.loadDbtProject(projectDir, { ...(flags.target ? { target: flags.target } : {}), ...(flags.profilesDir ? { profilesDir: flags.profilesDir } : {}), ...(vars ? { vars } : {}) });
  const select = words(flags.select);
  const exclude = words(flags.exclude);
  const only = await strataFallback(sql, project, projectDir, flags, select, exclude);
  const out = process.stdout;
  const adapter = await sql.openAdapter(project.target);
  try {
    if (verb === "compile") {
      const ids = only ?? [...sql.selectNodes(project, { ...(select.length ? { select } : {}), ...(exclude.length ? { exclude } : {}) })];
      const compiled = await sql.compileProject(project, { only: ids.filter((id) => project.nodes.get(id)?.resourceType !== "seed"), introspection: adapter, fullRefresh: flags.fullRefresh ?? false });
      const targetDir = resolve(project.root, project.paths.target);
      for (const c of compiled.values()) {
        const n = project.nodes.get(c.uniqueId)!;
        const file = join(targetDir, "compiled", project.name, n.originalFilePath);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, `${c.compiledCode}\n`);
      }
      mkdirSync(targetDir, { recursive: true });
      writeFileSync(join(targetDir, "manifest.json"), JSON.stringify(sql.buildManifest(project, compiled)));
      const main = [...compiled.values()].filter((c) => project.nodes.get(c.uniqueId)!.resourceType !== "test");
      if (main.length === 1) out.write(`Compiled node '${project.nodes.get(main[0]!.uniqueId)!.name}' is:\n${main[0]!.compiledCode}\n\n`);
      out.write(`Compiled ${compiled.size} node(s) of ${project.name} into ${join(targetDir, "compiled")}\n`);
      return EXIT.ok;
    }
    const started = Date.now();
    out.write(`Running with strata sql ${verb} (${project.name}, target ${project.target.name}: ${project.adapter})\n`);
    const run = await sql.runDbtProject(project, adapter, {
      command: verb, ...(only ? { only } : { select, exclude }), fullRefresh: flags.fullRefresh ?? false,
      onNodeResult: (r, i, total) => out.write(progressLine(project, r, i, total) + "\n"),
    });
    const count = (s: string) => run.results.filter((r) => r.status === s).length;
    const errors = run.results.filter((r) => r.status === "error" || r.status === "fail");
    out.write(`\nFinished running ${run.results.length} node(s) in ${secs(Date.now() - started)}.\n`);
    if (errors.length) {
      out.write(pc.red(`\nCompleted with ${errors.length} error(s):\n`));
      for (const r of errors) out.write(`\n${r.status === "fail" ? `Failure in test ${r.name}: got ${r.failures} failing row(s)` : r.error?.message ?? r.message}\n`);
    }
    out.write(`\nDone. PASS=${count("success") + count("pass")} WARN=${count("warn")} ERROR=${count("error") + count("fail")} SKIP=${count("skipped")} TOTAL=${run.results.length}\n`);
    return run.success ? EXIT.ok : EXIT.failure;
  } finally {
    await adapter.close();
  }
}

/**
 * `strata sql freshness` (also `strata sql source freshness`), like `dbt source freshness`:
 * checks every selected source declaring freshness, prints PASS / WARN / ERROR STALE lines,
 * writes target/sources.json and exits 1 when a source is past error_after or its query failed.
 */
export async function sqlFreshnessCommand(flags: SqlFlags): Promise<number> {
  const sql = await import("@strata/sql");
  const projectDir = resolve(flags.projectDir ?? process.cwd());
  const vars = parseVars(flags.vars);
  const project = sql.loadDbtProject(projectDir, { ...(flags.target ? { target: flags.target } : {}), ...(flags.profilesDir ? { profilesDir: flags.profilesDir } : {}), ...(vars ? { vars } : {}) });
  const select = words(flags.select);
  const exclude = words(flags.exclude);
  const out = process.stdout;
  const adapter = await sql.openAdapter(project.target);
  try {
    out.write(`Running with strata sql source freshness (${project.name}, target ${project.target.name}: ${project.adapter})\n`);
    const run = await sql.runSourceFreshness(project, adapter, {
      select, exclude,
      onResult: (r, i, total) => {
        const s = project.sources.get(r.uniqueId)!;
        const label = r.error ? "ERROR" : r.status === "error" ? "ERROR STALE" : r.status.toUpperCase();
        const color = r.status === "pass" ? pc.green : r.status === "warn" ? pc.yellow : pc.red;
        out.write(`${i + 1} of ${total} ${color(label)} freshness of ${s.sourceName}.${s.name} ${pc.dim("...")} [${label} in ${r.executionTime.toFixed(2)}s]\n`);
      },
    });
    const count = (f: (r: (typeof run.results)[number]) => boolean) => run.results.filter(f).length;
    out.write(`\nFinished running ${run.results.length} source(s) in ${secs(run.elapsedMs)}.\n`);
    const errors = run.results.filter((r) => r.status === "error");
    for (const r of errors) {
      const s = project.sources.get(r.uniqueId)!;
      out.write(`\n${r.error ? `Error in source ${s.sourceName}.${s.name}: ${r.error.message}` : `Source ${s.sourceName}.${s.name} is stale: max(${s.loadedAtField}) is ${r.ageSeconds === null ? "empty" : `${Math.round(r.ageSeconds)}s old`}`}\n`);
    }
    out.write(`\nDone. PASS=${count((r) => r.status === "pass")} WARN=${count((r) => r.status === "warn")} ERROR=${errors.length} SKIP=0 TOTAL=${run.results.length}\n`);
    return run.success ? EXIT.ok : EXIT.failure;
  } finally {
    await adapter.close();
  }
}

type SqlModule = typeof SqlNs;
type Project = ReturnType<SqlModule["loadDbtProject"]>;
type NodeResult = Awaited<ReturnType<SqlModule["runDbtNode"]>>;

function progressLine(project: Project, r: NodeResult, i: number, total: number): string {
  const n = project.nodes.get(r.uniqueId)!;
  const rel = `${n.relation.schema}.${n.relation.identifier}`;
  const took = secs(r.completedAt.getTime() - r.startedAt.getTime());
  const what = r.resourceType === "seed" ? `seed file ${rel}` : r.resourceType === "snapshot" ? `snapshot ${rel}` : r.resourceType === "test" ? `test ${r.name}` : `sql ${r.materialized} model ${rel}`;
  let head: string;
  let tail: string;
  switch (r.status) {
    case "success":
      head = pc.green("OK") + (r.resourceType === "seed" ? ` loaded ${what}` : r.resourceType === "snapshot" ? ` snapshotted ${rel}` : ` created ${what}`);
      tail = `${r.message.split(" (")[0]} in ${took}`;
      break;
    case "pass":
      head = `${pc.green("PASS")} ${r.name}`;
      tail = `PASS in ${took}`;
      break;
    case "warn":
      head = `${pc.yellow(`WARN ${r.failures}`)} ${r.name}`;
      tail = `WARN ${r.failures} in ${took}`;
      break;
    case "fail":
      head = `${pc.red(`FAIL ${r.failures}`)} ${r.name}`;
      tail = `FAIL ${r.failures} in ${took}`;
      break;
    case "skipped":
      head = `${pc.yellow("SKIP")} ${what}`;
      tail = "SKIP";
      break;
    default:
      head = `${pc.red("ERROR")} ${r.resourceType === "test" ? `in ${what}` : `creating ${what}`}`;
      tail = `ERROR in ${took}`;
  }
  return `${i + 1} of ${total} ${head} ${pc.dim(".".repeat(3))} [${tail}]`;
}

/**
 * dbt selection first; when it is not valid dbt syntax (or selects nothing), the same words as
 * a Strata selection over the project's asset keys (e.g. `group:marts`, `key:orders*`).
 */
async function strataFallback(sql: SqlModule, project: Project, projectDir: string, flags: SqlFlags, select: string[], exclude: string[]): Promise<string[] | undefined> {
  if (select.length === 0) return undefined;
  let dbtError: unknown;
  try {
    if (sql.selectNodes(project, { select, ...(exclude.length ? { exclude } : {}) }).size > 0) return undefined;
  } catch (err) {
    dbtError = err;
  }
  const core = await import("@strata/core");
  const o = { projectDir, ...(flags.target ? { target: flags.target } : {}), ...(flags.profilesDir ? { profilesDir: flags.profilesDir } : {}) };
  const defs = core.defineDefinitions({ assets: [sql.dbtAssets(o), ...sql.dbtSourceAssets(o)] });
  const graph = core.AssetGraph.fromSnapshot(core.buildSnapshot(defs, { location: "sql", root: projectDir }));
  let keys: Set<string>;
  try {
    keys = new Set(core.selectAssets(flags.select!.join(" or "), graph));
  } catch (err) {
    throw dbtError ?? err;
  }
  const byKey = new Map<string, string>();
  for (const a of graph.assets()) {
    const id = a.metadata["dbt/unique_id"];
    if (id && id.type === "text") byKey.set(a.key, id.value);
  }
  const ids = [...keys].map((k) => byKey.get(k)).filter((id): id is string => id !== undefined && project.nodes.has(id));
  if (ids.length === 0) throw new StrataError("SELECTION_EMPTY", `--select ${flags.select!.join(" ")} matches no dbt nodes`, { hint: "Use dbt syntax (+orders, tag:x, path:models/staging) or a Strata selection over asset keys." });
  const withTests = new Set(ids);
  for (const n of project.nodes.values()) if (n.resourceType === "test" && n.dependsOn.nodes.some((d) => withTests.has(d))) withTests.add(n.uniqueId);
  const excluded = exclude.length ? sql.selectNodes(project, { select: exclude }) : new Set<string>();
  return [...withTests].filter((id) => !excluded.has(id));
}
