import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STRATA_BIN, makeProject, type TempProject } from "../helpers/run-cli.ts";

// 400 eager assets: `automation preview --all` prints far more than a pipe holds (64 KB).
const N = 400;
const CONFIG = `import { AutomationCondition, asset, defineDefinitions } from "strata";
const assets = [];
for (let i = 0; i < ${N}; i++) {
  assets.push(asset({ key: "a" + i, deps: i > 0 ? ["a" + (i - 1)] : [], automation: AutomationCondition.eager() }, () => i));
}
export default defineDefinitions({ assets });
`;

describe("CLI output into a pipe", () => {
  let p: TempProject;
  beforeAll(() => {
    p = makeProject({ "strata.config.ts": CONFIG }, { name: "pipe" });
  });
  afterAll(() => p.cleanup());

  it("ends quietly when the reader stops early (strata … | head), without an EPIPE stack", () => {
    const err = join(p.dir, "stderr.txt");
    const r = spawnSync("bash", ["-o", "pipefail", "-c", `node "${STRATA_BIN}" automation preview --all 2>"${err}" | head -n 3`], {
      cwd: p.dir,
      env: { ...process.env, ...p.env, NO_COLOR: "1", NODE_OPTIONS: "" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.stdout.split("\n").slice(0, 3).join("\n")).toMatch(/^Next automation tick would request \d+ run\(s\)/);
    expect(readFileSync(err, "utf8")).not.toMatch(/EPIPE|node:events|at /);
    expect(r.status).toBe(0);
  }, 90_000);

  it("shows a skipped compound condition by its structure, not only its type", async () => {
    const r = await p.run(["automation", "preview", "--all"]);
    expect(r.code).toBe(0);
    // a1's `and` stops at its first false operand: the rest are listed as not evaluated.
    expect(r.stdout).toContain("· ~any_deps_missing (not evaluated)");
    expect(r.stdout).not.toMatch(/· not \(not evaluated\)/);
  }, 90_000);
});
