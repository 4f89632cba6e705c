import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { loadDbtProject } from "../src/load-project.ts";
import { openAdapter } from "../src/adapters/open.ts";
import { runDbtNode } from "../src/run-node.ts";
import { runDbtProject } from "../src/run-project.ts";
import { makeProject } from "./helpers.ts";
import { postgresAvailable, type Engine } from "./warehouse.ts";

const pgUp = await postgresAvailable();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function project(engine: Engine, files: Record<string, string>, schema: string) {
  const profile = engine === "duckdb"
    ? `p:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: "w.duckdb", schema: main }\n`
    : `p:\n  target: pg\n  outputs:\n    pg: { type: postgres, host: 127.0.0.1, user: postgres, dbname: test, schema: ${schema} }\n`;
  const dir = makeProject({ "profiles.yml": profile, ...files });
  dirs.push(dir);
  return dir;
}

describe("errors name the file and line and fail only their model", () => {
  it("SQL and Jinja errors: the model fails with file:line and an excerpt; downstream skipped; the rest runs", async () => {
    const dir = project("duckdb", {
      "models/good.sql": "select 1 as id",
      "models/bad_sql.sql": "select id,\n  {{ 'nope' }}_col\nfrom {{ ref('good') }}\n",
      "models/bad_jinja.sql": "select 1 as id\n{% if execute %}\n{{ exceptions.raise_compiler_error('no way') }}\n{% endif %}\n",
      "models/after_bad.sql": "select * from {{ ref('bad_sql') }}",
      "models/after_good.sql": "select * from {{ ref('good') }}",
    }, "");
    const p = loadDbtProject(dir);
    const adapter = await openAdapter(p.target);
    try {
      const run = await runDbtProject(p, adapter, { command: "run" });
      const by = Object.fromEntries(run.results.map((r) => [r.name, r]));
      expect(run.success).toBe(false);
      expect(by.good!.status).toBe("success");
      expect(by.after_good!.status).toBe("success");
      expect(by.after_bad!.status).toBe("skipped");
      expect(by.bad_sql!.status).toBe("error");
      expect(by.bad_sql!.error!.where).toBe("models/bad_sql.sql:2");
      expect(by.bad_sql!.error!.message).toMatch(/Binder Error: .*nope_col[\s\S]*compiled SQL \(line 2\):\n.*1 \| select id,\n +> 2 \| {3}nope_col\n.*3 \| from "w"."main"."good"/);
      expect(by.bad_jinja!.status).toBe("error");
      expect(by.bad_jinja!.error!.where).toBe("models/bad_jinja.sql:3");
      expect(by.bad_jinja!.error!.message).toContain("no way");
      expect(by.bad_jinja!.error!.message).toMatch(/> 3 \| \{\{ exceptions.raise_compiler_error\('no way'\) \}\}/);
    } finally {
      await adapter.close();
    }
  });
});

const INCREMENTAL = {
  "seeds/src.csv": "id,v,u\n1,a,1\n2,b,1\n",
  "models/inc_append.sql": "{{ config(materialized='incremental') }}\nselect id, v from {{ ref('src') }}\n{% if is_incremental() %}where u > 1{% endif %}\n",
  "models/inc_merge.sql": "{{ config(materialized='incremental', unique_key='id', incremental_strategy='merge', on_schema_change='append_new_columns') }}\nselect id, v{% if var('extra', false) %}, u{% endif %} from {{ ref('src') }}\n{% if is_incremental() %}where u > 1{% endif %}\n",
  "models/inc_del.sql": "{{ config(materialized='incremental', unique_key=['id'], incremental_strategy='delete+insert', pre_hook='select 1', post_hook=\"create table if not exists {{ this.schema }}.hook_ran as select 1 as x\") }}\nselect id, v from {{ ref('src') }}\n{% if is_incremental() %}where u > 1{% endif %}\n",
};

describe.each<Engine>(["duckdb", "postgres"])("incremental strategies and hooks on %s", (engine) => {
  const skip = engine === "postgres" && !pgUp;
  it.skipIf(skip)("append, merge (with a new column) and delete+insert; post-hook ran", async () => {
    const schema = `strata_inc${process.pid}_${Date.now().toString(36)}`;
    const dir = project(engine, INCREMENTAL, schema);
    let p = loadDbtProject(dir);
    const adapter = await openAdapter(p.target);
    const s = p.target.schema;
    try {
      expect((await runDbtProject(p, adapter, { command: "build" })).success).toBe(true);
      const { writeFileSync } = await import("node:fs");
      writeFileSync(`${dir}/seeds/src.csv`, "id,v,u\n1,a,1\n2,B,2\n3,c,2\n");
      p = loadDbtProject(dir, { vars: { extra: true } });
      const second = await runDbtProject(p, adapter, { command: "build" });
      expect(second.results.filter((r) => r.status !== "success").map((r) => r.error?.message)).toEqual([]);
      const q = async (t: string, cols = "id, v") => (await adapter.query(`select ${cols} from "${s}"."${t}" order by id, v`)).map((r) => Object.values(r));
      expect(await q("inc_append")).toEqual([[1, "a"], [2, "B"], [2, "b"], [3, "c"]]);
      expect(await q("inc_merge", "id, v, u")).toEqual([[1, "a", null], [2, "B", 2], [3, "c", 2]]);
      expect(await q("inc_del")).toEqual([[1, "a"], [2, "B"], [3, "c"]]);
      expect(await adapter.query(`select x from "${s}"."hook_ran"`)).toEqual([{ x: 1 }]);
      const node = await runDbtNode(p, "model.p.inc_merge", adapter, { fullRefresh: true });
      expect(node.message).toBe("CREATE TABLE (3 rows)");
    } finally {
      if (engine === "postgres") await adapter.execute(`drop schema if exists "${s}" cascade`);
      await adapter.close();
    }
  });
});
