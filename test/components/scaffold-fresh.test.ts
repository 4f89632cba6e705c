/**
 * Starting from nothing but a package.json: the scaffolds create a project whose components pass
 * both checks and run (the built-in command scaffold included); a sql_project pointing at no dbt
 * project fails with the defs.yaml position; component types registered by a dependency package
 * are listed and validated.
 */
import { afterAll, describe, expect, it } from "vitest";
import { checkYaml, formatProblem } from "@strata/components";
import { makeProject } from "../helpers/run-cli.ts";

const p = makeProject(
  {
    "package.json": JSON.stringify({
      name: "fresh",
      private: true,
      type: "module",
      dependencies: { "acme-components": "1.0.0" },
    }),
    "node_modules/acme-components/package.json": JSON.stringify({
      name: "acme-components",
      version: "1.0.0",
      type: "module",
      strata: { components: "./index.mjs" },
    }),
    "node_modules/acme-components/index.mjs": `import { asset, defineComponent, defineDefinitions, z } from "strata";
export const ping = defineComponent({
  type: "acme.ping",
  description: "one asset per ping",
  attributes: z.strictObject({ key: z.string(), times: z.number().int().min(1) }),
  buildDefs: (ctx) => defineDefinitions({ assets: [asset({ key: ctx.attributes.key }, () => ctx.attributes.times)] }),
});
`,
  },
  { name: "scaffold-fresh" },
);
afterAll(() => p.cleanup());
const NO_STACK = /\n\s+at .+:\d+:\d+\)?\n/;

describe("scaffolding a fresh project", () => {
  it("scaffolds into a folder with only a package.json; everything checks and runs", async () => {
    const c = await p.run(["scaffold", "component", "Pull"]);
    expect(c.code, c.output).toBe(0);
    for (const [type, path] of [
      ["project.pull", "pull"],
      ["strata.command", "cmd"],
      ["acme.ping", "ping"],
    ]) {
      const s = await p.run(["scaffold", "defs", type!, path!]);
      expect(s.code, s.output).toBe(0);
    }
    const y = await p.run(["check", "yaml"]);
    expect(y.code, y.output).toBe(0);
    const d = await p.run(["check", "defs"]);
    expect(d.code, d.output).toBe(0);
    const m = await p.run(["materialize"]);
    expect(m.code, m.output).toBe(0);
    expect(m.stdout).toContain("hello from strata.command");
  }, 120_000);

  it("scaffold defs refuses folders outside defs/ and defs/ itself (which would hide every other definition)", async () => {
    for (const path of ["defs", "../elsewhere", "defs/../.."]) {
      const r = await p.run(["scaffold", "defs", "strata.command", path]);
      expect(r.code, r.output).toBe(2);
      expect(r.output).toContain(`"${path}" is not a folder inside defs/`);
      expect(r.output).toContain("hint: Give a sub-folder");
    }
  });

  it("package types are listed and validated from the schema snapshot", async () => {
    const l = await p.run(["list", "components"]);
    expect(l.stdout).toMatch(/acme\.ping\s+package:acme-components\s+key\*, times\*/);
    p.write({ "defs/ping/defs.yaml": "type: acme.ping\nattributes: { key: ping/a, times: 0 }\n" });
    const r = checkYaml({ root: p.dir, environment: {} });
    expect(r.problems.map((x) => formatProblem(x).split("\n")[0])).toEqual([
      "defs/ping/defs.yaml:2:35: error[COMPONENT_INVALID] attributes.times: Too small: expected number to be >=1",
    ]);
    p.write({ "defs/ping/defs.yaml": "type: acme.ping\nattributes: { key: ping/a, times: 2 }\n" });
  });

  it("a sql_project without a dbt project fails at project_dir's position in defs.yaml", async () => {
    const s = await p.run(["scaffold", "defs", "strata.sql_project", "dbt"]);
    expect(s.code, s.output).toBe(0);
    const d = await p.run(["check", "defs"]);
    expect(d.code).toBe(1);
    expect(d.output).toContain("error[SQL_PROJECT_INVALID] project_dir: no dbt_project.yml in defs/dbt/dbt");
    expect(d.output).toMatch(/--> defs\/dbt\/defs\.yaml:\d+:16/);
    expect(d.output).toContain("hint: project_dir is relative to the defs.yaml folder");
    expect(d.output).not.toMatch(NO_STACK);
  });
});
