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
    .option("--partition <key>", "the partition to materialize (partitioned assets)")
    .option("--partition-range <start...end>", "materialize a range of partitions in one run, e.g. 2024-08-01...2024-08-31")
    .option(...projectOpt)
    .action(
      run(async (o: { select?: string; tag?: string[]; partition?: string; partitionRange?: string; project?: string }) =>
        (await materializeCmd()).materializeCommand(o),
      ),
    );

  program
    .command("partitions")
    .description("summarise an asset's partitions: ranges of materialized / stale / failed / in progress / missing")
    .argument("<asset>", "asset key")
    .option("--json", "print JSON")
    .option(...projectOpt)
    .action(run(async (asset: string, o: { json?: boolean; project?: string }) => (await import("./commands/partitions.ts")).partitionsCommand(asset, o)));

  const dynamic = program.command("dynamic-partitions").description("add, remove and list keys of dynamic partition sets");
  dynamic
    .command("add")
    .argument("<name>", "dynamic partitions name")
    .argument("<keys...>", "keys to add")
    .option(...projectOpt)
    .action(run(async (name: string, keys: string[], o: { project?: string }) => (await import("./commands/partitions.ts")).dynamicCommand("add", name, keys, o)));
  dynamic
    .command("remove")
    .argument("<name>", "dynamic partitions name")
    .argument("<keys...>", "keys to remove")
    .option(...projectOpt)
    .action(run(async (name: string, keys: string[], o: { project?: string }) => (await import("./commands/partitions.ts")).dynamicCommand("remove", name, keys, o)));
  dynamic
    .command("list")
    .argument("[name]", "a set (omit to list the sets)")
    .option(...projectOpt)
    .action(run(async (name: string | undefined, o: { project?: string }) => (await import("./commands/partitions.ts")).dynamicCommand("list", name, [], o)));

  const backfill = program.command("backfill").description("backfill partitions: create, list, show, cancel, resume");
  const backfillCmd = () => import("./commands/backfill.ts");
  backfill
    .command("create")
    .description("plan and run a backfill of a selection over partitions (in the foreground; Ctrl-C pauses it)")
    .requiredOption("-s, --select <selection>", "assets to backfill")
    .option("--partition-range <start...end>", "a range of partition keys")
    .option("--partitions <keys>", "comma-separated partition keys")
    .option("--all", "every partition")
    .option("--missing", "only partitions that are missing")
    .option("--failed", "only partitions whose last run failed")
    .option("--max-runs <n>", "runs at once", "4")
    .option("-t, --tag <key=value>", "tag the backfill's runs (repeatable)", collect)
    .option(...projectOpt)
    .action(run(async (o: Record<string, unknown>) => (await backfillCmd()).backfillCreateCommand(o)));
  backfill
    .command("list")
    .description("backfills, newest first")
    .option("--json", "print JSON")
    .option(...projectOpt)
    .action(run(async (o: { json?: boolean; project?: string }) => (await backfillCmd()).backfillListCommand(o)));
  backfill
    .command("show")
    .description("a backfill's status and per-partition outcome")
    .argument("<backfill-id>")
    .option("--json", "print JSON")
    .option(...projectOpt)
    .action(run(async (id: string, o: { json?: boolean; project?: string }) => (await backfillCmd()).backfillShowCommand(id, o)));
  backfill
    .command("cancel")
    .description("cancel a backfill: nothing new starts, running runs are asked to stop")
    .argument("<backfill-id>")
    .option(...projectOpt)
    .action(run(async (id: string, o: { project?: string }) => (await backfillCmd()).backfillCancelCommand(id, o)));
  backfill
    .command("resume")
    .description("continue a paused or interrupted backfill (relaunches runs lost with their worker)")
    .argument("<backfill-id>")
    .option(...projectOpt)
    .action(run(async (id: string, o: { project?: string }) => (await backfillCmd()).backfillResumeCommand(id, o)));

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
