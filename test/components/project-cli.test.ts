/**
 * A single project with defs/ through the real CLI: scaffolds that pass both checks and run,
 * template vars, plain .ts definitions next to YAML, strata list components, JSON Schema
 * publishing and git code links.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeProject, type TempProject } from "../helpers/run-cli.ts";

const SHA = "0123456789abcdef0123456789abcdef01234567";
let p: TempProject;
beforeAll(() => {
  p = makeProject(
    {
      "package.json": JSON.stringify({ name: "shop", private: true, type: "module" }),
      "defs/plain.ts": `import { asset } from "strata";\nexport const hello = asset({ key: "plain/hello" }, () => "hi");\n`,
      "defs/team/template_vars.ts": `export const team = { name: "growth" };\nexport function shout(s: string) { return s.toUpperCase() + "!"; }\n`,
      "defs/team/defs.yaml": [
        "type: strata.command",
        "attributes:",
        "  key: team/report",
        "  command: node",
        `  args: ["-e", "console.log('{{ shout(team.name) }}')"]`,
        "  deps: [plain/hello]",
        "post_processing:",
        "  assets:",
        "    - attributes: { group: '{{ team.name }}', owners: ['team:{{ team.name }}'] }",
        "",
      ].join("\n"),
      ".git/HEAD": "ref: refs/heads/main\n",
      ".git/refs/heads/main": `${SHA}\n`,
      ".git/config": '[core]\n\tbare = false\n[remote "origin"]\n\turl = git@github.com:acme/shop.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n',
    },
    { name: "components" },
  );
});
afterAll(() => p?.cleanup());

describe("a defs/ project", () => {
  it("loads YAML with template vars next to plain .ts definitions, and links code to the git host", async () => {
    const r = await p.run(["list", "--json"]);
    expect(r.code, r.output).toBe(0);
    const out = JSON.parse(r.stdout) as { assets: { key: string; group: string; owners: string[]; deps: { key: string }[]; codeRef: { file: string; line: number; url?: string } }[] };
    const report = out.assets.find((a) => a.key === "team/report")!;
    expect(report.group).toBe("growth");
    expect(report.owners).toEqual(["team:growth"]);
    expect(report.deps).toEqual([{ key: "plain/hello" }]);
    expect(report.codeRef.file).toBe("defs/team/defs.yaml");
    expect(report.codeRef.url).toBe(`https://github.com/acme/shop/blob/${SHA}/defs/team/defs.yaml#L4`);
    expect(out.assets.find((a) => a.key === "plain/hello")!.codeRef.url).toBe(`https://github.com/acme/shop/blob/${SHA}/defs/plain.ts#L2`);
    const m = await p.run(["materialize"]);
    expect(m.code, m.output).toBe(0);
    expect(m.stdout).toContain("GROWTH!");
  });

  it("scaffolds a component and defs.yaml files that pass check yaml and check defs, and run", async () => {
    const c = await p.run(["scaffold", "component", "ApiThing"]);
    expect(c.code, c.output).toBe(0);
    expect(c.stdout).toContain("components/api-thing.ts (type project.api_thing)");
    for (const [type, path] of [["project.api_thing", "things"], ["strata.medallion", "shop"], ["strata.duckdb_sql", "models"], ["strata.command", "cmd"]]) {
      const s = await p.run(["scaffold", "defs", type!, path!]);
      expect(s.code, s.output).toBe(0);
    }
    const yaml = readFileSync(join(p.dir, "defs/things/defs.yaml"), "utf8");
    expect(yaml).toContain("# yaml-language-server: $schema=../../defs.schema.json");
    expect(yaml).toContain("type: project.api_thing");
    expect(yaml).toMatch(/items:\n\s+- first/);
    const schema = JSON.parse(readFileSync(join(p.dir, "defs.schema.json"), "utf8")) as { allOf: { if: { properties: { type: { const: string } } } }[] };
    expect(schema.allOf.map((b) => b.if.properties.type.const)).toContain("project.api_thing");
    const y = await p.run(["check", "yaml"]);
    expect(y.code, y.output).toBe(0);
    expect(y.stdout).toContain("✓ 5 defs.yaml files, 5 components valid");
    const d = await p.run(["check", "defs"]);
    expect(d.code, d.output).toBe(0);
    const m = await p.run(["materialize", "--select", "example/first or example/second"]);
    expect(m.code, m.output).toBe(0);
    expect(m.stdout).toMatch(/2 succeeded, 0 failed/);
  }, 180_000);

  it("lists component types with their schemas, project types included", async () => {
    const r = await p.run(["list", "components", "--json"]);
    expect(r.code, r.output).toBe(0);
    const types = (JSON.parse(r.stdout) as { types: { type: string; source: string; schema: { required?: string[] } }[] }).types;
    expect(types.map((t) => t.type)).toEqual(["project.api_thing", "strata.command", "strata.duckdb_sql", "strata.medallion", "strata.sql_project"]);
    expect(types[0]!.source).toBe("project");
    expect(types[0]!.schema.required).toEqual(["prefix", "items"]);
    const text = await p.run(["list", "components"]);
    expect(text.stdout).toContain("key*, command*");
  });

  it("check yaml --watch re-checks when a file changes", async () => {
    mkdirSync(join(p.dir, "defs/watched"), { recursive: true });
    writeFileSync(join(p.dir, "defs/watched/defs.yaml"), "type: strata.command\nattributes: { key: w, command: echo }\n");
    const w = p.start(["check", "yaml", "--watch"]);
    await w.waitFor(/Watching/);
    await new Promise((r) => setTimeout(r, 1000)); // the recursive watcher registers its folders
    writeFileSync(join(p.dir, "defs/watched/defs.yaml"), "type: strata.command\nattributes: { key: w, command: 1 }\n");
    await w.waitFor(/defs\/watched\/defs\.yaml:2:\d+: error\[COMPONENT_INVALID\] attributes\.command/, 20_000);
    w.child.kill("SIGINT");
    await w.done;
  });
});
