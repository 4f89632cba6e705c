/**
 * `strata materialize` at a workspace root when one location's run fails: only the locations
 * with assets downstream of its selected assets are skipped; independent ones still run.
 */
import { afterAll, describe, expect, it } from "vitest";
import { makeProject } from "../helpers/run-cli.ts";
import { withStorage } from "../daemon/fixture.ts";

const pkg = (name: string) => JSON.stringify({ name, private: true, type: "module" });
const config = (body: string) => `import { asset, defineDefinitions } from "strata";\n${body}\n`;

describe("materialize across locations with a failing one", () => {
  const p = makeProject(
    {
      "workspace.yaml": "locations: [extract, models, reports]\n",
      "extract/package.json": pkg("extract"),
      "extract/strata.config.ts": config(`export default defineDefinitions({ assets: [asset({ key: "src/raw" }, () => { throw new Error("source is down"); })] });`),
      "models/package.json": pkg("models"),
      "models/strata.config.ts": config(
        `const mid = asset({ key: "down/mid", deps: ["src/raw"] }, () => 1);\nexport default defineDefinitions({ assets: [mid, asset({ key: "down/top", deps: ["down/mid"] }, () => 2)] });`,
      ),
      "reports/package.json": pkg("reports"),
      "reports/strata.config.ts": config(`export default defineDefinitions({ assets: [asset({ key: "ind/report" }, () => 3)] });`),
    },
    { name: "ws-materialize" },
  );
  afterAll(() => p.cleanup());

  it("skips only the dependent location and still runs the independent one", async () => {
    const r = await p.run(["materialize"]);
    expect(r.code, r.output).toBe(1);
    expect(r.stdout).toMatch(/Not run: models \(upstream location extract failed\)/);
    expect(r.stdout).not.toMatch(/Not run: reports/);
    const rows = await withStorage(p.home, (st) => st.listRuns());
    const status = (key: string) => rows.find((x) => x.assetKeys.includes(key))?.status;
    expect(status("src/raw")).toBe("FAILURE");
    expect(status("ind/report")).toBe("SUCCESS");
    expect(status("down/mid")).toBeUndefined();
    // The independent location came after the failed one, and still ran.
    const created = (key: string) => rows.find((x) => x.assetKeys.includes(key))!.createdAt;
    expect(created("ind/report")).toBeGreaterThan(created("src/raw"));
  }, 120_000);
});
