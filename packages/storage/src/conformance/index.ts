import { afterEach, beforeEach, describe } from "vitest";
import type { Storage } from "../storage.ts";
import { assetIndexTests } from "./asset-index.ts";
import { backfillTests } from "./backfills.ts";
import { checkTests } from "./checks.ts";
import { dynamicPartitionTests } from "./dynamic-partitions.ts";
import { eventLogTests } from "./events.ts";
import type { ConformanceContext } from "./fixtures.ts";
import { keyValueTests, poolTests } from "./kv-pools.ts";
import { lifecycleTests } from "./lifecycle.ts";
import { partitionFactsTests } from "./partition-facts.ts";
import { partitionIndexTests } from "./partitions.ts";
import { runQueryTests } from "./run-queries.ts";
import { runLifecycleTests } from "./runs.ts";
import { tickTests } from "./ticks.ts";

export { makeRun, event, materialization, planned, checkEvaluation, makeBackfill, makeChunks } from "./fixtures.ts";

/**
 * Registers the storage conformance suite (vitest `describe`/`it`) for one backend. Every
 * backend must pass it unchanged. `factory` must return an open, empty storage on a real
 * database for each test; the suite closes it afterwards.
 *
 * @example
 * // packages/storage/test/sqlite.test.ts
 * runStorageConformance("sqlite in-memory", () => openInMemoryStorage());
 */
export function runStorageConformance(name: string, factory: () => Promise<Storage>): void {
  describe(`storage conformance: ${name}`, () => {
    let current: Storage | undefined;
    const ctx: ConformanceContext = {
      get storage(): Storage {
        if (!current) throw new Error("storage conformance: no storage (the factory failed)");
        return current;
      },
    };
    beforeEach(async () => {
      current = await factory();
    });
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });
    describe("runs", () => runLifecycleTests(ctx));
    describe("run queries", () => runQueryTests(ctx));
    describe("event log", () => eventLogTests(ctx));
    describe("asset index", () => assetIndexTests(ctx));
    describe("check status", () => checkTests(ctx));
    describe("key-value", () => keyValueTests(ctx));
    describe("pools", () => poolTests(ctx));
    describe("partition index", () => partitionIndexTests(ctx));
    describe("partition status summary", () => partitionFactsTests(ctx));
    describe("dynamic partitions", () => dynamicPartitionTests(ctx));
    describe("backfills", () => backfillTests(ctx));
    describe("ticks and run keys", () => tickTests(ctx));
    describe("lifecycle", () => lifecycleTests(ctx));
  });
}
