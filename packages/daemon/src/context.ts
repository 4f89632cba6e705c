import type { AssetGraph, DefinitionsSnapshot } from "@strata/core";
import type { Storage } from "@strata/storage";
import type { DaemonLocation } from "./location.ts";
import type { RunLauncher } from "./launcher.ts";

/** What every loop of a daemon shares. */
export interface DaemonContext {
  storage: Storage;
  instanceDir: string;
  location: DaemonLocation;
  launcher: RunLauncher;
  /** Current time (tests and benchmarks may shift it). */
  now(): number;
  log(message: string): void;
}

export const snapshotOf = (ctx: DaemonContext): DefinitionsSnapshot => ctx.location.snapshot;
export const graphOf = (ctx: DaemonContext): AssetGraph => ctx.location.graph;
