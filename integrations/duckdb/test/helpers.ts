import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { InputContext, Logger, OutputContext } from "@strata/core";

export const silentLog: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A fresh temp folder, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "strata-duckdb-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function outputContext(instanceDir: string, assetKey: string, partitionKey?: string): OutputContext {
  return { assetKey, runId: "run-1", partitionKey, instanceDir, log: silentLog, resources: {} };
}

export function inputContext(instanceDir: string, upstreamKey: string, upstreamPartitionKeys?: string[]): InputContext {
  return {
    upstreamKey,
    assetKey: "downstream",
    inputName: "upstream",
    runId: "run-1",
    upstreamPartitionKeys,
    instanceDir,
    log: silentLog,
    resources: {},
  };
}

let counter = 0;
/** A separate in-memory database per call. */
export function memoryPath(): string {
  return `:memory:test-${process.pid}-${++counter}`;
}
