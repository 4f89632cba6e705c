import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runFixture } from "./fixtures/child-process.ts";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteStorage } from "../src/index.ts";
import { makeBackfill, makeChunks } from "../src/conformance/index.ts";

const here = dirname(fileURLToPath(import.meta.url));
const launcher = join(here, "fixtures", "backfill-launcher.ts");
const root = mkdtempSync(join(tmpdir(), "strata-bf-mp-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface LauncherResult {
  attempted: number;
  won: number;
  errors: string[];
}

function runLauncher(path: string, label: string, backfillId: string, labels: string): Promise<LauncherResult> {
  return runFixture<LauncherResult>(launcher, [path, label, backfillId, labels], here);
}

describe("backfill launches shared by several processes", () => {
  it("launches each of 100 chunks exactly once when two processes race", async () => {
    const path = join(root, "shared", "strata.db");
    const backfill = makeBackfill();
    const id = backfill.backfillId;
    const setup = await openSqliteStorage(path);
    await setup.createBackfill(backfill, makeChunks(id, 100));
    await setup.close();

    const [a, b] = await Promise.all([runLauncher(path, "a", id, "a,b"), runLauncher(path, "b", id, "a,b")]);
    console.log(`[strata storage] two launchers racing over 100 chunks: a won ${a.won}, b won ${b.won}`);
    for (const r of [a, b]) {
      expect(r.errors).toEqual([]);
      expect(r.attempted).toBe(100);
    }
    expect(a.won + b.won).toBe(100);

    const storage = await openSqliteStorage(path);
    try {
      const chunks = await storage.getBackfillChunks(id);
      expect(chunks).toHaveLength(100);
      expect(chunks.every((c) => c.status === "LAUNCHED" && c.attempts === 1)).toBe(true);
      const runs = await storage.listRuns({ tags: { "strata/backfill": id } });
      expect(runs).toHaveLength(100);
      expect(new Set(runs.map((r) => r.runId))).toEqual(new Set(chunks.map((c) => c.runId)));
      expect(await storage.listRuns({ tags: { launcher: "a" } })).toHaveLength(a.won);
    } finally {
      await storage.close();
    }
  }, 120_000);
});
