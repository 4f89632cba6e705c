/**
 * End to end through the CLI: templating (partition helpers, a per-folder template_vars.ts,
 * project-relative paths), STRATA_ENV with the per-environment naming helpers in YAML and in
 * TypeScript definitions, and a missing secret — the location loads, only the asset needing the
 * secret fails at run time, naming it — plus the errors of templates that try to run code.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeProject } from "../helpers/run-cli.ts";

const SCRIPT = `import { writeFileSync } from "node:fs";
const e = process.env;
writeFileSync(process.argv[2], JSON.stringify({ key: e.STRATA_PARTITION_KEY, start: e.STRATA_PARTITION_START, end: e.STRATA_PARTITION_END, db: e.DB, region: e.REGION, token: e.TOKEN ? "set" : "unset" }));
`;

const p = makeProject(
  {
    "scripts/write.mjs": SCRIPT,
    "defs/events/template_vars.ts": `export const region = "eu";\nexport function out(name: string) { return "out-" + name + ".json"; }\n`,
    "defs/events/defs.yaml": [
      "type: strata.command",
      "attributes:",
      "  key: \"{{ env_schema('raw') }}/events\"",
      "  partitions: \"{{ daily_partitions('2024-01-01', '2024-01-05') }}\"",
      "  command: node",
      '  args: ["{{ project_path(\'scripts/write.mjs\') }}", "{{ project_path(out(region)) }}"]',
      "  env:",
      "    DB: \"{{ env_database('warehouse') }}\"",
      '    REGION: "{{ region | upper }}"',
      "    TOKEN: \"{{ secret('EVENTS_TOKEN') }}\"",
      "",
    ].join("\n"),
    "defs/other/defs.yaml":
      "type: strata.command\nattributes:\n  key: other/ok\n  command: node\n  args: ['-e', 'console.log(1)']\n",
    "defs/mart.ts": `import { asset, envSchema } from "strata";\nexport const mart = asset({ key: [envSchema("mart"), "daily"] }, () => 1);\n`,
  },
  { name: "templating-env" },
);
afterAll(() => p.cleanup());

type Listed = { key: string; partitions?: { kind: string }; codeRef: { file: string; line: number } };
const list = async (env: Record<string, string | undefined>) => {
  const r = await p.run(["list", "--json"], { env });
  expect(r.code, r.output).toBe(0);
  return (JSON.parse(r.stdout) as { assets: Listed[] }).assets;
};

describe("templating and environments, end to end", () => {
  it("STRATA_ENV names schemas and databases in YAML and TS; partition helpers and template vars apply", async () => {
    const staging = await list({ STRATA_ENV: "staging", EVENTS_TOKEN: undefined });
    expect(staging.map((a) => a.key).sort()).toEqual([
      "mart_staging/daily",
      "other/ok",
      "raw_staging/events",
    ]);
    const events = staging.find((a) => a.key === "raw_staging/events")!;
    expect(events.partitions?.kind).toBe("time_window");
    expect(events.codeRef).toMatchObject({ file: "defs/events/defs.yaml", line: 5 });
    const prod = await list({ STRATA_ENV: "prod", EVENTS_TOKEN: undefined });
    expect(prod.map((a) => a.key).sort()).toEqual(["mart/daily", "other/ok", "raw/events"]);
  });

  it("a missing secret: the location loads, only the asset needing it fails, naming it; with it set the run gets every value", async () => {
    const env = { STRATA_ENV: "staging", EVENTS_TOKEN: undefined };
    const ok = await p.run(["materialize", "--select", "other/ok"], { env });
    expect(ok.code, ok.output).toBe(0);
    const failed = await p.run(
      ["materialize", "--select", "raw_staging/events", "--partition", "2024-01-02"],
      { env },
    );
    expect(failed.code).toBe(1);
    expect(failed.output).toContain("EVENTS_TOKEN");
    expect(failed.output).toMatch(/not set/);
    expect(failed.output).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);

    const run = await p.run(["materialize", "--select", "raw_staging/events", "--partition", "2024-01-02"], {
      env: { ...env, EVENTS_TOKEN: "s3cr3t-value" },
    });
    expect(run.code, run.output).toBe(0);
    expect(run.output).not.toContain("s3cr3t-value");
    const written = JSON.parse(readFileSync(join(p.dir, "out-eu.json"), "utf8")) as Record<string, string>;
    expect(written).toEqual({
      key: "2024-01-02",
      start: "2024-01-02T00:00:00.000Z",
      end: "2024-01-03T00:00:00.000Z",
      db: "WAREHOUSE_STAGING",
      region: "EU",
      token: "set",
    });
  }, 120_000);

  it("templates that try to run code, and Jinja blocks, are errors at file:line:col with a hint", async () => {
    p.write({
      "defs/evil/defs.yaml": [
        "type: strata.command",
        "attributes:",
        "  key: evil/x",
        "  command: \"{{ constructor.constructor('return process')() }}\"",
        '  args: ["{{ env.PATH.constructor }}", "{% if x %}a{% endif %}", "{{ 1 + 2 }}"]',
        "",
      ].join("\n"),
    });
    try {
      const r = await p.run(["check", "yaml"]);
      expect(r.code).toBe(1);
      const lines = r.stdout.split("\n").filter((l) => l.startsWith("defs/evil"));
      expect(lines).toEqual([
        'defs/evil/defs.yaml:4:13: error[TEMPLATE_INVALID] Unknown name "constructor" in template',
        'defs/evil/defs.yaml:5:11: error[TEMPLATE_INVALID] "constructor" cannot be accessed in templates',
        'defs/evil/defs.yaml:5:41: error[TEMPLATE_INVALID] "{%" blocks (if, for, set) are not part of Strata templates',
        'defs/evil/defs.yaml:5:72: error[TEMPLATE_INVALID] Unexpected "+" in template expression "1 + 2"',
      ]);
      expect(r.stdout).toContain("hint: Templates have only {{ expressions }}");
      const d = await p.run(["check", "defs"]);
      expect(d.code).toBe(1);
      expect(d.output).toContain("--> defs/evil/defs.yaml:4:13");
      expect(d.output).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
    } finally {
      p.write({
        "defs/evil/defs.yaml": "type: strata.command\nattributes: { key: evil/x, command: echo }\n",
      });
    }
  });
});
