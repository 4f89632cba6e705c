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

  const check = program
    .command("check")
    .description("load and validate the project's definitions (every code location of a workspace)")
    .option(...projectOpt)
    .action(run(async (o: { project?: string }) => (await listCmd()).checkCommand(o)));
  check
    .command("defs")
    .description("load everything (code and YAML) and validate it, like `strata check`")
    .option("-w, --watch", "check again whenever a file changes")
    .option(...projectOpt)
    .action(run(async (_o: object, cmd: Command) => (await import("./commands/check-defs.ts")).checkDefsCommand(cmd.optsWithGlobals())));
  check
    .command("yaml")
    .description("validate every defs.yaml against its component type's schema, without loading any code")
    .option("-w, --watch", "check again whenever a file changes")
    .option(...projectOpt)
    .action(run(async (_o: object, cmd: Command) => (await import("./commands/check-yaml.ts")).checkYamlCommand(cmd.optsWithGlobals())));

  const list = program
    .command("list")
    .description("list assets (from the definitions snapshot)")
    .option("-s, --select <selection>", "asset selection, e.g. 'group:bronze', '+mart/orders', 'tag:tier=gold'")
    .option("--json", "print JSON")
    .option(...projectOpt)
    .action(run(async (o: { select?: string; json?: boolean; project?: string }) => (await listCmd()).listCommand(o)));
  const componentsCmd = () => import("./commands/components.ts");
  list
    .command("components")
    .description("component types usable in defs.yaml, with their attribute schemas")
    .option("--json", "print JSON (with each type's JSON Schema)")
    .option(...projectOpt)
    // Options given after the subcommand may be parsed as the parent's (same names): read both.
    .action(run(async (_o: object, cmd: Command) => (await componentsCmd()).listComponentsCommand(cmd.optsWithGlobals())));

  program
    .command("schema")
    .description("print a JSON Schema: `schema defs` for defs.yaml files (editor validation and autocomplete)")
    .argument("<what>", "defs")
    .option(...projectOpt)
    .action(
      run(async (what: string, o: { project?: string }) => {
        if (what !== "defs") throw new StrataError("USAGE", `Unknown schema "${what}"`, { hint: "Use `strata schema defs`." });
        return (await componentsCmd()).schemaDefsCommand(o);
      }),
    );

  const scaffold = program.command("scaffold").description("create documented starting points: a component type, a defs.yaml");
  scaffold
    .command("component")
    .description("a working custom component type in components/<name>.ts")
    .argument("<name>", "e.g. ApiExtract")
    .option(...projectOpt)
    .action(run(async (name: string, o: { project?: string }) => (await componentsCmd()).scaffoldComponentCommand(name, o)));
  scaffold
    .command("defs")
    .description("a defs.yaml for <type> in defs/<path>, required attributes filled with placeholders")
    .argument("<type>", "component type, e.g. strata.duckdb_sql")
    .argument("<path>", "folder under defs/, e.g. analytics/models")
    .option("--force", "overwrite an existing defs.yaml")
    .option(...projectOpt)
    .action(run(async (type: string, path: string, o: { project?: string; force?: boolean }) => (await componentsCmd()).scaffoldDefsCommand(type, path, o)));

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
    .description("plan and run a backfill of a selection over partitions (in the foreground; Ctrl-C pauses it; its runs go through a running daemon's queue)")
    .requiredOption("-s, --select <selection>", "assets to backfill")
    .option("--partition-range <start...end>", "a range of partition keys (several: A...B,C...D)")
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

  const sqlCmd = program
    .command("sql")
    .description("run a dbt project (models, seeds, snapshots, tests) on DuckDB or Postgres, like dbt");
  const verbs = {
    build: "seeds, models, snapshots and tests in DAG order",
    run: "models",
    test: "tests",
    seed: "seeds",
    snapshot: "snapshots",
    compile: "compile to target/compiled (prints the SQL when one model is selected)",
  } as const;
  for (const [verb, what] of Object.entries(verbs)) {
    sqlCmd
      .command(verb)
      .description(what)
      .option("-s, --select <selection>", "dbt selection (+model, model+, tag:x, path:dir, @model; space = union, comma = intersection) or a Strata selection (repeatable)", collect)
      .option("--exclude <selection>", "dbt selection to leave out (repeatable)", collect)
      .option("--full-refresh", "rebuild incremental models from scratch")
      .option("--target <name>", "profiles.yml target")
      .option("--project-dir <dir>", "dbt project folder (default: the current folder)")
      .option("--profiles-dir <dir>", "folder of profiles.yml (default: project folder, then ~/.dbt)")
      .option("--vars <json>", "project vars as a JSON object")
      .action(run(async (o: Record<string, unknown>) => (await import("./commands/sql.ts")).sqlCommand(verb as "build", o)));
  }
  const freshnessOpts = (c: Command, what: string) =>
    c
      .description(what)
      .option("-s, --select <selection>", "dbt selection of sources (source:app, source:app.events; default: all; repeatable)", collect)
      .option("--exclude <selection>", "dbt selection to leave out (repeatable)", collect)
      .option("--target <name>", "profiles.yml target")
      .option("--project-dir <dir>", "dbt project folder (default: the current folder)")
      .option("--profiles-dir <dir>", "folder of profiles.yml (default: project folder, then ~/.dbt)")
      .option("--vars <json>", "project vars as a JSON object")
      .action(run(async (o: Record<string, unknown>) => (await import("./commands/sql.ts")).sqlFreshnessCommand(o)));
  freshnessOpts(sqlCmd.command("freshness"), "source freshness, like dbt source freshness (PASS / WARN / ERROR STALE; writes target/sources.json)");
  freshnessOpts(sqlCmd.command("source").description("sources").command("freshness"), "source freshness, like dbt source freshness");

  program
    .command("wipe")
    .description("delete run history and stored outputs (or one asset's history)")
    .option("-a, --asset <key>", "only this asset (repeatable)", collect)
    .option("-y, --yes", "do not ask for confirmation")
    .option(...projectOpt)
    .action(run(async (o: { asset?: string[]; yes?: boolean; project?: string }) => (await import("./commands/wipe.ts")).wipeCommand(o)));

  const serveCmd = () => import("./commands/ui.ts");
  program
    .command("ui")
    .description("serve the web UI and HTTP API against the project's instance (no daemon, no reloading)")
    .option("--port <port>", "port (0 = any free port)", "3000")
    .option("--host <host>", "address to listen on; anything but loopback needs STRATA_TOKEN", "127.0.0.1")
    .option("--read-only", "refuse every action (launches, cancels, wipes…)")
    .option(...projectOpt)
    .action(run(async (o: { port?: string; host?: string; readOnly?: boolean; project?: string }) => (await serveCmd()).uiCommand(o)));
  program
    .command("dev")
    .description("develop: the code location (reloaded when a file changes), the web UI and HTTP API; Ctrl-C stops all")
    .option("--port <port>", "port (0 = any free port)", "3000")
    .option("--host <host>", "address to listen on; anything but loopback needs STRATA_TOKEN", "127.0.0.1")
    .option(...projectOpt)
    .action(run(async (o: { port?: string; host?: string; project?: string }) => (await serveCmd()).devCommand(o)));

  const daemonCmd = () => import("./commands/daemon.ts");
  program
    .command("daemon")
    .description("run schedules, sensors, automation, freshness, the run queue and monitor in the foreground (Ctrl-C stops)")
    .option("--loops <names>", "comma-separated subset: schedules,sensors,automation,freshness,queue,monitor,backfills")
    .option("--no-watch", "do not reload the definitions when project source files change")
    .option(...projectOpt)
    .action(run(async (o: { loops?: string; project?: string; watch?: boolean }) => (await daemonCmd()).daemonCommand(o)));
  program
    .command("status")
    .description("daemon loop heartbeats, queue size, running runs, freshness")
    .option("--json", "print JSON")
    .option(...projectOpt)
    .action(run(async (o: { json?: boolean; project?: string }) => (await daemonCmd()).statusCommand(o)));
  for (const kind of ["schedules", "sensors"] as const) {
    const what = kind === "schedules" ? "schedule" : "sensor";
    const cmd = program.command(kind).description(`list, start, stop, preview ${kind} and show their tick history`);
    const verbs = {
      list: `${kind} with their status and last tick`,
      start: `start a ${what} (the daemon runs it)`,
      stop: `stop a ${what}`,
      preview: kind === "schedules" ? "the next ticks and their run keys" : "evaluate the sensor once, launching nothing",
      ticks: `a ${what}'s tick history, newest first`,
    } as const;
    for (const [verb, desc] of Object.entries(verbs)) {
      const c = cmd.command(verb).description(desc);
      if (verb !== "list") c.argument("<name>", `${what} name`);
      c.option("--json", "print JSON").option("-n, --limit <n>", "ticks to show", "20").option(...projectOpt);
      c.action(
        run(async (...args: unknown[]) => {
          const name = verb === "list" ? undefined : (args[0] as string);
          const o = (verb === "list" ? args[0] : args[1]) as { project?: string; json?: boolean; limit?: string };
          return (await import("./commands/instigators.ts")).instigatorCommand(kind, verb as "list", name, o);
        }),
      );
    }
  }
  program
    .command("automation")
    .description("declarative automation")
    .command("preview")
    .description("what the next automation tick would request and why (condition trees), without launching")
    .option("--all", "show every asset's tree, even when nothing is requested")
    .option("--json", "print JSON")
    .option(...projectOpt)
    .action(run(async (o: { json?: boolean; all?: boolean; project?: string }) => (await import("./commands/automation.ts")).automationPreviewCommand(o)));
  const queue = program
    .command("queue")
    .description("queued runs in dequeue order and why each waits (see `queue config`)")
    .option("--json", "print JSON")
    .option(...projectOpt)
    .action(run(async (o: { json?: boolean; project?: string }) => (await import("./commands/queue.ts")).queueCommand(o)));
  queue
    .command("config")
    .description("set the run queue limits of this instance")
    .option("--max-concurrent-runs <n>", "runs in progress at once")
    .option("--tag-limit <key[=value]:n>", "at most n runs with this tag at once (repeatable)", collect)
    .option(...projectOpt)
    .action(run(async (o: { maxConcurrentRuns?: string; tagLimit?: string[]; project?: string }) => (await import("./commands/queue.ts")).queueConfigCommand(o)));

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

// Output piped into a command that stops reading (`strata runs | head`) ends the CLI quietly,
// as other command-line tools do, instead of an unhandled EPIPE stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const code = await main(process.argv);
process.exitCode = code;
