import { z } from "zod";
import { StrataError } from "../errors.ts";
import { dynamicPartitions } from "./dynamic-partitions.ts";
import { multiPartitions } from "./multi-partitions.ts";
import { staticPartitions } from "./static-partitions.ts";
import { timeWindowPartitions } from "./time-window-partitions.ts";
import type { PartitionsDefinition } from "./types.ts";

/**
 * The JSON form of a partitions definition, as sent in the definitions snapshot:
 *
 * ```json
 * { "kind": "time_window", "cron": "0 0 * * *", "start": "2024-01-01T00:00:00.000Z",
 *   "end": "2024-04-01T00:00:00.000Z", "timezone": "UTC", "fmt": "YYYY-MM-DD", "endOffset": 0 }
 * { "kind": "static", "keys": ["us", "eu"] }
 * { "kind": "dynamic", "name": "customers" }
 * { "kind": "multi", "dimensions": [{ "name": "date", "partitions": { "kind": "time_window", ... } },
 *                                   { "name": "region", "partitions": { "kind": "static", ... } }] }
 * ```
 */
export type PartitionsSnapshot =
  | { kind: "time_window"; cron: string; start: string; end?: string; timezone: string; fmt: string; endOffset: number }
  | { kind: "static"; keys: string[] }
  | { kind: "dynamic"; name: string }
  | { kind: "multi"; dimensions: { name: string; partitions: PartitionsSnapshot }[] };

const single = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("time_window"),
    cron: z.string(),
    start: z.iso.datetime(),
    end: z.iso.datetime().optional(),
    timezone: z.string(),
    fmt: z.string(),
    endOffset: z.number().int(),
  }),
  z.object({ kind: z.literal("static"), keys: z.array(z.string()) }),
  z.object({ kind: z.literal("dynamic"), name: z.string() }),
]);
const schema = z.discriminatedUnion("kind", [
  ...single.options,
  z.object({ kind: z.literal("multi"), dimensions: z.array(z.object({ name: z.string(), partitions: single })) }),
]);

/**
 * A plain, JSON-safe copy of a definition.
 *
 * @example
 * JSON.stringify(partitionsToSnapshot(staticPartitions(["us", "eu"]))); // '{"kind":"static","keys":["us","eu"]}'
 */
export function partitionsToSnapshot(def: PartitionsDefinition): PartitionsSnapshot {
  return JSON.parse(JSON.stringify(def)) as PartitionsSnapshot;
}

/**
 * Rebuilds (and re-validates) a definition from its snapshot; throws PARTITION_INVALID with the
 * JSON path of the first problem.
 *
 * @example
 * partitionsFromSnapshot({ kind: "dynamic", name: "customers" }).kind; // "dynamic"
 */
export function partitionsFromSnapshot(json: unknown, where?: string): PartitionsDefinition {
  const r = schema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new StrataError("PARTITION_INVALID", `Invalid partitions snapshot at ${issue.path.join(".") || "(root)"}: ${issue.message}`, { where });
  }
  return build(r.data as PartitionsSnapshot);
}

function build(s: PartitionsSnapshot): PartitionsDefinition {
  switch (s.kind) {
    case "time_window":
      return timeWindowPartitions({
        cron: s.cron,
        start: new Date(s.start),
        ...(s.end === undefined ? {} : { end: new Date(s.end) }),
        timezone: s.timezone,
        fmt: s.fmt,
        endOffset: s.endOffset,
      });
    case "static":
      return staticPartitions(s.keys);
    case "dynamic":
      return dynamicPartitions(s.name);
    case "multi":
      return multiPartitions(Object.fromEntries(s.dimensions.map((d) => [d.name, build(d.partitions)])));
  }
}

/**
 * Whether two definitions describe the same partitions (same snapshot).
 *
 * @example
 * partitionsEqual(staticPartitions(["a"]), staticPartitions(["a"])); // true
 */
export function partitionsEqual(a: PartitionsDefinition | undefined, b: PartitionsDefinition | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
