/**
 * `checkYaml` (what `strata check yaml` runs): every way to break a defs.yaml is reported, all
 * at once, each at its exact file:line:col — and no code of the project is imported.
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkYaml, formatProblem } from "@strata/components";
import { makeProject } from "../helpers/run-cli.ts";

const MARKER = "imported.marker";
// A project component whose module leaves a marker when imported: check yaml must never import it.
const COMPONENT = `import { writeFileSync } from "node:fs";
import { z } from "strata";
import { defineComponent } from "@strata/components";
writeFileSync(new URL("../${MARKER}", import.meta.url), "x");
export const thing = defineComponent({
  type: "acme.thing",
  description: "test",
  attributes: z.strictObject({ count: z.number().int().min(1) }),
  buildDefs: () => { throw new Error("never built"); },
});
`;

const p = makeProject(
  {
    "components/thing.ts": COMPONENT,
    "defs/ok/defs.yaml": "type: strata.command\nattributes:\n  key: raw/a\n  command: echo\n",
    "defs/unknown/defs.yaml": "type: strata.comand\nattributes:\n  key: raw/b\n",
    "defs/bad/defs.yaml": [
      "type: strata.command",
      "attributes:",
      "  key: 42",
      "  command: echo",
      "  argz: [a]",
      "---",
      "type: strata.duckdb_sql",
      "attributes:",
      "  materialized: tabel",
      "  kinds: [a, b, c, d]",
      "---",
      "type: strata.duckdb_sql",
      "post_processing:",
      "  assets:",
      "    - target: 'key:\"x'",
      "      attributes: { group: g }",
      "",
    ].join("\n"),
    "defs/env/defs.yaml": 'type: strata.command\nattributes:\n  key: raw/c\n  command: "run {{ env.STRATA_TEST_NOT_SET }}"\n',
    "defs/syntax/defs.yaml": "type: strata.command\nattributes:\n  key: [raw/d\n  command: echo\n",
    "defs/envelope/defs.yaml": "type: strata.command\nattribute:\n  key: raw/e\n",
    "defs/custom/defs.yaml": "type: acme.thing\nattributes:\n  count: 3\n",
  },
  { name: "check-yaml" },
);
afterAll(() => p.cleanup());

describe("check yaml", () => {
  it("reports every problem with file:line:col, without importing project code", () => {
    const r = checkYaml({ root: p.dir, environment: {} });
    const lines = r.problems.map(formatProblem).map((l) => l.split("\n")[0]);
    expect(lines).toEqual([
      "defs/bad/defs.yaml:3:8: error[COMPONENT_INVALID] attributes.key: Invalid input: expected string, received number",
      'defs/bad/defs.yaml:5:3: error[COMPONENT_INVALID] attributes.argz: unknown attribute "argz" for type strata.command',
      'defs/bad/defs.yaml:9:17: error[COMPONENT_INVALID] attributes.materialized: Invalid option: expected one of "table"|"view"',
      "defs/bad/defs.yaml:10:10: error[COMPONENT_INVALID] attributes.kinds: Too big: expected array to have <=3 items",
      expect.stringMatching(/^defs\/bad\/defs\.yaml:15:15: error\[COMPONENT_INVALID\] post_processing\.assets\[0\]\.target: /),
      'defs/custom/defs.yaml:1:7: warning[COMPONENT_UNKNOWN_TYPE] Attributes of "acme.thing" not validated: its schema is not in .strata/component-schemas.json yet; run `strata check defs` once (it loads the code and writes the snapshot)',
      "defs/env/defs.yaml:4:17: error[ENV_MISSING] Environment variable STRATA_TEST_NOT_SET is not set",
      'defs/envelope/defs.yaml:2:1: error[COMPONENT_INVALID] Unknown key "attribute"',
      "defs/syntax/defs.yaml:4:3: error[YAML_SYNTAX] YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]",
      'defs/unknown/defs.yaml:1:7: error[COMPONENT_UNKNOWN_TYPE] Unknown component type "strata.comand"',
    ]);
    expect(r.problems.find((x) => x.code === "COMPONENT_UNKNOWN_TYPE" && x.severity !== "warning")!.hint).toContain('Did you mean "strata.command"?');
    expect(r.problems.find((x) => x.message.startsWith('Unknown key "attribute"'))!.hint).toBe('Did you mean "attributes"?');
    expect(existsSync(join(p.dir, MARKER))).toBe(false);
  });

  it("check defs (loading) reports the same problems, each with file:line:col", async () => {
    const r = await p.run(["check", "defs"], { env: { STRATA_TEST_NOT_SET: undefined } });
    expect(r.code, r.output).toBe(1);
    expect(r.stderr).toContain("error[COMPONENT_INVALID] attributes.key: Invalid input: expected string, received number");
    expect(r.stderr).toContain("--> defs/bad/defs.yaml:3:8");
    expect(r.stderr).toContain("defs/unknown/defs.yaml:1:7: Unknown component type \"strata.comand\"");
    expect(r.stderr).toContain("defs/env/defs.yaml:4:17: Environment variable STRATA_TEST_NOT_SET is not set");
    expect(r.stderr).toContain("defs/syntax/defs.yaml:4:3: YAML syntax error");
    expect(existsSync(join(p.dir, MARKER))).toBe(true); // check defs does load the code
  });

  it("after code was loaded once, project types are validated from the schema snapshot (still without importing them)", async () => {
    p.write({
      "defs/custom/defs.yaml": "type: acme.thing\nattributes:\n  count: 0\n",
      ...Object.fromEntries(["bad", "unknown", "env", "syntax", "envelope"].map((d) => [`defs/${d}/defs.yaml`, "type: strata.command\nattributes:\n  key: raw/" + d + "\n  command: echo\n"])),
    });
    const r = await p.run(["check", "defs"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("attributes.count: Too small: expected number to be >=1");
    expect(r.stderr).toContain("--> defs/custom/defs.yaml:3:10");
    expect(existsSync(join(p.dir, ".strata/component-schemas.json"))).toBe(true);
    rmSync(join(p.dir, MARKER));
    const y = checkYaml({ root: p.dir, environment: {} });
    expect(y.problems.map(formatProblem)).toEqual(["defs/custom/defs.yaml:3:10: error[COMPONENT_INVALID] attributes.count: Too small: expected number to be >=1"]);
    const cli = await p.run(["check", "yaml"]);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain("defs/custom/defs.yaml:3:10: error[COMPONENT_INVALID] attributes.count: Too small");
    expect(cli.stdout).toContain("✗ 1 problem in 7 defs.yaml files, 6 components");
    expect(existsSync(join(p.dir, MARKER))).toBe(false);
  });
});
