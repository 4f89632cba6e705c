import type { CheckSeverity, EventData, EventRecord, EventType, StrataEvent } from "@strata/core";
import type { Insertable, Selectable } from "kysely";
import type { EventLogsTable } from "./schema.ts";
import type { CheckEvaluationRecord, MaterializationRecord } from "./storage.ts";
import { optional, parseJsonColumn } from "./json-column.ts";

export type EventRow = Selectable<EventLogsTable>;

/** Number of columns {@link eventToRow} fills: sizes bulk-insert chunks. */
export const EVENT_COLUMNS = 10;

/** StrataEvent → row of `event_logs` (every column present so multi-row inserts line up). */
export function eventToRow(e: StrataEvent): Insertable<EventLogsTable> {
  return {
    run_id: e.runId,
    type: e.type,
    timestamp: e.timestamp,
    level: e.level,
    message: e.message,
    step_key: e.stepKey ?? null,
    asset_key: e.assetKey ?? null,
    check_key: e.checkKey ?? null,
    partition_key: e.partition ?? null,
    data: e.data === undefined ? null : JSON.stringify(e.data),
  };
}

/** Row of `event_logs` → EventRecord; absent optionals are omitted. */
export function rowToEvent(row: EventRow): EventRecord {
  const e: EventRecord = {
    id: Number(row.id),
    runId: row.run_id,
    type: row.type as EventType,
    timestamp: Number(row.timestamp),
    level: row.level as EventRecord["level"],
    message: row.message,
  };
  if (row.step_key !== null) e.stepKey = row.step_key;
  if (row.asset_key !== null) e.assetKey = row.asset_key;
  if (row.check_key !== null) e.checkKey = row.check_key;
  if (row.partition_key !== null) e.partition = row.partition_key;
  if (row.data !== null) e.data = parseJsonColumn<EventData>(row.data, "event_logs.data");
  return e;
}

/** The columns a materialisation or check record is built from. */
export type EventSummaryRow = Pick<EventRow, "id" | "run_id" | "asset_key" | "check_key" | "partition_key" | "timestamp" | "data">;

/** An ASSET_MATERIALIZATION row → MaterializationRecord. */
export function rowToMaterialization(row: EventSummaryRow): MaterializationRecord {
  const data = row.data === null ? {} : parseJsonColumn<EventData>(row.data, "event_logs.data");
  const rec: MaterializationRecord = {
    eventId: Number(row.id),
    runId: row.run_id,
    assetKey: row.asset_key ?? "",
    timestamp: Number(row.timestamp),
    metadata: data.metadata ?? {},
  };
  const partition = optional(row.partition_key);
  if (partition !== undefined) rec.partition = partition;
  if (typeof data.codeVersion === "string") rec.codeVersion = data.codeVersion;
  if (typeof data.dataVersion === "string") rec.dataVersion = data.dataVersion;
  return rec;
}

/** An ASSET_CHECK_EVALUATION row → CheckEvaluationRecord. */
export function rowToCheckEvaluation(row: EventSummaryRow): CheckEvaluationRecord {
  const data = row.data === null ? {} : parseJsonColumn<EventData>(row.data, "event_logs.data");
  const rec: CheckEvaluationRecord = {
    eventId: Number(row.id),
    runId: row.run_id,
    checkKey: row.check_key ?? "",
    assetKey: row.asset_key ?? "",
    timestamp: Number(row.timestamp),
    passed: data.check?.passed === true,
    severity: (data.check?.severity ?? "ERROR") satisfies CheckSeverity,
    metadata: data.metadata ?? {},
  };
  const partition = optional(row.partition_key);
  if (partition !== undefined) rec.partition = partition;
  if (data.check?.description !== undefined) rec.description = data.check.description;
  return rec;
}
