import { describe, expect, it } from "vitest";
import { dailyPartitions, hourlyPartitions, timeWindowPartitions, weeklyPartitions } from "./time-window-partitions.ts";
import { timeIndex } from "./time-index.ts";
import type { TimeWindowPartitionsDefinition } from "./types.ts";

/**
 * Key → index lookups answer the same whether a key is found by parsing it (before the index of
 * every key exists: a fresh definition) or through the full index, across DST changes, the
 * repeated hour's suffixed keys, offsets in the key and non-keys.
 */
describe("TimeIndex.indexOfKey", () => {
  const defs: [string, () => TimeWindowPartitionsDefinition][] = [
    ["hourly New York (spring forward, fall back with a suffixed hour)", () => hourlyPartitions({ start: "2024-03-09", end: "2024-11-05", timezone: "America/New_York" })],
    ["hourly Berlin", () => hourlyPartitions({ start: "2024-03-30", end: "2024-10-28", timezone: "Europe/Berlin" })],
    ["hourly New York, offset in the key", () => hourlyPartitions({ start: "2024-11-02", end: "2024-11-04", timezone: "America/New_York", fmt: "YYYY-MM-DDTHH:mmZ" })],
    ["daily New York at 02:30 (a skipped time)", () => dailyPartitions({ start: "2024-03-01", end: "2024-04-01", timezone: "America/New_York", hourOffset: 2, minuteOffset: 30 })],
    ["weekly Berlin", () => weeklyPartitions({ start: "2024-01-01", end: "2025-01-01", timezone: "Europe/Berlin", dayOffset: 1 })],
    ["cron every 90 minutes, UTC", () => timeWindowPartitions({ cron: "0,30 */3 * * *", start: "2024-01-01", end: "2024-01-05", timezone: "UTC" })],
  ];
  for (const [name, make] of defs) {
    it(`finds every key at its index, fresh or indexed: ${name}`, () => {
      const indexed = timeIndex(make());
      const now = Date.UTC(2030, 0, 1);
      const count = indexed.count(now);
      const keys = indexed.keysBetween(0, count);
      expect(count).toBeGreaterThan(10);
      for (let i = 0; i < count; i++) expect(indexed.indexOfKey(keys[i]!, count)).toBe(i);
      // A fresh index per key: found by parsing alone.
      for (let i = 0; i < count; i += Math.max(1, Math.floor(count / 400))) {
        const fresh = timeIndex(make());
        expect(fresh.indexOfKey(keys[i]!, fresh.count(now))).toBe(i);
      }
      // Keys outside the first `limit` windows, and non-keys, are -1 both ways.
      const fresh = timeIndex(make());
      const limit = Math.floor(count / 2);
      expect(fresh.indexOfKey(keys[count - 1]!, limit)).toBe(-1);
      expect(fresh.indexOfKey(keys[limit - 1]!, limit)).toBe(limit - 1);
      for (const bad of ["2024-03-10-02:00", "2024-13-01", "nope", "1999-01-01", "2024-06-01-00:07"]) {
        expect(timeIndex(make()).indexOfKey(bad, count)).toBe(keys.indexOf(bad));
      }
    });
  }
});
