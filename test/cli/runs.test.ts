/**
 * The run lifecycle through the real CLI on one shared project: selection errors, materialize
 * exit codes, `list --json`, `runs` filters, `logs`, `reexecute --from-failure`, and two CLI
 * runs writing to the same instance at once.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { EventRecord, RunRecord } from "@strata/core";
import { makeProject, type TempProject } from "../helpers/run-cli.ts";

// Each CLI call starts Node processes: generous limits for a busy 2-core machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const CONFIG = `import { appendFileSync, readFileSync } from "node:fs";
import { asset, defineDefinitions, MaterializeResult, MetadataValue } from "strata";
appendFileSync("loaded.log", process.pid + "\\n");

// In pool "db" (1 slot across every run of the instance): its steps never overlap, even in concurrent CLI runs.
export const source = asset({ key: "shop/source", group: "good", tags: { tier: "gold" }, pool: "db" }, async (ctx) => {
  // Until three processes have loaded (the concurrent test), wait: without the pool their steps would overlap.
  for (let i = 0; i < 200 && readFileSync("loaded.log", "utf8").trim().split("\\n").length < 3; i++) await new Promise((r) => setTimeout(r, 50));
  appendFileSync("pool.log", "start " + ctx.runId + "\\n");
  await new Promise((r) => setTimeout(r, 250));
  appendFileSync("pool.log", "end " + ctx.runId + "\\n");
  ctx.log.info("loading source", { rows: 3 });
  return [1, 2, 3];
});

export const summary = asset({ key: "shop/summary", group: "good", ins: { source } }, (ctx, { source }) => {
  const total = source.reduce((a, b) => a + b, 0);
  return new MaterializeResult({ value: total, metadata: { row_count: source.length, preview: MetadataValue.table([{ total }]) } });
});

export const fragile = asset({ name: "fragile", group: "risky", ins: { source } }, (ctx, { source }) => {
  ctx.log.warn("about to check the flag");
  ctx.log.debug("debug detail");
  if (process.env.FRAGILE_FAIL === "1") throw new Error("fragile failed on purpose");
  ctx.log.info("fragile ok");
  return "fine:" + source.length;
});

export const afterFragile = asset({ name: "after_fragile", group: "risky", ins: { fragile } }, (_ctx, { fragile }) => fragile + "!");

export default defineDefinitions({ assets: [source, summary, fragile, afterFragile], pools: { db: 1 } });
`;

let p: TempProject;
beforeAll(() => {
  p = makeProject({ "strata.config.ts": CONFIG }, { name: "runs" });
});
afterAll(() => p?.cleanup());

const runIdOf = (stdout: string) => {
  const m = /^Run (\w+):/m.exec(stdout);
  if (!m) throw new Error(`no run id in:\n${stdout}`);
  return m[1]!;
};
const runsJson = async (args: string[] = []) => {
  const r = await p.run(["runs", "--json", ...args]);
  expect(r.code, r.output).toBe(0);
  return JSON.parse(r.stdout) as RunRecord[];
};

describe("strata CLI run lifecycle", () => {
  it("selection errors: SELECTION_SYNTAX points at the column (exit 2); an empty selection exits 2; no run is recorded", async () => {
    const [syntax, empty, unknownTag] = await Promise.all([
      p.run(["materialize", "--select", "group:good and (tag:tier"]),
      p.run(["materialize", "--select", "key:nothing/*"]),
      p.run(["runs", "--status", "DONE"]),
    ]);
    expect(syntax.code, syntax.output).toBe(2);
    expect(syntax.stderr).toMatch(/error\[SELECTION_SYNTAX\] .*column (\d+)/);
    const column = Number(/column (\d+)/.exec(syntax.stderr)![1]);
    // The caret line sits under the offending column of the echoed selection.
    const lines = syntax.stderr.split("\n");
    const echo = lines.findIndex((l) => l.includes("group:good and (tag:tier"));
    expect(echo).toBeGreaterThan(-1);
    const caretCol = lines[echo + 1]!.indexOf("^") - lines[echo]!.indexOf("group:good");
    expect(caretCol + 1).toBe(column);

    expect(empty.code, empty.output).toBe(2);
    expect(empty.stderr).toMatch(/error\[SELECTION_EMPTY\] The selection "key:nothing\/\*" matches no assets/);
    expect(unknownTag.code).toBe(2);
    expect(unknownTag.stderr).toContain('Unknown run status "DONE"');
    expect(await runsJson()).toEqual([]);
  });

  it("list --json parses and carries code refs and typed deps", async () => {
    const r = await p.run(["list", "--json", "--select", "group:good"]);
    expect(r.code, r.output).toBe(0);
    const out = JSON.parse(r.stdout) as { assets: { key: string; group: string; deps: { key: string; input?: string }[]; codeRef: { file: string; line: number } }[] };
    expect(out.assets.map((a) => a.key)).toEqual(["shop/source", "shop/summary"]);
    expect(out.assets[0]!.codeRef).toMatchObject({ file: "strata.config.ts", line: 6 });
    expect(out.assets[1]!.codeRef).toMatchObject({ file: "strata.config.ts", line: 16 });
    expect(out.assets[1]!.deps).toEqual([{ key: "shop/source", input: "source" }]);
  });

  let okRun = "";
  let failedRun = "";
  let againRun = "";

  it("materialize exits 0 on success (tagged) and 1 on failure", async () => {
    // Three CLI runs write the same instance at once; each ends as its own code decides.
    writeFileSync(join(p.dir, "loaded.log"), "");
    const [ok, again, failed] = await Promise.all([
      p.run(["materialize", "--select", "group:good", "--tag", "team=data", "--tag", "ticket=42"]),
      p.run(["materialize", "--select", "group:good"]),
      p.run(["materialize"], { env: { FRAGILE_FAIL: "1" } }),
    ]);
    expect(again.code, again.output).toBe(0);
    expect(again.stdout).toMatch(/SUCCESS in .*: 2 succeeded, 0 failed, 0 skipped/);
    againRun = runIdOf(again.stdout);
    expect(ok.code, ok.output).toBe(0);
    expect(ok.stdout).toMatch(/SUCCESS in .*: 2 succeeded, 0 failed, 0 skipped/);
    okRun = runIdOf(ok.stdout);

    expect(failed.code, failed.output).toBe(1);
    expect(failed.stdout).toMatch(/✗ fragile fragile failed on purpose/);
    expect(failed.stdout).toMatch(/↷ after_fragile skipped: upstream asset fragile was not materialized/);
    expect(failed.stdout).toMatch(/FAILURE in .*: 2 succeeded, 1 failed, 1 skipped/);
    failedRun = runIdOf(failed.stdout);
    expect(failed.stdout).toContain(`strata reexecute ${failedRun} --from-failure`);

    // The pool's single slot was shared by the three processes: each start is followed by its own end.
    const log = readFileSync(join(p.dir, "pool.log"), "utf8").trim().split("\n");
    expect(log).toHaveLength(6);
    for (let i = 0; i < log.length; i += 2) {
      expect(log[i]).toMatch(/^start /);
      expect(log[i + 1]).toBe(log[i]!.replace("start", "end"));
    }
    expect(new Set(log.map((l) => l.split(" ")[1])).size).toBe(3);
  });

  it("runs lists both; --status and --tag filter", async () => {
    const [all, failures, tagged, table] = await Promise.all([
      runsJson(),
      runsJson(["--status", "FAILURE"]),
      runsJson(["--tag", "team=data"]),
      p.run(["runs", "--status", "success"]),
    ]);
    expect(all.map((r) => r.runId).sort()).toEqual([okRun, againRun, failedRun].sort());
    expect(failures.map((r) => r.runId)).toEqual([failedRun]);
    expect(tagged.map((r) => r.runId)).toEqual([okRun]);
    expect(tagged[0]!.tags).toEqual({ team: "data", ticket: "42" });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`${okRun}\\s+SUCCESS\\s+group:good`));
    expect(table.stdout).not.toContain(failedRun);
  });

  it("logs shows a run's step logs, errors with stack, and --level / --step filter them", async () => {
    const [all, warn, step, json, missing] = await Promise.all([
      p.run(["logs", failedRun]),
      p.run(["logs", failedRun, "--level", "warn"]),
      p.run(["logs", failedRun, "--step", "shop__source"]),
      p.run(["logs", failedRun, "--json"]),
      p.run(["logs", "no-such-run"]),
    ]);
    expect(all.code, all.output).toBe(0);
    expect(all.stdout).toMatch(/INFO\s+LOG\s+shop__source loading source \{"rows":3\}/);
    expect(all.stdout).toMatch(/WARN\s+LOG\s+fragile about to check the flag/);
    expect(all.stdout).toMatch(/DEBUG\s+LOG\s+fragile debug detail/);
    expect(all.stdout).toMatch(/ERROR\s+STEP_FAILURE\s+fragile fragile failed: fragile failed on purpose/);
    expect(all.stdout).toMatch(/at .*strata\.config\.ts:\d+/);
    expect(all.stdout).toContain("RUN_FAILURE");

    expect(warn.code).toBe(0);
    expect(warn.stdout).toContain("about to check the flag");
    expect(warn.stdout).toContain("STEP_FAILURE");
    expect(warn.stdout).not.toMatch(/\bINFO\b/);
    expect(warn.stdout).not.toContain("loading source");
    expect(warn.stdout).not.toContain("debug detail");

    expect(step.stdout).toContain("loading source");
    expect(step.stdout).not.toContain("fragile");

    expect(json.code, json.output).toBe(0);
    const events = json.stdout.trim().split("\n").map((l) => JSON.parse(l) as EventRecord);
    expect(events[0]!.type).toBe("RUN_START");
    expect(events.at(-1)!.type).toBe("RUN_FAILURE");
    expect(events.every((e, i) => i === 0 || e.id > events[i - 1]!.id)).toBe(true);

    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/error\[RUN_NOT_FOUND\]/);
  });

  it("reexecute --from-failure runs only the failed and skipped assets, reading upstream values already stored", async () => {
    const refused = await p.run(["reexecute", okRun, "--from-failure"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/error\[RUN_INVALID_STATE\]/);

    const r = await p.run(["reexecute", failedRun, "--from-failure"]);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toMatch(/^Run \w+: 2 assets in 2 steps/m);
    expect(r.stdout).toMatch(/SUCCESS in .*: 2 succeeded, 0 failed, 0 skipped/);
    const child = runIdOf(r.stdout);

    const [runs, logs] = await Promise.all([runsJson(), p.run(["logs", child, "--json"])]);
    const rec = runs.find((x) => x.runId === child)!;
    expect(rec.status).toBe("SUCCESS");
    expect(rec.parentRunId).toBe(failedRun);
    expect(rec.assetKeys.sort()).toEqual(["after_fragile", "fragile"]);
    expect(rec.tags["strata/parent_run_id"]).toBe(failedRun);
    const started = logs.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as EventRecord)
      .filter((e) => e.type === "STEP_START")
      .map((e) => e.stepKey)
      .sort();
    expect(started).toEqual(["after_fragile", "fragile"]);
    // fragile read shop/source as stored by the earlier runs; after_fragile read fragile's new value.
    expect(JSON.parse(readFileSync(join(p.home, "storage", "after_fragile.json"), "utf8"))).toBe("fine:3!");
  });
});
