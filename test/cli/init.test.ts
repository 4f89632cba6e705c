/**
 * A new user's first path, end to end with the real CLI: `strata init`, then check, list,
 * materialize, runs, logs and wipe in the scaffolded project — offline, with nothing installed.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { REPO_ROOT, runCli, type CliResult } from "../helpers/run-cli.ts";

// Each CLI call starts Node processes: generous limits for a busy 2-core machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

/** Command names listed under "Commands:" in a help text (excluding `help`). */
const commandsIn = (help: string) => {
  const section = help.split(/^Commands:$/m)[1] ?? "";
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((c) => c !== "help");
};

/** `--help` of every command; started at once (they need no project) and checked in their own test. */
async function collectHelp(): Promise<{ commands: string[]; all: [string[], CliResult][] }> {
  const top = await runCli(["--help"], { cwd: REPO_ROOT });
  const commands = commandsIn(top.stdout);
  const helps = await Promise.all(commands.map((c) => runCli([c, "--help"], { cwd: REPO_ROOT })));
  // Subcommands of this commands (`runs cancel`); other features test their own.
  const subcommands = commands.flatMap((c, i) => (c === "runs" ? commandsIn(helps[i]!.stdout).map((sub) => [c, sub]) : []));
  const subHelps = await Promise.all(subcommands.map((c) => runCli([...c, "--help"], { cwd: REPO_ROOT })));
  return {
    commands,
    all: [
      [[], top],
      ...commands.map((c, i): [string[], CliResult] => [[c], helps[i]!]),
      ...subcommands.map((c, i): [string[], CliResult] => [c, subHelps[i]!]),
    ],
  };
}
let helpChecks: Promise<Awaited<ReturnType<typeof collectHelp>>>;

let base: string;
let dir: string;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  helpChecks = collectHelp();
  helpChecks.catch(() => undefined); // awaited (and reported) by its test
  base = mkdtempSync(join(tmpdir(), "strata-init-"));
  dir = join(base, "my-project");
  // No STRATA_HOME: the instance defaults to <project>/.strata, as for a real user.
  env = { STRATA_HOME: undefined };
  const r = await runCli(["init", "my-project"], { cwd: base, env });
  expect(r.code, r.output).toBe(0);
  expect(r.stdout).toContain("Created a Strata project");
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

const strata = (args: string[], extra: Record<string, string> = {}) => runCli(args, { cwd: dir, env: { ...env, ...extra } });

describe("strata init", () => {
  it("scaffolds a project without node_modules (nothing installed)", () => {
    const files = readdirSync(dir);
    expect(files).toEqual(expect.arrayContaining(["package.json", "strata.config.ts", ".gitignore", "README.md"]));
    expect(files).not.toContain("node_modules");
  });

  it("refuses to overwrite a non-empty folder (usage error)", async () => {
    const r = await runCli(["init", "my-project"], { cwd: base, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error\[USAGE\].*not empty/);
    expect(r.stderr).toContain("--force");
  });

  it("check, list and list --json work in the new project", async () => {
    const [check, list, json] = await Promise.all([strata(["check"]), strata(["list"]), strata(["list", "--json"])]);
    expect(check.code, check.output).toBe(0);
    expect(check.stdout).toMatch(/2 assets, 1 checks, 1 resources/);
    expect(list.code, list.output).toBe(0);
    expect(list.stdout).toMatch(/raw\/people\s+bronze/);
    expect(list.stdout).toMatch(/greetings\s+silver/);
    expect(list.stdout).toContain("strata.config.ts:");
    const parsed = JSON.parse(json.stdout) as { assets: { key: string; codeRef: { file: string; line: number } }[] };
    expect(parsed.assets.map((a) => a.key)).toEqual(["raw/people", "greetings"]);
  });

  it("materialize runs it, records history in .strata/, and runs/logs show it", async () => {
    const m = await strata(["materialize", "--select", "*"]);
    expect(m.code, m.output).toBe(0);
    expect(m.stdout).toMatch(/SUCCESS in .*3 succeeded, 0 failed, 0 skipped/);
    expect(m.stdout).toContain("greeted everyone");
    const runId = /Run (\w+):/.exec(m.stdout)![1]!;
    expect(existsSync(join(dir, ".strata", "strata.db"))).toBe(true);
    expect(existsSync(join(dir, ".strata", "storage", "greetings.json"))).toBe(true);

    const [runs, logs, list] = await Promise.all([strata(["runs"]), strata(["logs", runId]), strata(["list"])]);
    expect(runs.code).toBe(0);
    expect(runs.stdout).toMatch(new RegExp(`${runId}\\s+SUCCESS`));
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/INFO\s+LOG\s+greetings greeted everyone \{"count":3\}/);
    expect(logs.stdout).toContain("RUN_SUCCESS");
    // The list now shows when each asset was last materialised.
    expect(list.code).toBe(0);
    expect(list.stdout).not.toMatch(/greetings.*never/);
  });

  it("wipe --yes empties history and stored outputs; without --yes (no TTY) it refuses", async () => {
    const refused = await strata(["wipe"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--yes");
    expect(existsSync(join(dir, ".strata", "storage"))).toBe(true);

    const wiped = await strata(["wipe", "--yes"]);
    expect(wiped.code, wiped.output).toBe(0);
    expect(existsSync(join(dir, ".strata", "storage"))).toBe(false);
    const runs = await strata(["runs"]);
    expect(runs.stdout).toContain("No runs yet");
  });
});

describe("--help", () => {
  it("every command prints help and exits 0", async () => {
    const { commands, all } = await helpChecks;
    // The commands of issue 2 at least; others may be added.
    expect(commands).toEqual(expect.arrayContaining(["init", "check", "list", "materialize", "runs", "logs", "reexecute", "wipe"]));
    expect(all.map(([cmd]) => cmd.join(" "))).toContain("runs cancel");
    for (const [cmd, r] of all) {
      const name = ["strata", ...cmd].join(" ");
      expect(r.code, `${name} --help\n${r.output}`).toBe(0);
      expect(r.stdout, name).toContain(`Usage: ${name} `);
    }
  });

  it("an unknown command is a usage error (exit 2) with a suggestion", async () => {
    const r = await runCli(["materialise"], { cwd: REPO_ROOT });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Did you mean materialize\?/);
  });
});
