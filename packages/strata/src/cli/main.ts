import { Command, CommanderError } from "commander";
import { StrataError } from "@strata/core";
import { CliExit, EXIT, printError } from "./output.ts";

// Commands are imported when they run, so `strata --help` and light commands start fast.
const listCmd = () => import("./commands/list.ts");
const materializeCmd = () => import("./commands/materialize.ts");
const runsCmd = () => import("./commands/runs.ts");

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Builds the `strata` command tree. Each action returns an exit code. */
export function buildProgram(): Command {
  const program = new Command("strata")
    .description("Strata: declare data assets in TypeScript, run them, record every result.")
    .version("0.1.0")
    .showSuggestionAfterError(true)
    .exitOverride();
  const projectOpt = ["-p, --project <dir>", "project folder (default: the current folder or a parent)"] as const;
  let code: number = EXIT.ok;
  const run = <A extends unknown[]>(fn: (...args: A) => number | Promise<number>) => async (...args: A) => {
    code = await fn(...args);
  };

  program
    .command("init")
    .description("scaffold a working project in <dir> (offline)")
    .argument("<dir>", "folder to create")
    .option("--force", "write into a non-empty folder")
    .action(run(async (dir: string, o: { force?: boolean }) => (await import("./commands/init.ts")).initCommand(dir, o)));

  program
    .command("check")
    .description("load and validate the project's definitions")
    .option(...projectOpt)
    .action(run(async (o: { project?: string }) => (await listCmd()).checkCommand(o)));

  program
    .command("list")
    .description("list assets (from the definitions snapshot)")
    .option("-s, --select <selection>", "asset selection, e.g. 'group:bronze', '+mart/orders', 'tag:tier=gold'")
    .option("--json", "print JSON")
    .option(...projectOpt)
    .action(run(async (o: { select?: string; json?: boolean; project?: string }) => (await listCmd()).listCommand(o)));

  program
    .command("materialize")
    .description("materialize a selection of assets in a new run")
    .option("-s, --select <selection>", "asset selection (default: all assets)")
    .option("-t, --tag <key=value>", "tag the run (repeatable)", collect)
    .option(...projectOpt)
    .action(run(async (o: { select?: string; tag?: string[]; project?: string }) => (await materializeCmd()).materializeCommand(o)));

  const runs = program
    .command("runs")
    .description("list runs, newest first (see `runs cancel`)")
    .option("--status <status>", "filter by status (repeatable): SUCCESS, FAILURE, STARTED, ...", collect)
    .option("-t, --tag <key=value>", "filter by tag (repeatable)", collect)
    .option("-n, --limit <n>", "how many runs", "20")
    .option("--json", "print JSON")
    .option(...projectOpt)
    .action(run(async (o: { status?: string[]; tag?: string[]; limit?: string; json?: boolean; project?: string }) => (await runsCmd()).runsListCommand(o)));
  runs
    .command("list", { hidden: true })
    .option("--status <status>", "filter by status", collect)
    .option("-t, --tag <key=value>", "filter by tag", collect)
    .option("-n, --limit <n>", "how many runs", "20")
    .option("--json", "print JSON")
    .option(...projectOpt)
    .action(run(async (o: { status?: string[]; tag?: string[]; limit?: string; json?: boolean; project?: string }) => (await runsCmd()).runsListCommand(o)));
  runs
    .command("cancel")
    .description("cancel a queued or running run")
    .argument("<run-id>")
    .option(...projectOpt)
    .action(run(async (id: string, o: { project?: string }) => (await runsCmd()).runsCancelCommand(id, o)));

  program
    .command("logs")
    .description("print a run's structured log")
    .argument("<run-id>")
    .option("--step <step>", "only this step")
    .option("--level <level>", "minimum level: debug, info, warn, error", "debug")
    .option("-f, --follow", "keep printing until the run ends")
    .option("--json", "one JSON event per line")
    .option(...projectOpt)
    .action(run(async (id: string, o: { step?: string; level?: string; follow?: boolean; json?: boolean; project?: string }) => (await import("./commands/logs.ts")).logsCommand(id, o)));

  program
    .command("reexecute")
    .description("run a previous run's assets again")
    .argument("<run-id>")
    .option("--from-failure", "only what failed, was skipped or did not start")
    .option(...projectOpt)
    .action(run(async (id: string, o: { fromFailure?: boolean; project?: string }) => (await materializeCmd()).reexecuteCommand(id, o)));

  program
    .command("wipe")
    .description("delete run history and stored outputs (or one asset's history)")
    .option("-a, --asset <key>", "only this asset (repeatable)", collect)
    .option("-y, --yes", "do not ask for confirmation")
    .option(...projectOpt)
    .action(run(async (o: { asset?: string[]; yes?: boolean; project?: string }) => (await import("./commands/wipe.ts")).wipeCommand(o)));

  program.hook("postAction", () => {
    process.exitCode = code;
  });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof CliExit) return err.code;
    printError(err);
    if (err instanceof StrataError && (err.code === "USAGE" || err.code === "SELECTION_SYNTAX" || err.code === "SELECTION_EMPTY")) return EXIT.usage;
    return EXIT.failure;
  }
}

const code = await main(process.argv);
process.exitCode = code;
