import { z } from "zod";
import type { DefinitionsSnapshot, RunStatus, SerializedError, StrataEvent } from "@strata/core";

/**
 * Messages between a parent (CLI, daemon, server) and a code-location process, validated at
 * the boundary. The child loads user code once, sends its snapshot, then executes runs on request.
 */
export type ParentMessage =
  | { type: "execute"; runId: string }
  | { type: "cancel" }
  | { type: "shutdown" };

export type ChildMessage =
  | { type: "snapshot"; snapshot: DefinitionsSnapshot; loadMs: number }
  | { type: "load_error"; error: SerializedError }
  | { type: "event"; event: StrataEvent }
  | { type: "run_finished"; runId: string; status: RunStatus }
  | { type: "fatal"; error: SerializedError };

const serializedError = z.looseObject({ name: z.string(), code: z.string(), message: z.string() });

export const parentMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("execute"), runId: z.string().min(1) }),
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
]);

export function parseChildMessage(raw: unknown): ChildMessage {
  return childMessageSchema.parse(raw) as unknown as ChildMessage;
}

export function parseParentMessage(raw: unknown): ParentMessage {
  return parentMessageSchema.parse(raw);
}
