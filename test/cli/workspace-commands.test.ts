/**
 * Instance and definition commands at a workspace root: runs, logs, status and queue read the
 * workspace's shared instance; schedules and sensors list every location's; a sensor preview
 * is evaluated in the location that defines it; automation preview covers all locations.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeProject, type TempProject } from "../helpers/run-cli.ts";

const PKG = (name: string) => JSON.stringify({ name, private: true, type: "module" });

const INGEST = `import { asset, defineDefinitions, schedule, staticPartitions } from "strata";
export const raw = asset({ key: "raw/events" }, () => [{ id: 1 }]);
export const shards = asset({ key: "raw/shards", partitions: staticPartitions(["eu", "us", "apac"]) }, (ctx) => ctx.partitionKey);
export default defineDefinitions({
  assets: [raw, shards],
  schedules: [schedule({ name: "nightly_ingest", cron: "0 2 * * *", timezone: "Europe/Berlin", target: [raw] })],
});
`;

const ANALYTICS = `import { asset, AutomationCondition, defineDefinitions, sensor, staticPartitions } from "strata";
export const daily = asset({ key: "mart/daily", deps: ["raw/events"], automation: AutomationCondition.eager() }, () => 1);
export const regions = asset({ key: "mart/regions", deps: ["raw/shards"], partitions: staticPartitions(["eu", "us", "apac"]) }, () => 1);
export default defineDefinitions({
  assets: [daily, regions],
  sensors: [
    sensor({ name: "inbox_files", intervalSeconds: 30, target: [daily] }, () => ({
      runRequests: [{ runKey: "file-" + process.env.LOCATION_MARK }],
      cursor: "seen",
    })),
  ],
});
`;

let p: TempProject;
beforeAll(() => {
  p = makeProject(
    {
      "workspace.yaml": "locations:\n  - ingestion\n  - analytics\n",
      "ingestion/package.json": PKG("ingestion"),
      "ingestion/strata.config.ts": INGEST,
      "analytics/package.json": PKG("analytics"),
      "analytics/strata.config.ts": ANALYTICS,
      // Each location's processes get their own folder's .env: proves where the sensor ran.
      "analytics/.env": "LOCATION_MARK=analytics\n",
    },
    { name: "ws-commands" },
  );
});
afterAll(() => p?.cleanup());

describe("commands at a workspace root", { timeout: 120_000 }, () => {
  it("runs, logs, status and queue read the workspace's instance", async () => {
    const m = await p.run(["materialize", "--select", "raw/events or mart/daily"]);
    expect(m.code, m.output).toBe(0);
    const runs = await p.run(["runs", "--json"]);
    expect(runs.code, runs.output).toBe(0);
    const list = JSON.parse(runs.stdout) as { runId: string; status: string }[];
    expect(list).toHaveLength(2);
    expect(list.every((r) => r.status === "SUCCESS")).toBe(true);
    const logs = await p.run(["logs", list[0]!.runId]);
    expect(logs.code, logs.output).toBe(0);
    expect(logs.stdout).toContain("RUN_SUCCESS");
    const status = await p.run(["status"]);
    expect(status.code, status.output).toBe(0);
    expect(status.stdout).toContain("never ran here");
    const queue = await p.run(["queue"]);
    expect(queue.code, queue.output).toBe(0);
    expect(queue.stdout).toMatch(/0 in progress, 0 queued/);
    // Re-executed at the root: in the location that owns the run's assets.
    const again = await p.run(["reexecute", list[0]!.runId]);
    expect(again.code, again.output).toBe(0);
    expect(again.stdout).toMatch(/SUCCESS/);
    // The same instance seen from inside a location's folder.
    const inside = await p.run(["runs", "--json", "--project", "analytics"]);
    expect((JSON.parse(inside.stdout) as unknown[]).length).toBe(3);
  });

  it("schedules and sensors list every location's; start/stop and preview find the owner", async () => {
    const schedules = await p.run(["schedules", "list"]);
    expect(schedules.code, schedules.output).toBe(0);
    expect(schedules.stdout).toContain("nightly_ingest");
    const sensors = await p.run(["sensors", "list"]);
    expect(sensors.code, sensors.output).toBe(0);
    expect(sensors.stdout).toContain("inbox_files");
    const start = await p.run(["schedules", "start", "nightly_ingest"]);
    expect(start.code, start.output).toBe(0);
    const listed = await p.run(["schedules", "list", "--json"]);
    expect(listed.stdout).toMatch(/"status": "RUNNING"/);
    const preview = await p.run(["sensors", "preview", "inbox_files"]);
    expect(preview.code, preview.output).toBe(0);
    expect(preview.stdout).toContain("run request file-analytics");
    const unknown = await p.run(["sensors", "preview", "nope"]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('No sensor named "nope"');
    expect(unknown.stderr).toContain("inbox_files");
  });

  it("automation preview evaluates conditions over all locations", async () => {
    const r = await p.run(["automation", "preview"]);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toContain("mart/daily");
  });

  it("backfills run each run in its assets' location, also across locations; list/show/resume at the root", async () => {
    const created = await p.run(["backfill", "create", "--select", "raw/shards", "--partitions", "eu,us"]);
    expect(created.code, created.output).toBe(0);
    expect(created.stdout).toContain("2 runs over 2 asset-partitions");
    expect(created.stdout).toMatch(/^COMPLETED /m);
    const id = /Backfill (bf-\S+):/.exec(created.stdout)![1]!;
    const list = await p.run(["backfill", "list"]);
    expect(list.code, list.output).toBe(0);
    expect(list.stdout).toContain(id);
    const show = await p.run(["backfill", "show", id]);
    expect(show.code, show.output).toBe(0);
    expect(show.stdout).toContain("COMPLETED");
    expect(show.stdout).toMatch(/raw\/shards\n\s+eu\.\.\.us\s+success \(2\)/);
    const resume = await p.run(["backfill", "resume", id]);
    expect(resume.code).not.toBe(0);
    expect(resume.stderr).toContain("nothing to resume");

    const status = await p.run(["partitions", "raw/shards"]);
    expect(status.code, status.output).toBe(0);
    expect(status.stdout).toMatch(/3 partitions: 2 materialized/);

    // Assets of both locations: each run executes in its own assets' location, upstream first.
    const spanning = await p.run(["backfill", "create", "--select", "raw/shards or mart/regions", "--all"]);
    expect(spanning.code, spanning.output).toBe(0);
    expect(spanning.stdout).toContain("6 runs over 6 asset-partitions");
    expect(spanning.stdout).toMatch(/^COMPLETED /m);
    const spanId = /Backfill (bf-\S+):/.exec(spanning.stdout)![1]!;
    const runs = JSON.parse((await p.run(["runs", "--json", "--limit", "100", "--tag", `strata/backfill=${spanId}`])).stdout) as { location: string; assetKeys: string[]; status: string }[];
    expect(runs).toHaveLength(6);
    expect(runs.every((r) => r.status === "SUCCESS")).toBe(true);
    expect(runs.filter((r) => r.location === "ingestion").map((r) => r.assetKeys)).toEqual([["raw/shards"], ["raw/shards"], ["raw/shards"]]);
    expect(runs.filter((r) => r.location === "analytics").map((r) => r.assetKeys)).toEqual([["mart/regions"], ["mart/regions"], ["mart/regions"]]);
  });
});
