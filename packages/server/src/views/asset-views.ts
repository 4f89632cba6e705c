import { relative } from "node:path";
import {
  countPartitions,
  describeSchedule,
  type AssetGraph,
  type AssetNodeSnapshot,
  type CheckNodeSnapshot,
  type PartitionContext,
  type PartitionsDefinition,
} from "@strata/core";
import type { AssetRecord, CheckStatusRecord, Storage } from "@strata/storage";
import type { AssetHealth, AssetSummary, CheckHealth, CheckSummary, CodeRefView } from "../api-types.ts";
import type { RecordedFreshness } from "./asset-automation.ts";
import { healthOf } from "./asset-automation.ts";
import { gitFileUrl, type GitInfo } from "./git-link.ts";

const IN_PROGRESS = ["QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING"] as const;

/** Everything the catalog needs from storage, read in a few queries for any number of assets. */
export interface AssetFacts {
  records: Map<string, AssetRecord>;
  checks: Map<string, CheckStatusRecord>;
  inProgressRuns: Set<string>;
}

export async function readAssetFacts(storage: Storage, keys?: string[]): Promise<AssetFacts> {
  const [records, checks, runs] = await Promise.all([
    storage.getAssetRecords(keys),
    storage.getCheckStatus(),
    storage.listRuns({ statuses: [...IN_PROGRESS], limit: 10_000 }),
  ]);
  return {
    records: new Map(records.map((r) => [r.assetKey, r] as const)),
    checks: new Map(checks.map((c) => [c.checkKey, c] as const)),
    inProgressRuns: new Set(runs.map((r) => r.runId)),
  };
}

/** An asset's health from its index row and its parents' (see {@link AssetHealth}). */
export function assetHealth(graph: AssetGraph, key: string, facts: AssetFacts): AssetHealth {
  const rec = facts.records.get(key);
  if (!rec) return "missing";
  if (rec.lastPlannedRunId && facts.inProgressRuns.has(rec.lastPlannedRunId)) return "in_progress";
  const matAt = rec.lastMaterialization?.timestamp;
  if (rec.lastFailedAt !== undefined && (matAt === undefined || rec.lastFailedAt > matAt)) return "failed";
  if (matAt === undefined) return "missing";
  for (const p of graph.parents(key)) {
    const up = facts.records.get(p)?.lastMaterialization?.timestamp;
    if (up !== undefined && up > matAt) return "stale";
  }
  return "materialized";
}

export function checkHealth(check: CheckNodeSnapshot, status: CheckStatusRecord | undefined): CheckHealth {
  const ev = status?.lastEvaluation;
  if (!ev) return "not_evaluated";
  if (ev.passed) return "passed";
  return ev.severity === "WARN" ? "warning" : "failed";
}

export function checkSummary(check: CheckNodeSnapshot, facts: AssetFacts): CheckSummary {
  const st = facts.checks.get(check.key);
  const ev = st?.lastEvaluation;
  return {
    key: check.key,
    name: check.name,
    status: checkHealth(check, st),
    severity: check.severity,
    blocking: check.blocking,
    ...(ev ? { lastEvaluatedAt: ev.timestamp, lastRunId: ev.runId } : {}),
  };
}

/** `file:line` relative to the project, with a git host link when known. */
export function codeRefView(
  a: { codeRef?: { file: string; line: number } },
  root: string,
  git: GitInfo | undefined,
): CodeRefView | undefined {
  if (!a.codeRef) return undefined;
  const { file, line } = a.codeRef;
  const rel = file.startsWith(root + "/") ? relative(root, file) : file;
  const url = gitFileUrl(git, file, line);
  return { file: rel, line, ...(url ? { url } : {}) };
}

/** A short label for catalogs: `daily (UTC) · 365 partitions`. */
export function partitionsLabel(def: PartitionsDefinition, ctx: PartitionContext): string {
  let n: number;
  try {
    n = countPartitions(def, ctx);
  } catch {
    n = 0;
  }
  const kind =
    def.kind === "time_window"
      ? `${describeSchedule(def)} (${def.timezone})`
      : def.kind === "dynamic"
        ? `dynamic "${def.name}"`
        : def.kind === "static"
          ? "static"
          : `multi (${def.dimensions.map((d) => d.name).join(" × ")})`;
  return `${kind} · ${n} partition${n === 1 ? "" : "s"}`;
}

export interface SummaryContext {
  graph: AssetGraph;
  facts: AssetFacts;
  root: string;
  git: GitInfo | undefined;
  partitionCtx: PartitionContext;
  /** The daemon's recorded freshness states (for `health`); absent: freshness is left out. */
  freshness?: Map<string, RecordedFreshness>;
}

export function assetSummary(a: AssetNodeSnapshot, ctx: SummaryContext): AssetSummary {
  const rec = ctx.facts.records.get(a.key);
  const status = assetHealth(ctx.graph, a.key, ctx.facts);
  const def = ctx.graph.partitionsOf(a.key);
  const code = codeRefView(a, ctx.root, ctx.git);
  const mat = rec?.lastMaterialization;
  const fresh = a.freshness ? ctx.freshness?.get(a.key)?.state : undefined;
  return {
    key: a.key,
    group: a.group,
    kinds: a.kinds,
    owners: a.owners,
    tags: a.tags,
    ...(a.description ? { description: a.description } : {}),
    ...(code ? { codeRef: code } : {}),
    ...(def ? { partitions: partitionsLabel(def, ctx.partitionCtx) } : {}),
    status,
    health: healthOf(ctx.graph, a.key, ctx.facts, fresh).status,
    ...(fresh ? { freshness: fresh } : {}),
    ...(mat
      ? {
          lastMaterialization: {
            eventId: mat.eventId,
            runId: mat.runId,
            timestamp: mat.timestamp,
            ...(mat.partition !== undefined ? { partition: mat.partition } : {}),
          },
        }
      : {}),
    ...(status === "in_progress" && rec?.lastPlannedRunId ? { inProgressRunId: rec.lastPlannedRunId } : {}),
    ...(status === "failed" && rec?.lastFailedRunId ? { lastFailedRunId: rec.lastFailedRunId } : {}),
    checks: ctx.graph.checksOf(a.key).map((c) => checkSummary(c, ctx.facts)),
  };
}

/** Case-insensitive search over key, group, kinds, owners, tags and description. */
export function matchesSearch(a: AssetNodeSnapshot, q: string): boolean {
  const needle = q.toLowerCase();
  if (a.key.toLowerCase().includes(needle) || a.group.toLowerCase().includes(needle)) return true;
  if (a.description?.toLowerCase().includes(needle)) return true;
  if (
    a.kinds.some((k) => k.toLowerCase().includes(needle)) ||
    a.owners.some((o) => o.toLowerCase().includes(needle))
  )
    return true;
  return Object.entries(a.tags).some(([k, v]) => `${k}=${v}`.toLowerCase().includes(needle));
}
