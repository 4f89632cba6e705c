/**
 * DuckDB lets one process write a database file at a time. A per-partition backfill with
 * several concurrent runs on one warehouse file must still succeed: each run's DuckDB resource
 * waits for the previous run's lock (lockTimeoutMs) instead of failing with WAREHOUSE_LOCKED.
 */
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openDuckDB } from "@strata/duckdb";
import { makeProject, REPO_ROOT, type TempProject } from "../helpers/run-cli.ts";

const CONFIG = `import { asset, dailyPartitions, defineDefinitions } from "strata";
import { duckdbResource, type DuckDBClient } from "@strata/duckdb";

const days = dailyPartitions({ start: "2024-01-01", timezone: "UTC" });

export const visits = asset({ key: "visits", partitions: days, resources: ["warehouse"] }, async (ctx) => {
  const db = ctx.resource<DuckDBClient>("warehouse");
  await db.exec("create table if not exists visits(day varchar, n int)");
  await db.run("delete from visits where day = ?", [ctx.partitionKey]);
  // Hold the file for a while, so the concurrent runs really overlap.
  await new Promise((r) => setTimeout(r, 300));
  await db.run("insert into visits values (?, 10)", [ctx.partitionKey]);
});

export default defineDefinitions({ assets: [visits], resources: { warehouse: duckdbResource() } });
`;

let p: TempProject;
beforeAll(() => {
  p = makeProject({ "strata.config.ts": CONFIG }, { name: "duckdb-backfill" });
  symlinkSync(join(REPO_ROOT, "node_modules"), join(p.dir, "node_modules"), "dir");
});
afterAll(() => p?.cleanup());

it("a per-partition backfill with 3 concurrent runs on one DuckDB file completes", { timeout: 180_000 }, async () => {
  const r = await p.run(["backfill", "create", "--select", "visits", "--partition-range", "2024-01-01...2024-01-06", "--max-runs", "3"]);
  expect(r.code, r.output).toBe(0);
  expect(r.stdout).toContain("6 runs over 6 asset-partitions");
  expect(r.stdout).toMatch(/^COMPLETED /m);
  const db = await openDuckDB({ path: join(p.home, "warehouse.duckdb"), readOnly: true });
  try {
    const rows = await db.query<{ day: string }>("select day from visits order by day");
    expect(rows.map((x) => x.day)).toEqual(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06"]);
  } finally {
    await db.close();
  }
});
