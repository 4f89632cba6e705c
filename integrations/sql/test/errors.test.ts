import { describe, expect, it } from "vitest";
import { compileNodeSync } from "../src/compile.ts";
import { load, thrown } from "./helpers.ts";

describe("errors name the file and line", () => {
  it("YAML syntax errors give file:line:col", () => {
    const e = thrown(() => load({ "models/a.sql": "select 1", "models/schema.yml": "version: 2\nmodels:\n  - name: a\n    description: [unclosed\n" }));
    expect(e.code).toBe("SQL_YAML_INVALID");
    expect(e.where).toMatch(/^models\/schema\.yml:\d+:\d+$/);
  });

  it("invalid YAML structure points at the entry", () => {
    const e = thrown(() => load({ "models/a.sql": "select 1", "models/schema.yml": "version: 2\nmodels:\n  - name: a\n  - description: no name\n" }));
    expect(e.code).toBe("SQL_YAML_INVALID");
    expect(e.where).toBe("models/schema.yml:4:5");
    expect(e.message).toContain("needs a 'name'");
  });

  it("Jinja syntax errors give the model's file:line", () => {
    const e = thrown(() => load({ "models/a.sql": "select 1\nfrom t\n{% if x %}\nwhere 1\n{% endfor %}\n" }));
    expect(e.code).toBe("SQL_TEMPLATE");
    expect(e.where).toBe("models/a.sql:5");
  });

  it("errors inside snapshot blocks are offset to the file's line", () => {
    const e = thrown(() => load({ "models/s.sql": "select 1", "snapshots/snap.sql": "-- header\n\n{% snapshot s1 %}\n{{ config(unique_key='id', strategy='timestamp', updated_at='u') }}\nselect * from {{ ref('s') }}\n{{ nope() }}\n{% endsnapshot %}\n" }));
    expect(e.where).toBe("snapshots/snap.sql:6");
  });

  it("an unknown ref suggests the closest model and names the line", () => {
    const e = thrown(() => load({ "models/stg_orders.sql": "select 1", "models/orders.sql": "select *\nfrom {{ ref('stg_order') }}" }));
    expect(e.code).toBe("SQL_UNKNOWN_REF");
    expect(e.message).toContain("did you mean 'stg_orders'");
    expect(e.where).toBe("models/orders.sql:2");
    expect(e.hint).toBe("Use ref('stg_orders').");
  });

  it("an unknown source and an unknown generic test are reported with suggestions", () => {
    const src = thrown(() => load({ "models/a.sql": "select * from {{ source('raw', 'orderz') }}", "models/src.yml": "version: 2\nsources:\n  - name: raw\n    tables: [{name: orders}]\n" }));
    expect(src.message).toContain("did you mean 'raw.orders'");
    const test = thrown(() => load({ "models/a.sql": "select 1 as id", "models/s.yml": "version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        data_tests: [uniq]\n" }));
    expect(test.message).toContain("Unknown generic test 'uniq' — did you mean 'unique'?");
    expect(test.where).toBe("models/s.yml:6:22");
  });

  it("missing env vars and vars say what to set", () => {
    const p = load({ "models/a.sql": "{% if execute %}{{ env_var('STRATA_SURELY_MISSING') }}{% endif %}" });
    const e = thrown(() => compileNodeSync(p, "model.p.a"));
    expect(e.code).toBe("ENV_MISSING");
    expect(e.where).toBe("models/a.sql:1");
    const v = thrown(() => load({ "models/b.sql": "select\n{{ var('nope') }}" }));
    expect(v.message).toContain("Required var 'nope'");
    expect(v.where).toBe("models/b.sql:2");
  });

  it("a missing dispatch implementation names the package to install", () => {
    const e = thrown(() => load({ "models/a.sql": "{{ adapter.dispatch('thing', 'some_pkg')() }}" }));
    expect(e.message).toContain("No macro named 'thing'");
    expect(e.hint).toContain("dbt_packages/some_pkg");
  });
});
