/**
 * dbt projects on DuckDB (issue 5, "Performance"):
 * - Strata's overhead per model over running the same compiled SQL directly on DuckDB: a
 *   generated project of 60 models (views and tables reading seeds and each other) is run with
 *   `runDbtProject` (compile with introspection, transaction, hooks, row counts, artifacts);
 *   then the exact statements it executed are replayed on a bare DuckDB client. Both totals
 *   are reported; the target is on (strata − direct) / models.
 * - jaffle_shop end to end (3 seeds, 10 models incl. an ephemeral one and an incremental one,
 *   2 snapshots, 19 tests): load the project, open the warehouse, `build`, write artifacts.
 * Each row reports wall time; the machine may be shared (see load average).
 *
 * Run: `node --expose-gc --import tsx bench/sql.bench.ts` (or `npm run bench -- sql`).
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDuckDB } from "@strata/duckdb";
import { loadDbtProject, openAdapter, runDbtProject, type SqlAdapter } from "@strata/sql";
import { REPO_ROOT, gc, measure, row, startResult } from "./lib.ts";

const MODELS = 60;
const RUNS = 5;

function generatedProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "strata-sql-bench-"));
  const files: Record<string, string> = {
    "dbt_project.yml": "name: bench\nprofile: bench\nmodels:\n  bench:\n    +materialized: view\n    marts:\n      +materialized: table\n",
    "profiles.yml": `bench:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: "bench.duckdb", schema: main }\n`,
    "seeds/raw_items.csv": "id,kind,amount\n" + Array.from({ length: 200 }, (_, i) => `${i + 1},k${i % 7},${(i * 13) % 97}`).join("\n") + "\n",
    "macros/double.sql": "{% macro double(c) %}({{ c }} * 2){% endmacro %}\n",
  };
  for (let i = 0; i < MODELS; i++) {
    const folder = i % 3 === 0 ? "marts" : "staging";
    const from = i < 3 ? "{{ ref('raw_items') }}" : `{{ ref('m${i - 3}') }}`;
    files[`models/${folder}/m${i}.sql`] = `select id, kind, {{ double('amount') }} as amount\nfrom ${from}\n{% if var('filter', false) %}where amount > 0{% endif %}\n`;
  }
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(dir, rel, ".."), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

/** Wraps an adapter so every statement it executes (also inside transactions) is recorded. */
function recording(a: SqlAdapter, log: string[]): SqlAdapter {
  return {
    ...a,
    execute: (sql, params) => (log.push(sql), a.execute(sql, params)),
    transaction: (fn) => a.transaction((tx) => fn({ ...tx, execute: (sql, params) => (log.push(sql), tx.execute(sql, params)) })),
  };
}

const result = startResult("sql", "dbt projects on DuckDB");

// 1. Overhead per model.
{
  const dir = generatedProject();
  const project = loadDbtProject(dir);
  const adapter = await openAdapter(project.target);
  await runDbtProject(project, adapter, { command: "seed" });
  // The same DuckDB instance for both (a second client on the path shares it); runs alternate
  // so a busy machine slows both alike.
  const db = await openDuckDB({ path: join(dir, "bench.duckdb") });
  const statements: string[] = [];
  const once = async () => {
    statements.length = 0;
    const run = await runDbtProject(project, recording(adapter, statements), { command: "run" });
    if (!run.success) throw new Error(run.results.find((r) => r.error)?.error?.message);
  };
  const replay = async () => {
    for (const s of statements) await db.run(s);
  };
  await once();
  await replay();
  const strata: number[] = [];
  const direct: number[] = [];
  for (let i = 0; i < RUNS * 2; i++) {
    gc();
    strata.push(...(await measure(once, { runs: 1, warmup: false })));
    gc();
    direct.push(...(await measure(replay, { runs: 1, warmup: false })));
  }
  await db.close();
  await adapter.close();
  const perModel = strata.map((t, i) => (t - direct[i]!) / MODELS);
  result.rows.push(row(`run ${MODELS} models through Strata (total)`, strata, undefined, { statements: statements.length }));
  result.rows.push(row(`same ${statements.length} statements directly on DuckDB (total)`, direct));
  result.rows.push(row("Strata overhead per model", perModel, 5));
  result.rows.push(row("Strata overhead per model (fastest vs fastest run)", [(Math.min(...strata) - Math.min(...direct)) / MODELS]));
  rmSync(dir, { recursive: true, force: true });
}

// 2. jaffle_shop end to end.
{
  const fixture = join(REPO_ROOT, "integrations/sql/test/fixtures/jaffle_shop");
  const dirs: string[] = [];
  const prepare = () => {
    const dir = mkdtempSync(join(tmpdir(), "strata-sql-jaffle-"));
    cpSync(fixture, dir, { recursive: true });
    writeFileSync(join(dir, "profiles.yml"), `jaffle_shop:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: "jaffle.duckdb", schema: main }\n`);
    dirs.push(dir);
    return dir;
  };
  let dir = prepare();
  const times = await measure(async () => {
    const project = loadDbtProject(dir);
    const adapter = await openAdapter(project.target);
    await adapter.execute(`create schema if not exists raw_app`);
    await adapter.execute(`create table if not exists raw_app.events as select 1 as event_id, 1 as account_id, 'click' as event_type, timestamp '2024-01-01' as _loaded_at`);
    const run = await runDbtProject(project, adapter, { command: "build" });
    await adapter.close();
    if (!run.success || run.results.length !== 34) throw new Error(`jaffle_shop build: ${run.results.length} nodes, success ${run.success}`);
  }, { runs: RUNS, between: () => { gc(); dir = prepare(); } });
  result.rows.push(row("jaffle_shop build end to end (load + 34 nodes + artifacts)", times, 1000, { nodes: 34 }));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

result.notes.push("overhead = (Strata total − direct total) / models, per run; direct replays the exact statements Strata executed, outside a transaction");
result.finish();
