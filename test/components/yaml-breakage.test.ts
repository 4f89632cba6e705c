/**
 * More ways users break a defs.yaml, each reported by `check yaml` with file:line:col, what is
 * wrong and what to do: an empty file, a document without `type:`, tabs, duplicate keys, a list
 * instead of a mapping. And broken project modules next to them (a defs/*.ts with a syntax
 * error, a template_vars.ts that throws, a component module that does not parse): `check defs`
 * names the file:line:col and shows only the project's own stack frames.
 */
import { afterAll, describe, expect, it } from "vitest";
import { checkYaml, formatProblem } from "@strata/components";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { makeProject } from "../helpers/run-cli.ts";

const p = makeProject(
  {
    "defs/empty/defs.yaml": "",
    "defs/comment/defs.yaml": "# nothing yet\n",
    "defs/notype/defs.yaml": "attributes: { key: a, command: echo }\n",
    "defs/tabs/defs.yaml": "type: strata.command\nattributes:\n\tkey: x\n",
    "defs/dupkey/defs.yaml":
      "type: strata.command\nattributes: { key: k, command: echo }\ntype: strata.command\n",
    "defs/list/defs.yaml": "- type: strata.command\n",
  },
  { name: "yaml-breakage" },
);
afterAll(() => p.cleanup());

describe("broken defs.yaml files", () => {
  it("are each reported at file:line:col with a hint", () => {
    const r = checkYaml({ root: p.dir, environment: {} });
    expect(r.problems.map((x) => formatProblem(x).split("\n")[0])).toEqual([
      "defs/comment/defs.yaml:1:1: warning[COMPONENT_INVALID] This defs.yaml has no document: the folder defines nothing",
      "defs/dupkey/defs.yaml:3:1: error[YAML_SYNTAX] YAML syntax error: Map keys must be unique",
      "defs/empty/defs.yaml:1:1: warning[COMPONENT_INVALID] This defs.yaml has no document: the folder defines nothing",
      "defs/list/defs.yaml:1:1: error[COMPONENT_INVALID] A defs.yaml document must be a mapping with `type:` and `attributes:`",
      'defs/notype/defs.yaml:1:1: error[COMPONENT_INVALID] Missing "type:" (the component type of this document)',
      "defs/tabs/defs.yaml:3:1: error[YAML_SYNTAX] YAML syntax error: Tabs are not allowed as indentation",
    ]);
    for (const x of r.problems) expect(x.hint, formatProblem(x)).toBeTruthy();
    expect(r.problems.find((x) => x.file === "defs/empty/defs.yaml")!.hint).toContain(
      "sub-folders are not loaded",
    );
    expect(r.problems.find((x) => x.file === "defs/notype/defs.yaml")!.hint).toContain(
      "strata list components",
    );
  });
});

describe("broken project modules", () => {
  const m = makeProject(
    { "defs/ok/defs.yaml": "type: strata.command\nattributes: { key: ok, command: echo }\n" },
    { name: "module-breakage" },
  );
  afterAll(() => m.cleanup());
  const checkDefs = async () => {
    const r = await m.run(["check", "defs"]);
    expect(r.code).toBe(1);
    return r.output;
  };

  it("a syntax error in a defs/*.ts or a component module points at its line and column, without a stack", async () => {
    m.write({ "defs/bad.ts": "export const x = ;\n" });
    const ts = await checkDefs();
    expect(ts).toContain(
      'error[DEFS_IMPORT_FAILED] Loading defs/bad.ts failed: syntax error: Unexpected ";"',
    );
    expect(ts).toContain("--> defs/bad.ts:1:18");
    expect(ts).not.toMatch(/\n\s+at .+:\d+:\d+/);
    rmSync(join(m.dir, "defs/bad.ts"));

    m.write({ "components/c.ts": "export const = 1;\n" });
    const comp = await checkDefs();
    expect(comp).toContain("Loading component module components/c.ts failed: syntax error:");
    expect(comp).toContain("--> components/c.ts:1:14");
    rmSync(join(m.dir, "components"), { recursive: true });
  });

  it("a template_vars.ts that throws shows the throwing line and only the project's frames", async () => {
    m.write({
      "defs/ok/template_vars.ts": 'export function f() {\n  throw new Error("no vars today");\n}\nf();\n',
    });
    const out = await checkDefs();
    expect(out).toContain("Loading defs/ok/template_vars.ts failed: no vars today");
    expect(out).toContain("--> defs/ok/template_vars.ts:2:9");
    expect(out).toMatch(/at f \(.*defs\/ok\/template_vars\.ts:2:9\)/);
    expect(out).not.toContain("load-defs-folder");
    expect(out).not.toContain("node:internal");
    rmSync(join(m.dir, "defs/ok/template_vars.ts"));
  });
});
