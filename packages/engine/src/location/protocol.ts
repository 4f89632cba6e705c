import { z } from "zod";
import type { DefinitionsSnapshot, RunStatus, SensorResult, SerializedError, StrataEvent } from "@strata/core";

/**
 * Messages between a parent (CLI, daemon, server) and a code-location process, validated at
 * the boundary. The child loads user code once, sends its snapshot, then executes runs on request.
 */
/** Asks the code location to evaluate a sensor (user code) once. */
export interface EvaluateSensorMessage {
  type: "evaluate_sensor";
  /** Matches the reply. */
  requestId: string;
  name: string;
  cursor?: string;
  lastTickAt?: number;
  /** Evaluation time (ms). */
  now: number;
}

/** The sensor's validated result, or its error (thrown, garbage returned, unknown sensor). */
export interface SensorResultMessage {
  type: "sensor_result";
  requestId: string;
  result?: SensorResult;
  error?: SerializedError;
  /** How long the sensor function took in the child. */
  durationMs: number;
}

/** Asks the code location to evaluate a schedule's partition function (user code) for one tick. */
export interface EvaluateScheduleMessage {
  type: "evaluate_schedule";
  /** Matches the reply. */
  requestId: string;
  name: string;
  /** The tick's scheduled time (ms). */
  scheduledAt: number;
}

/** The partition key(s) of the tick, or the function's error (thrown, garbage returned, unknown schedule). */
export interface ScheduleResultMessage {
  type: "schedule_result";
  requestId: string;
  partitionKeys?: string[];
  error?: SerializedError;
  durationMs: number;
}

export type ParentMessage =
  | { type: "execute"; runId: string }
  | EvaluateSensorMessage
  | EvaluateScheduleMessage
  | { type: "cancel" }
  | { type: "shutdown" };

export type ChildMessage =
  | { type: "snapshot"; snapshot: DefinitionsSnapshot; loadMs: number }
  | { type: "load_error"; error: SerializedError }
  | { type: "event"; event: StrataEvent }
  | { type: "run_finished"; runId: string; status: RunStatus }
  | { type: "fatal"; error: SerializedError }
  | SensorResultMessage
  | ScheduleResultMessage;

const serializedError = z.looseObject({ name: z.string(), code: z.string(), message: z.string() });

export const parentMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("execute"), runId: z.string().min(1) }),
  z.object({
    type: z.literal("evaluate_sensor"),
    requestId: z.string().min(1),
    name: z.string().min(1),
    cursor: z.string().optional(),
    lastTickAt: z.number().optional(),
    now: z.number(),
  }),
  z.object({ type: z.literal("evaluate_schedule"), requestId: z.string().min(1), name: z.string().min(1), scheduledAt: z.number().finite() }),
  z.object({ type: z.literal("cancel") }),
  z.object({ type: z.literal("shutdown") }),
]);

export const childMessageSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("snapshot"),
    snapshot: z.looseObject({ version: z.literal(1), location: z.string(), assets: z.array(z.unknown()), checks: z.array(z.unknown()) }),
    loadMs: z.number(),
  }),
  z.object({ type: z.literal("load_error"), error: serializedError }),
  z.object({ type: z.literal("event"), event: z.looseObject({ runId: z.string(), type: z.string(), timestamp: z.number() }) }),
  z.object({ type: z.literal("run_finished"), runId: z.string(), status: z.string() }),
  z.object({ type: z.literal("fatal"), error: serializedError }),
  z.object({
    type: z.literal("sensor_result"),
    requestId: z.string(),
    // The child validated the result with validateSensorResult; the shape is checked again here.
    result: z
      .object({
        runRequests: z.array(
          z.object({
            runKey: z.string().optional(),
            selection: z.string().optional(),
            assetKeys: z.array(z.string()).optional(),
            partitionKey: z.string().optional(),
            tags: z.record(z.string(), z.string()).optional(),
            runConfig: z.record(z.string(), z.unknown()).optional(),
          }),
        ),
        cursor: z.string().optional(),
        skipReason: z.string().optional(),
        dynamicPartitions: z
          .array(z.object({ name: z.string(), add: z.array(z.string()).optional(), remove: z.array(z.string()).optional() }))
          .optional(),
      })
      .optional(),
    error: serializedError.optional(),
    durationMs: z.number(),
  }),
  z.object({
    type: z.literal("schedule_result"),
    requestId: z.string(),
    partitionKeys: z.array(z.string().min(1)).min(1).optional(),
    error: serializedError.optional(),
    durationMs: z.number(),
  }),
]);

export function parseChildMessage(raw: unknown): ChildMessage {
  return childMessageSchema.parse(raw) as unknown as ChildMessage;
}

export function parseParentMessage(raw: unknown): ParentMessage {
  return parentMessageSchema.parse(raw) as ParentMessage;
}
