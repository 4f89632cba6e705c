import type { RunRecord, RunStatus } from "@strata/core";
import type { Insertable, Selectable } from "kysely";
import type { RunsTable } from "./schema.ts";
import { optional, optionalNumber, parseJsonColumn } from "./json-column.ts";

export type RunRow = Selectable<RunsTable>;

/** RunRecord → row of `runs` (all columns, explicit nulls, as bulk inserts require). */
export function runToRow(run: RunRecord): Insertable<RunsTable> {
  return {
    run_id: run.runId,
    status: run.status,
    selection: run.selection,
    asset_keys: JSON.stringify(run.assetKeys),
    check_keys: JSON.stringify(run.checkKeys),
    tags: JSON.stringify(run.tags),
    location: run.location,
    config: JSON.stringify(run.config),
    parent_run_id: run.parentRunId ?? null,
    root_run_id: run.rootRunId ?? null,
    partition_key: run.partitionKey ?? null,
    worker_pid: run.workerPid ?? null,
    worker_host: run.workerHost ?? null,
    created_at: run.createdAt,
    started_at: run.startedAt ?? null,
    ended_at: run.endedAt ?? null,
    updated_at: run.updatedAt,
    heartbeat_at: run.heartbeatAt ?? null,
  };
}

/** Row of `runs` → RunRecord; absent optionals are omitted, not undefined-valued. */
export function rowToRun(row: RunRow): RunRecord {
  const run: RunRecord = {
    runId: row.run_id,
    status: row.status as RunStatus,
    selection: row.selection,
    assetKeys: parseJsonColumn<string[]>(row.asset_keys, "runs.asset_keys"),
    checkKeys: parseJsonColumn<string[]>(row.check_keys, "runs.check_keys"),
    tags: parseJsonColumn<Record<string, string>>(row.tags, "runs.tags"),
    location: row.location,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    config: parseJsonColumn<Record<string, unknown>>(row.config, "runs.config"),
  };
  const optionals: Partial<RunRecord> = {
    parentRunId: optional(row.parent_run_id),
    rootRunId: optional(row.root_run_id),
    partitionKey: optional(row.partition_key),
    workerPid: optionalNumber(row.worker_pid),
    workerHost: optional(row.worker_host),
    startedAt: optionalNumber(row.started_at),
    endedAt: optionalNumber(row.ended_at),
    heartbeatAt: optionalNumber(row.heartbeat_at),
  };
  for (const [k, v] of Object.entries(optionals)) if (v !== undefined) (run as unknown as Record<string, unknown>)[k] = v;
  return run;
}
