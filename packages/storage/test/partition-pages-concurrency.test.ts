import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runFixture } from "./fixtures/child-process.ts";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteStorage } from "../src/index.ts";

const here = dirname(fileURLToPath(import.meta.url));
const writer = join(here, "fixtures", "partition-writer.ts");
const root = mkdtempSync(join(tmpdir(), "strata-pages-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function runWriter(path: string, label: string, runs: number): Promise<{ runs: number; errors: string[] }> {
  return runFixture<{ runs: number; errors: string[] }>(writer, [path, label, String(runs), "a,b"], here);
}

describe("partition status summary with concurrent writers", () => {
  it("matches the index rows after two processes updated the same asset's pages at once", async () => {
    const path = join(root, "strata.db");
    // Create the database first so the writers do not race to migrate it.
    await (await openSqliteStorage(path)).close();
    const results = await Promise.all([runWriter(path, "a", 120), runWriter(path, "b", 120)]);
    for (const r of results) expect(r.errors).toEqual([]);
    const storage = await openSqliteStorage(path);
    try {
      const rows = await storage.getAssetPartitions("shared");
      const { keys, facts } = await storage.getPartitionFacts("shared");
      expect(rows.length).toBeGreaterThan(1000);
      expect(keys).toEqual(rows.map((r) => r.partition));
      expect(facts).toEqual(rows.map((r) => (r.lastMaterializedAt !== undefined ? { status: r.status, lastMaterializedAt: r.lastMaterializedAt } : { status: r.status })));
      expect(new Set(facts.map((f) => f.status))).toEqual(new Set(["materialized", "failed", "in_progress"]));
    } finally {
      await storage.close();
    }
  }, 180_000);
});
