import type { BackfillChunkNeed } from "@strata/core";
import type { Insertable, Selectable } from "kysely";
import { parseJsonColumn } from "./json-column.ts";
import type { BackfillChunksTable, BackfillsTable } from "./schema.ts";
import type { BackfillChunkRecord, BackfillChunkStatus, BackfillRecord, BackfillStatus } from "./storage.ts";

/** Number of columns {@link chunkToRow} fills: sizes bulk-insert chunks. */
export const CHUNK_COLUMNS = 11;

export function backfillToRow(b: BackfillRecord): Insertable<BackfillsTable> {
  return {
    backfill_id: b.backfillId,
    status: b.status,
    selection: b.selection,
    asset_keys: JSON.stringify(b.assetKeys),
    partition_selection: JSON.stringify(b.partitionSelection),
    tags: JSON.stringify(b.tags),
    max_concurrent_runs: b.maxConcurrentRuns,
    location: b.location,
    created_at: b.createdAt,
    updated_at: b.updatedAt,
    ended_at: b.endedAt ?? null,
    error: b.error ?? null,
  };
}

export function rowToBackfill(r: Selectable<BackfillsTable>): BackfillRecord {
  const b: BackfillRecord = {
    backfillId: r.backfill_id,
    status: r.status as BackfillStatus,
    selection: r.selection,
    assetKeys: parseJsonColumn<string[]>(r.asset_keys, "backfills.asset_keys"),
    partitionSelection: parseJsonColumn<Record<string, unknown>>(r.partition_selection, "backfills.partition_selection"),
    tags: parseJsonColumn<Record<string, string>>(r.tags, "backfills.tags"),
    maxConcurrentRuns: Number(r.max_concurrent_runs),
    location: r.location,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
  if (r.ended_at !== null) b.endedAt = Number(r.ended_at);
  if (r.error !== null) b.error = r.error;
  return b;
}

/** Every column present (explicit nulls) so multi-row inserts line up. */
export function chunkToRow(c: BackfillChunkRecord): Insertable<BackfillChunksTable> {
  return {
    backfill_id: c.backfillId,
    chunk_id: c.chunkId,
    asset_keys: JSON.stringify(c.assetKeys),
    partition_keys: JSON.stringify(c.partitionKeys),
    partition_range: c.partitionRange === undefined ? null : JSON.stringify(c.partitionRange),
    depends_on: JSON.stringify(c.dependsOn),
    needs: c.needs === undefined ? null : JSON.stringify(c.needs),
    status: c.status,
    run_id: c.runId ?? null,
    attempts: c.attempts,
    updated_at: c.updatedAt,
  };
}

export function rowToChunk(r: Selectable<BackfillChunksTable>): BackfillChunkRecord {
  const c: BackfillChunkRecord = {
    backfillId: r.backfill_id,
    chunkId: Number(r.chunk_id),
    assetKeys: parseJsonColumn<string[]>(r.asset_keys, "backfill_chunks.asset_keys"),
    partitionKeys: parseJsonColumn<string[]>(r.partition_keys, "backfill_chunks.partition_keys"),
    dependsOn: parseJsonColumn<number[]>(r.depends_on, "backfill_chunks.depends_on"),
    status: r.status as BackfillChunkStatus,
    attempts: Number(r.attempts),
    updatedAt: Number(r.updated_at),
  };
  if (r.partition_range !== null) c.partitionRange = parseJsonColumn<{ start: string; end: string }>(r.partition_range, "backfill_chunks.partition_range");
  if (r.run_id !== null) c.runId = r.run_id;
  if (r.needs !== null) c.needs = parseJsonColumn<BackfillChunkNeed[]>(r.needs, "backfill_chunks.needs");
  return c;
}
