/**
 * Generates a dbt project of `n` models for benchmarks: staging models over sources, models
 * with 1–3 refs, a Jinja loop and a project macro each, and generic tests on every model.
 *
 * @example
 * const dir = generateProject(1000); // then loadDbtProject(dir)
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function generateProject(n: number, dir = mkdtempSync(join(tmpdir(), "strata-sql-bench-"))): string {
  const w = (rel: string, text: string) => {
    mkdirSync(join(dir, rel, ".."), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  w("dbt_project.yml", "name: bench\nprofile: bench\nvars:\n  cols: [a, b, c]\nmodels:\n  bench:\n    +materialized: view\n    marts:\n      +materialized: table\n      +schema: marts\n");
  w("profiles.yml", "bench:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: ':memory:', schema: main }\n");
  w("macros/helpers.sql", "{% macro cents(c, scale=2) %}round({{ c }} / 100.0, {{ scale }}){% endmacro %}\n{% macro cols(prefix) %}{% for c in var('cols') %}{{ prefix }}.{{ c }}{{ ', ' if not loop.last }}{% endfor %}{% endmacro %}\n");
  const staging = Math.max(1, Math.floor(n / 20));
  const sources = ["version: 2", "sources:"];
  for (let s = 0; s < Math.ceil(staging / 5); s++) {
    sources.push(`  - name: src${s}`, "    loaded_at_field: _loaded_at", "    freshness: { warn_after: { count: 12, period: hour } }", "    tables:");
    for (let t = 0; t < 5; t++) sources.push(`      - name: t${t}`);
  }
  w("models/staging/sources.yml", sources.join("\n") + "\n");
  const props = ["version: 2", "models:"];
  for (let i = 0; i < n; i++) {
    const isStaging = i < staging;
    const name = isStaging ? `stg_${i}` : `m_${i}`;
    const folder = isStaging ? "staging" : i % 2 ? "marts" : "intermediate";
    let sql: string;
    if (isStaging) sql = `select id, a, b, c, amount, _loaded_at from {{ source('src${Math.floor(i / 5)}', 't${i % 5}') }}`;
    else {
      const refs = [...new Set([(i * 7) % i, (i * 13) % i, i - 1])].slice(0, 1 + (i % 3)).map((j) => (j < staging ? `stg_${j}` : `m_${j}`));
      sql = [
        `{{ config(tags=['t${i % 10}']) }}`,
        `with base as (select * from {{ ref('${refs[0]}') }})`,
        ...refs.slice(1).map((r, k) => `, j${k} as (select id from {{ ref('${r}') }})`),
        `select base.id, {{ cols('base') }}, {{ cents('base.amount') }} as amount, base._loaded_at`,
        "from base",
        ...refs.slice(1).map((_, k) => `left join j${k} using (id)`),
        "{% if is_incremental() %}where 1 = 1{% endif %}",
      ].join("\n");
    }
    w(`models/${folder}/${name}.sql`, sql + "\n");
    props.push(`  - name: ${name}`, `    description: Model ${i}`, "    columns:", "      - name: id", "        data_tests: [unique, not_null]");
    if (i % 10 === 0) props.push("      - name: a", "        data_tests:", "          - accepted_values:", "              values: ['x', 'y']");
  }
  w("models/schema.yml", props.join("\n") + "\n");
  return dir;
}
