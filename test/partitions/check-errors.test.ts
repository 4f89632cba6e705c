/**
 * Partition definitions that can never run are rejected by `strata check` (and by every command
 * that loads the project), with the asset, the file:line and a hint, before any run exists.
 */
import { afterEach, describe, expect, it } from "vitest";
import { makeProject, type TempProject } from "../helpers/run-cli.ts";
import { runsOf } from "./fixture.ts";

const projects: TempProject[] = [];
afterEach(() => {
  for (const p of projects.splice(0)) p.cleanup();
});

async function checkFails(config: string): Promise<string> {
  const p = makeProject({ "strata.config.ts": config }, { name: "partition-check" });
  projects.push(p);
  const check = await p.run(["check"]);
  expect(check.code, check.output).toBe(1);
  // Materialising fails the same way, and no run is recorded.
  const mat = await p.run(["materialize", "--partition", "2024-01-01"]);
  expect(mat.code).not.toBe(0);
  expect(mat.stderr.split("\n")[0]).toBe(check.stderr.split("\n")[0]);
  expect(await runsOf(p)).toEqual([]);
  return check.stderr;
}

describe("partition definitions rejected at check", { timeout: 60_000 }, () => {
  it("a dependency between incompatible definitions (static → daily) without an explicit mapping: PARTITION_MAPPING", async () => {
    const err = await checkFails(`import { asset, dailyPartitions, defineDefinitions, staticPartitions } from "strata";
const days = dailyPartitions({ start: "2024-01-01" });
export const regions = asset({ key: "regions", partitions: staticPartitions(["us", "eu"]) }, () => 1);
export const daily = asset({ key: "daily", partitions: days, ins: { regions } }, () => 1);
export default defineDefinitions({ assets: [regions, daily] });
`);
    expect(err).toContain('error[PARTITION_MAPPING] Asset "daily" cannot depend on "regions"');
    expect(err).toContain("--> strata.config.ts:4");
    expect(err).toMatch(/hint: Use allPartitions\(\) or lastPartition\(\)/);
  });

  it("a multi-partition with three dimensions: PARTITION_INVALID", async () => {
    const err = await checkFails(`import { asset, dailyPartitions, defineDefinitions, multiPartitions, staticPartitions } from "strata";
const days = dailyPartitions({ start: "2024-01-01" });
export const cube = asset({ key: "cube", partitions: multiPartitions({ date: days, region: staticPartitions(["us"]), tier: staticPartitions(["a"]) }) }, () => 1);
export default defineDefinitions({ assets: [cube] });
`);
    expect(err).toContain("error[PARTITION_INVALID] Multi-partitions need exactly two dimensions, got 3 (date, region, tier)");
    expect(err).toContain("--> strata.config.ts:3");
  });
});
