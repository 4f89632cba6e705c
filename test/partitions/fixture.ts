/**
 * A small daily-partitioned project for the partitions end-to-end tests: `raw` → `clean` →
 * `growth` (reads today's and yesterday's `clean`), and `weekly` (the 7 days of `clean`).
 * - `SLEEP_MS`: `raw` sleeps that long (so backfills take a few seconds);
 * - `FAIL_DAY`: `raw` fails for that partition key.
 * Every asset logs its partition facts as JSON, so tests can read them back from `strata logs`.
 */
import type { RunRecord } from "@strata/core";
import { expect } from "vitest";
import type { CliResult, TempProject } from "../helpers/run-cli.ts";

export const DAILY_CONFIG = `import { asset, dailyPartitions, defineDefinitions, timeWindowMapping, weeklyPartitions } from "strata";

export const days = dailyPartitions({ start: "2024-01-01", timezone: "UTC" });
// 2024-01-01 is a Monday: weeks run Monday to Sunday.
export const weeks = weeklyPartitions({ start: "2024-01-01", timezone: "UTC", dayOffset: 1 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const raw = asset({ key: "raw", partitions: days }, async (ctx) => {
  if (process.env.FAIL_DAY === ctx.partitionKey) throw new Error("simulated outage on " + ctx.partitionKey);
  await sleep(Number(process.env.SLEEP_MS ?? 0));
  return { day: ctx.partitionKey, rows: 10 };
});

export const clean = asset({ key: "clean", partitions: days, ins: { raw } }, (_ctx, { raw }) => ({ ...raw, clean: true }));

export const growth = asset(
  {
    key: "growth",
    partitions: days,
    ins: { today: clean, yesterday: { asset: clean, partitionMapping: timeWindowMapping({ startOffset: -1, endOffset: -1 }) } },
  },
  (ctx, { today, yesterday }) => ({ day: ctx.partitionKey, rows: today.rows, hadYesterday: yesterday !== undefined }),
);

export const weekly = asset({ key: "weekly", partitions: weeks, ins: { clean } }, (ctx, { clean }) => {
  const days = Object.keys(clean as unknown as Record<string, unknown>).sort();
  ctx.log.info("weekly rollup", { week: ctx.partitionKey, days });
  return { week: ctx.partitionKey, days: days.length };
});

export default defineDefinitions({ assets: [raw, clean, growth, weekly] });
`;

export function json<T>(r: CliResult): T {
  expect(r.code, r.output).toBe(0);
  return JSON.parse(r.stdout) as T;
}

export interface BackfillShow {
  backfillId: string;
  status: string;
  counts: Record<"PENDING" | "LAUNCHED" | "SUCCESS" | "FAILED" | "SKIPPED" | "CANCELED", number>;
  assets: Record<string, { start: string; end: string; count: number; status: string }[]>;
}

export interface PartitionSummary {
  total: number;
  counts: Record<"materialized" | "stale" | "failed" | "in_progress" | "missing", number>;
  ranges: { start: string; end: string; count: number; status: string }[];
}

export const runsOf = async (p: TempProject, backfillId?: string): Promise<RunRecord[]> =>
  json<RunRecord[]>(await p.run(["runs", "--json", "-n", "10000", ...(backfillId ? ["--tag", `strata/backfill=${backfillId}`] : [])]));

export const showBackfill = async (p: TempProject, id: string): Promise<BackfillShow> => json<BackfillShow>(await p.run(["backfill", "show", id, "--json"]));

export const partitionsOf = async (p: TempProject, asset: string): Promise<PartitionSummary> => json<PartitionSummary>(await p.run(["partitions", asset, "--json"]));

/** The ranges with a given status, as "start...end" strings. */
export const rangesWith = (s: PartitionSummary, status: string): string[] => s.ranges.filter((r) => r.status === status).map((r) => `${r.start}...${r.end}`);

/** A run's partition identity: its key, or its range. */
export const partitionOfRun = (r: RunRecord): string =>
  r.partitionKey ?? `${r.tags["strata/partition_range_start"] ?? "?"}...${r.tags["strata/partition_range_end"] ?? "?"}`;
