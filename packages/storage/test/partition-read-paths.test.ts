import { describe, expect, it } from "vitest";
import { SqlStorage, sqliteDialect } from "../src/index.ts";
import { event, makeRun, materialization, planned } from "../src/conformance/index.ts";

// The conformance suite covers the array fast path (SQLite has selectArrays); this checks that a
// dialect without it (the plain Kysely object path) returns exactly the same records.
describe("getAssetPartitions read paths", () => {
  it("returns the same records with and without the dialect's selectArrays", async () => {
    const fast = await SqlStorage.open(sqliteDialect({ path: ":memory:" }));
    const plain = await SqlStorage.open({ ...sqliteDialect({ path: ":memory:" }), selectArrays: undefined });
    try {
      for (const s of [fast, plain]) {
        const r1 = makeRun({ runId: "r1" });
        const r2 = makeRun({ runId: "r2" });
        await s.createRun(r1);
        await s.createRun(r2);
        await s.storeEvents([
          materialization("r1", "a", { partition: "m", timestamp: 1 }),
          materialization("r1", "a", { partition: "n", timestamp: 2 }),
          planned("r2", "a", { partition: "n", timestamp: 3 }),
          event("r2", "STEP_FAILURE", { partition: "f", timestamp: 4, data: { assetKeys: ["a"] } }),
          planned("r2", "a", { partition: "p", timestamp: 5 }),
        ]);
      }
      const expected = await plain.getAssetPartitions("a");
      expect(expected.map((p) => [p.partition, p.status, p.lastRunId])).toEqual([
        ["f", "failed", "r2"],
        ["m", "materialized", "r1"],
        ["n", "in_progress", "r2"],
        ["p", "in_progress", "r2"],
      ]);
      expect(await fast.getAssetPartitions("a")).toStrictEqual(expected);
      expect(await fast.getAssetPartitions("a", { partitions: ["n", "m"] })).toStrictEqual(
        await plain.getAssetPartitions("a", { partitions: ["n", "m"] }),
      );
    } finally {
      await fast.close();
      await plain.close();
    }
  });
});
