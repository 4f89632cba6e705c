/**
 * In-process engine harness: real SQLite storage in a temp folder, definitions turned into a
 * graph the way the code-location process does, runs created and executed with the real executor.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AssetGraph, buildSnapshot, defineDefinitions, type DefinitionsInput, type EventRecord, type RunRecord, type RunStatus } from "@strata/core";
import { createRun, executeRun, type ExecuteRunOptions, type RunRequest } from "@strata/engine";
import { openSqliteStorage, type Storage } from "@strata/storage";
import { afterEach, beforeEach } from "vitest";

export interface EngineHarness {
  dir: string;
  storage: Storage;
  close(): Promise<void>;
}

/** A temp instance folder with a real SQLite database. */
export async function openHarness(): Promise<EngineHarness> {
  const dir = mkdtempSync(join(tmpdir(), "strata-engine-"));
  const storage = await openSqliteStorage(join(dir, "strata.db"));
  return {
    dir,
    storage,
    close: async () => {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A fresh harness for each test of the calling file (opened before, closed after): the
 * returned object reads through to the current test's harness.
 *
 * @example
 * const h = harnessPerTest();
 * it("…", async () => { await h.storage.listRuns(); });
 */
export function harnessPerTest(): EngineHarness {
  let current: EngineHarness | undefined;
  beforeEach(async () => {
    current = await openHarness();
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  const get = (): EngineHarness => {
    if (!current) throw new Error("harnessPerTest(): used outside a test");
    return current;
  };
  return {
    get dir() {
      return get().dir;
    },
    get storage() {
      return get().storage;
    },
    close: () => get().close(),
  };
}

export interface Project {
  defs: ReturnType<typeof defineDefinitions>;
  graph: AssetGraph;
}

export function project(input: DefinitionsInput): Project {
  const defs = defineDefinitions(input);
  const graph = AssetGraph.fromSnapshot(buildSnapshot(defs, { location: "test", root: process.cwd() }));
  return { defs, graph };
}

export interface RunOutcome {
  status: RunStatus;
  run: RunRecord;
  events: EventRecord[];
}

/** Creates and executes a run; returns the final status, the stored run row and every stored event. */
export async function runProject(
  h: EngineHarness,
  p: Project,
  request: RunRequest = {},
  options: Partial<Omit<ExecuteRunOptions, "defs" | "graph" | "run" | "storage">> = {},
): Promise<RunOutcome> {
  const { run } = await createRun(h.storage, p.graph, request);
  const status = await executeRun({ defs: p.defs, graph: p.graph, run, storage: h.storage, instanceDir: h.dir, env: {}, ...options });
  return { status, run: (await h.storage.getRun(run.runId))!, events: await h.storage.getEvents(run.runId) };
}

export const ofType = (events: EventRecord[], type: EventRecord["type"]) => events.filter((e) => e.type === type);
export const stepKeys = (events: EventRecord[], type: EventRecord["type"]) => ofType(events, type).map((e) => e.stepKey!).sort();
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Tracks how many async sections overlap (for concurrency assertions). */
export class OverlapCounter {
  current = 0;
  max = 0;
  async around<T>(fn: () => Promise<T>): Promise<T> {
    this.current++;
    this.max = Math.max(this.max, this.current);
    try {
      return await fn();
    } finally {
      this.current--;
    }
  }
}
