import {
  asset,
  assetCheck,
  dailyPartitions,
  MaterializeResult,
  MetadataValue,
  timeWindowMapping,
  weeklyPartitions,
} from "strata";

/**
 * Days from 2024-08-01 (UTC); the last partition is yesterday (the last complete day). The
 * first day has no "yesterday" partition, so a backfill starting there needs nothing before it.
 */
export const days = dailyPartitions({ start: "2024-08-01", timezone: "UTC" });
/** Weeks starting on Monday (2024-08-05 is the first Monday of the days). */
export const weeks = weeklyPartitions({ start: "2024-08-05", timezone: "UTC", dayOffset: 1 });

export interface PageView {
  day: string;
  user: number;
  page: string;
  ms: number;
}

/** A deterministic "random" generator per day, so reruns give the same data. */
function rng(seed: string): () => number {
  let h = 2166136261;
  for (const c of seed) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return () => ((h = Math.imul(h ^ (h >>> 15), 2246822507) >>> 0) % 10_000) / 10_000;
}

/** Raw page views landed per day (bronze). A day fails if its FAIL_DAY env var says so. */
export const rawPageViews = asset(
  { key: "raw/page_views", group: "bronze", kinds: ["json"], partitions: days, owners: ["team:ingest"] },
  (ctx): PageView[] => {
    const day = ctx.partitionKey!;
    if (process.env.FAIL_DAY === day) throw new Error(`Simulated outage while landing ${day}`);
    const random = rng(day);
    const pages = ["/", "/pricing", "/docs", "/blog", "/signup"];
    const n = 50 + Math.floor(random() * 100);
    ctx.log.info("landing page views", { day, rows: n });
    return Array.from({ length: n }, () => ({ day, user: Math.floor(random() * 40), page: pages[Math.floor(random() * pages.length)]!, ms: Math.floor(random() * 5000) }));
  },
);

/** Daily sessions per user (silver), same day as the raw views. */
export const dailySessions = asset(
  {
    key: "silver/daily_sessions",
    group: "silver",
    kinds: ["json"],
    partitions: days,
    ins: { views: rawPageViews },
    checks: [{ name: "has_rows", blocking: true }],
  },
  (ctx, { views }) => {
    const byUser = new Map<number, { user: number; views: number; ms: number }>();
    for (const v of views) {
      const s = byUser.get(v.user) ?? { user: v.user, views: 0, ms: 0 };
      s.views++;
      s.ms += v.ms;
      byUser.set(v.user, s);
    }
    const rows = [...byUser.values()].sort((a, b) => a.user - b.user);
    return new MaterializeResult({
      value: rows,
      metadata: { row_count: rows.length, partition_row_count: rows.length, day: ctx.partitionKey! },
      checkResults: [{ checkName: "has_rows", passed: rows.length > 0 }],
    });
  },
);

/** Day-over-day change of users (gold): reads today and yesterday's sessions. */
export const userGrowth = asset(
  {
    key: "gold/user_growth",
    group: "gold",
    kinds: ["json"],
    partitions: days,
    ins: {
      today: dailySessions,
      yesterday: { asset: dailySessions, partitionMapping: timeWindowMapping({ startOffset: -1, endOffset: -1 }) },
    },
    deps: [],
  },
  (ctx, { today, yesterday }) => {
    // On the first day there is no yesterday: the mapping yields no upstream partition.
    const before = Array.isArray(yesterday) ? yesterday.length : 0;
    return { day: ctx.partitionKey!, users: today.length, change: today.length - before };
  },
);

/** Weekly rollup (gold): reads the week's 7 daily partitions. */
export const weeklyViews = asset(
  { key: "gold/weekly_views", group: "gold", kinds: ["json"], partitions: weeks, ins: { sessions: dailySessions } },
  (ctx, { sessions }) => {
    // A weekly partition maps to its 7 days: the input is { day: rows }.
    const perDay = sessions as unknown as Record<string, { views: number }[]>;
    const rows = Object.entries(perDay).map(([day, s]) => ({ day, views: s.reduce((n, r) => n + r.views, 0) }));
    ctx.log.info("rolled up week", { week: ctx.partitionKey, days: rows.length });
    return new MaterializeResult({
      value: rows,
      metadata: { days: rows.length, total_views: rows.reduce((n, r) => n + r.views, 0), preview: MetadataValue.table(rows) },
    });
  },
);

/** A per-partition check: every day's growth row exists. */
export const growthComputed = assetCheck({ asset: userGrowth, name: "users_positive", severity: "WARN" }, async (ctx) => {
  const row = await ctx.loadAssetValue<{ users: number }>();
  return { passed: row.users > 0, metadata: { users: row.users, day: ctx.partitionKey ?? "" } };
});
