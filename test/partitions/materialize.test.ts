/**
 * Partitioned runs from the CLI: `materialize --partition` / `--partition-range` (a range run
 * sees its keys, range and time window), dynamic partitions (CLI and ctx.dynamicPartitions),
 * multi-partitions (ctx.partitionDimensions), and bad input that must fail before any run or
 * backfill is created.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeProject, type TempProject } from "../helpers/run-cli.ts";
import { json, partitionsOf, rangesWith, runsOf } from "./fixture.ts";

const CONFIG = `import { asset, dailyPartitions, defineDefinitions, dynamicPartitions, multiPartitions, singleRun, staticPartitions } from "strata";

const days = dailyPartitions({ start: "2024-01-01", end: "2024-03-01", timezone: "UTC" });
const customers = dynamicPartitions("customers");
const regionDays = multiPartitions({ date: days, region: staticPartitions(["us", "eu"]) });

export const events = asset({ key: "events", partitions: days, backfillPolicy: singleRun() }, (ctx) => {
  ctx.log.info("partitions", {
    key: ctx.partitionKey ?? null,
    keys: ctx.partitionKeys,
    range: ctx.partitionKeyRange,
    window: ctx.partitionTimeWindow ? { start: ctx.partitionTimeWindow.start.toISOString(), end: ctx.partitionTimeWindow.end.toISOString() } : null,
  });
  return Object.fromEntries(ctx.partitionKeys.map((k) => [k, { day: k, rows: k.length }]));
});

export const customerReport = asset({ key: "customer_report", partitions: customers }, (ctx) => {
  ctx.log.info("customer", { key: ctx.partitionKey });
  return { customer: ctx.partitionKey };
});

export const discover = asset({ key: "discover" }, async (ctx) => {
  const added = await ctx.dynamicPartitions.add("customers", ["initech"]);
  ctx.log.info("discovered", { added, keys: await ctx.dynamicPartitions.keys("customers") });
});

export const regional = asset({ key: "regional", partitions: regionDays }, (ctx) => {
  ctx.log.info("dimensions", { key: ctx.partitionKey, dims: ctx.partitionDimensions });
  return ctx.partitionDimensions;
});

export default defineDefinitions({ assets: [events, customerReport, discover, regional] });
`;

let p: TempProject;
beforeAll(() => {
  p = makeProject({ "strata.config.ts": CONFIG }, { name: "partitioned-runs" });
});
afterAll(() => p?.cleanup());

const runIdOf = (stdout: string) => /^Run (\w+):/m.exec(stdout)?.[1] ?? "";

describe("partitioned runs from the CLI", { timeout: 180_000 }, () => {
  it("--partition-range runs once over the range: keys, range and time window in ctx; { key: value } stored per partition", async () => {
    const r = await p.run(["materialize", "--select", "events", "--partition-range", "2024-01-01...2024-01-03"]);
    expect(r.code, r.output).toBe(0);
    const expected = 'partitions {"key":null,"keys":["2024-01-01","2024-01-02","2024-01-03"],"range":{"start":"2024-01-01","end":"2024-01-03"},"window":{"start":"2024-01-01T00:00:00.000Z","end":"2024-01-04T00:00:00.000Z"}}';
    expect(r.stdout).toContain(expected);
    // The same line is in the stored log.
    const logs = await p.run(["logs", runIdOf(r.stdout)]);
    expect(logs.code, logs.output).toBe(0);
    expect(logs.stdout).toContain(expected);
    const one = await p.run(["materialize", "--select", "events", "--partition", "2024-01-05"]);
    expect(one.code, one.output).toBe(0);
    expect(one.stdout).toContain('partitions {"key":"2024-01-05","keys":["2024-01-05"],"range":{"start":"2024-01-05","end":"2024-01-05"},"window":{"start":"2024-01-05T00:00:00.000Z","end":"2024-01-06T00:00:00.000Z"}}');
    const s = await partitionsOf(p, "events");
    expect(rangesWith(s, "materialized")).toEqual(["2024-01-01...2024-01-03", "2024-01-05...2024-01-05"]);
    expect(s.total).toBe(60); // 2024-01-01 to 2024-02-29 (end is exclusive)
  });

  it("dynamic partitions: added from the CLI and from code; unknown keys and names are clear errors", async () => {
    const add = await p.run(["dynamic-partitions", "add", "customers", "acme", "globex"]);
    expect(add.code, add.output).toBe(0);
    expect(add.stdout).toContain('Added 2 keys to "customers"');
    const ok = await p.run(["materialize", "--select", "customer_report", "--partition", "acme"]);
    expect(ok.code, ok.output).toBe(0);
    expect(ok.stdout).toContain('customer {"key":"acme"}');

    const before = (await runsOf(p)).length;
    const unknown = await p.run(["materialize", "--select", "customer_report", "--partition", "initech"]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('error[PARTITION_UNKNOWN_KEY] Asset "customer_report": Unknown partition key "initech": valid keys are acme, globex (dynamic "customers")');
    const typo = await p.run(["dynamic-partitions", "add", "custmers", "initech"]);
    expect(typo.code).not.toBe(0);
    expect(typo.stderr).toContain('No dynamic partitions named "custmers"; did you mean "customers"?');
    expect((await runsOf(p)).length).toBe(before);

    // From code: ctx.dynamicPartitions.add in another asset's run.
    const discover = await p.run(["materialize", "--select", "discover"]);
    expect(discover.code, discover.output).toBe(0);
    expect(discover.stdout).toContain('discovered {"added":1,"keys":["acme","globex","initech"]}');
    const list = await p.run(["dynamic-partitions", "list"]);
    expect(list.stdout).toMatch(/^customers\s+3 keys$/m);
    expect(list.stdout).not.toContain("custmers");
  });

  it("multi-partitions: a key like 2024-01-01|us, with each dimension in ctx.partitionDimensions", async () => {
    const r = await p.run(["materialize", "--select", "regional", "--partition", "2024-01-01|us"]);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toContain('dimensions {"key":"2024-01-01|us","dims":{"date":"2024-01-01","region":"us"}}');
    const bad = await p.run(["materialize", "--select", "regional", "--partition", "2024-01-01|xx"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('dimension "region": Unknown partition key "xx": valid keys are us, eu (static); did you mean "us"?');
  });

  it("bad input fails with a clear error before any run or backfill is created", async () => {
    const runs = (await runsOf(p)).length;
    const backfills = json<unknown[]>(await p.run(["backfill", "list", "--json"])).length;
    const cases: [string[], RegExp][] = [
      [["materialize", "--select", "events", "--partition-range", "2024-02-01...2024-01-01"], /PARTITION_INVALID.*Partition range 2024-02-01...2024-01-01 is inverted[\s\S]*hint: Write it as 2024-01-01...2024-02-01/],
      [["backfill", "create", "--select", "events", "--partition-range", "2024-02-01...2024-01-01"], /PARTITION_INVALID.*is inverted/],
      [["backfill", "create", "--select", "events", "--partition-range", "2024-01-01...2024-01-10,2024-01-05...2024-01-12"], /PARTITION_INVALID.*Partition ranges 2024-01-01...2024-01-10 and 2024-01-05...2024-01-12 overlap/],
      [["materialize", "--select", "events", "--partition", "2023-12-31"], /PARTITION_UNKNOWN_KEY.*Unknown partition key "2023-12-31": valid keys run from 2024-01-01 to 2024-02-29 \(daily, UTC\)/],
      [["backfill", "create", "--select", "events", "--partition-range", "2024-02-20...2024-03-10"], /PARTITION_UNKNOWN_KEY.*"2024-03-10".*valid keys run from 2024-01-01 to 2024-02-29/],
      [["materialize", "--select", "events"], /PARTITION_INVALID.*"events" is partitioned .*choose which partition to run[\s\S]*hint: Pass --partition/],
      [["materialize", "--select", "discover", "--partition", "2024-01-01"], /PARTITION_INVALID.*None of the selected assets is partitioned/],
      [["backfill", "create", "--select", "customer_report", "--partitions", "acme,nobody"], /PARTITION_UNKNOWN_KEY.*"nobody".*valid keys are acme, globex, initech/],
      [["dynamic-partitions", "remove", "suppliers", "x"], /PARTITION_INVALID.*No dynamic partitions named "suppliers"/],
    ];
    // Read-only failures: run them a few at a time (each is a CLI process with a code-location child).
    for (let i = 0; i < cases.length; i += 3) {
      await Promise.all(
        cases.slice(i, i + 3).map(async ([args, pattern]) => {
          const r = await p.run(args);
          expect(r.code, `strata ${args.join(" ")}\n${r.output}`).not.toBe(0);
          expect(r.stderr, `strata ${args.join(" ")}`).toMatch(pattern);
        }),
      );
    }
    expect((await runsOf(p)).length).toBe(runs);
    expect(json<unknown[]>(await p.run(["backfill", "list", "--json"])).length).toBe(backfills);
  });
});
