import { describe, expect, it } from "vitest";
import { summarizeKeys } from "./partition-key-range.ts";
import { getPartitionKeys } from "./partitions-api.ts";
import { dailyPartitions, hourlyPartitions } from "./time-window-partitions.ts";

/** Wall and CPU time of `fn`. CPU time is what we assert on: it barely moves when other processes compete for the cores. */
function measure<T>(fn: () => T): { value: T; wallMs: number; cpuMs: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = fn();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { value, wallMs, cpuMs: (c.user + c.system) / 1000 };
}

// Budgets: 100 ms for 87,600 hourly keys and 10 ms for summarizing 50,000 keys. Assertions are
// 3x looser so a busy CI machine doesn't flake; the measured times are printed.
describe("performance", () => {
  it("generates 10 years of hourly keys (~87,600) quickly", () => {
    const now = Date.UTC(2025, 0, 1);
    // Warm up the JIT and Intl's zone data on a different definition (both are one-time costs).
    getPartitionKeys(hourlyPartitions({ start: "2022-01-01", timezone: "America/New_York" }), { now });
    const results: string[] = [];
    for (const timezone of ["UTC", "America/New_York", "Europe/Berlin"]) {
      const m = measure(() => getPartitionKeys(hourlyPartitions({ start: "2015-01-01-00:00", timezone }), { now }));
      results.push(`${timezone}: ${m.value.length} keys in ${m.wallMs.toFixed(1)} ms wall / ${m.cpuMs.toFixed(1)} ms CPU`);
      expect(m.value.length).toBeGreaterThan(87_600);
      expect(m.cpuMs).toBeLessThan(300);
    }
    console.log(`hourly key generation (new definition each): ${results.join("; ")}`);
  });

  it("summarizes 50,000 keys into ranges quickly", () => {
    const keys = getPartitionKeys(dailyPartitions({ start: "1887-01-01" }), { now: Date.UTC(2024, 0, 1) }).slice(0, 50_000);
    const status = new Map<string, string>();
    keys.forEach((k, i) => {
      if (i % 5000 !== 17) status.set(k, i < 40_000 ? "materialized" : "failed");
    });
    summarizeKeys(keys, status);
    const m = measure(() => summarizeKeys(keys, status));
    console.log(`summarizeKeys: ${keys.length} keys → ${m.value.length} ranges in ${m.wallMs.toFixed(2)} ms wall / ${m.cpuMs.toFixed(2)} ms CPU`);
    // 10 holes, each splitting a run, plus the materialized → failed change at 40,000.
    expect(m.value.length).toBe(22);
    expect(m.cpuMs).toBeLessThan(30);
  });
});
