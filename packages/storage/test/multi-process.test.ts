import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runFixture } from "./fixtures/child-process.ts";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteStorage } from "../src/index.ts";

const here = dirname(fileURLToPath(import.meta.url));
const writer = join(here, "fixtures", "concurrent-writer.ts");
const root = mkdtempSync(join(tmpdir(), "strata-mp-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface ChildResult {
  runs: number;
  events: number;
  poolOverlaps: number;
  errors: string[];
}

function runWriter(path: string, label: string, batches: number): Promise<ChildResult> {
  return runFixture<ChildResult>(writer, [path, label, String(batches), "a,b"], here);
}

describe("sqlite shared by several processes", () => {
  it("lets two processes write runs and events to one file at the same time", async () => {
    const path = join(root, "shared", "strata.db");
    const batches = 200;
    const [a, b] = await Promise.all([runWriter(path, "a", batches), runWriter(path, "b", batches)]);
    for (const r of [a, b]) {
      expect(r.errors).toEqual([]);
      expect(r.events).toBe(batches * 5);
      expect(r.poolOverlaps).toBe(0);
    }
    const storage = await openSqliteStorage(path);
    try {
      const runs = await storage.listRuns();
      expect(runs).toHaveLength(2 * batches);
      expect(runs.every((r) => r.status === "SUCCESS")).toBe(true);
      expect(await storage.listRuns({ tags: { writer: "a" } })).toHaveLength(batches);
      expect(await storage.listRuns({ assetKey: "shared" })).toHaveLength(2 * batches);
      for (const label of ["a", "b"]) {
        const events = await storage.getEvents(`${label}-${batches - 1}`);
        expect(events.map((e) => e.type)).toEqual([
          "RUN_START",
          "ASSET_MATERIALIZATION_PLANNED",
          "STEP_START",
          "LOG",
          "ASSET_MATERIALIZATION",
          "ASSET_MATERIALIZATION",
          "RUN_SUCCESS",
        ]);
      }
      expect(await storage.getMaterializations("shared")).toHaveLength(2 * batches);
      const [aAsset, shared] = await storage.getAssetRecords(["a/a", "shared"]);
      expect(aAsset?.lastMaterialization?.runId).toBe(`a-${batches - 1}`);
      // The index points at the newest shared materialisation in the log, whichever process wrote it.
      const [newest] = await storage.getMaterializations("shared", { limit: 1 });
      expect(shared?.lastMaterialization?.eventId).toBe(newest?.eventId);
      expect(await storage.getPoolUsage()).toEqual([]);
      // The writers really overlapped: each one's events span the other's.
      const span = async (label: string) => {
        const first = await storage.getEvents(`${label}-0`);
        const last = await storage.getEvents(`${label}-${batches - 1}`);
        return [first[0]?.id ?? 0, last.at(-1)?.id ?? 0] as const;
      };
      const [sa, sb] = [await span("a"), await span("b")];
      expect(sa[0] < sb[1] && sb[0] < sa[1]).toBe(true);
    } finally {
      await storage.close();
    }
  }, 120_000);
});
