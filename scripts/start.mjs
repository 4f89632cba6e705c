#!/usr/bin/env node
// `npm start`: build the medallion reference platform (examples/medallion) on the embedded
// default — SQLite history, DuckDB + parquet warehouse, no servers — then serve the web UI on it.
//
// One run materialises every asset: the unpartitioned ones (the CRM export, the dbt project, the
// KPI table) and the last DAYS complete days of the daily-partitioned event data. Running it
// again re-lands the same days (bronze replaces a day's rows; the incremental dbt model merges),
// so it is idempotent.
//
// Environment: STRATA_START_DAYS (default 3) days to build; STRATA_START_NO_UI=1 (or CI) to stop
// after the build instead of serving the UI; PORT for the UI (default 3000); STRATA_HOME to keep
// the instance somewhere else.
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join, relative } from "node:path";

const root = fileURLToPath(new URL("..", import.meta.url));
const example = join(root, "examples", "medallion");
const cli = join(root, "packages", "strata", "bin", "strata.mjs");
const rel = relative(process.cwd(), example) || ".";

const days = Math.max(1, Math.min(31, Number(process.env.STRATA_START_DAYS ?? 3) || 3));
const day = (offset) => new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() - offset)).toISOString().slice(0, 10);
// The last complete days (yesterday and the ones before it): the newest daily partitions.
const first = day(days);
const last = day(1);

const started = Date.now();
console.log(`Building the medallion platform (examples/medallion): every asset, partitions ${first}...${last}\n`);
const build = spawnSync(process.execPath, [cli, "materialize", "--select", "*", "--partition-range", `${first}...${last}`], { cwd: example, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);
const seconds = ((Date.now() - started) / 1000).toFixed(1);

const home = process.env.STRATA_HOME ? process.env.STRATA_HOME : join(example, ".strata");
console.log(`
Built in ${seconds}s. The platform's history and data are in ${home}:
  strata.db          run history, events, check results, partition status (SQLite)
  warehouse.duckdb   bronze / staging / silver / gold tables (DuckDB)
  parquet/           the lakehouse files (silver and gold sensor data, one file per day)
  landing/           the exports the bronze layer landed
Look around:
  cd ${rel}
  npx strata list                                   # assets: groups, deps, checks, last materialisation
  npx strata runs                                   # run history
  npx strata logs <run-id>                          # one run's structured log
  npx strata partitions bronze/orders               # which days are materialised
  npx strata materialize --select gold/customer_kpis
  npx strata backfill create --select 'tag:partitioned=daily' --partition-range ${day(days + 3)}...${day(days + 1)}
  npx strata sql build --project-dir dbt --select +revenue_by_customer_day   # the dbt project, like dbt build
  npx strata automation preview                     # what the eager / on-cron conditions would run next
`);

if (process.env.STRATA_START_NO_UI === "1" || (process.env.CI && process.env.CI !== "false")) {
  console.log("Serve the UI on it with: npx strata ui   (or `npx strata dev` to reload on code changes)");
  process.exit(0);
}

// Leave it browsable: the web UI and HTTP API on the instance just built (Ctrl-C stops it).
const port = process.env.PORT ?? "3000";
console.log(`Starting the UI (set STRATA_START_NO_UI=1 to skip) ...`);
const ui = spawn(process.execPath, [cli, "ui", "--port", port], { cwd: example, stdio: "inherit" });
const forward = (signal) => () => ui.kill(signal);
process.on("SIGINT", forward("SIGINT"));
process.on("SIGTERM", forward("SIGTERM"));
ui.on("exit", (code, signal) => {
  if (code !== 0 && signal === null) console.error(`\nThe UI stopped (exit ${code}). Is port ${port} in use? Try: PORT=3001 npm start, or cd ${rel} && npx strata ui --port 0`);
  process.exit(code ?? 0);
});
