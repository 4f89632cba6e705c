import { StrataError } from "../errors.ts";

/** A run a sensor asks for. */
export interface SensorRunRequest {
  /** Idempotency key: a key this sensor already used never launches again. */
  runKey?: string;
  /** Selection string (default: the sensor's target). Give this or `assetKeys`. */
  selection?: string;
  assetKeys?: string[];
  partitionKey?: string;
  tags?: Record<string, string>;
  runConfig?: Record<string, unknown>;
}

/** Keys to add to / remove from a dynamic partitions set (applied before the runs launch). */
export interface DynamicPartitionsRequest {
  name: string;
  add?: string[];
  remove?: string[];
}

export interface SensorResult {
  runRequests: SensorRunRequest[];
  /** New cursor to store (unchanged when absent). */
  cursor?: string;
  /** Why nothing was requested (shown in tick history). */
  skipReason?: string;
  dynamicPartitions?: DynamicPartitionsRequest[];
}

/** What a sensor function may return: a result, just run requests, or nothing (skip). */
export type SensorReturn = Partial<SensorResult> | SensorRunRequest[] | undefined | void;

const RESULT_KEYS = new Set(["runRequests", "cursor", "skipReason", "dynamicPartitions"]);
const REQUEST_KEYS = new Set(["runKey", "selection", "assetKeys", "partitionKey", "tags", "runConfig"]);
/** Cursors live in one storage row each; beyond this they are almost certainly a bug. */
export const MAX_CURSOR_LENGTH = 1_000_000;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string" && x !== "");

/**
 * Validates what a sensor returned and normalises it to a {@link SensorResult}. Anything else
 * ("returns garbage") throws USER_CODE with the sensor name and the path of the bad value.
 *
 * @example
 * validateSensorResult([{ runKey: "a" }], { name: "s", hasTarget: true }); // { runRequests: [{ runKey: "a" }] }
 */
export function validateSensorResult(raw: unknown, s: { name: string; hasTarget: boolean; managesCursor?: boolean; where?: string }): SensorResult {
  const bad = (path: string, why: string): never => {
    throw new StrataError("USER_CODE", `Sensor "${s.name}" returned an invalid result: ${path} ${why}`, {
      where: s.where,
      hint: "Return { runRequests: [{ runKey?, selection? | assetKeys?, partitionKey?, tags? }], cursor?, skipReason?, dynamicPartitions? }, an array of run requests, or nothing.",
    });
  };
  if (raw === undefined || raw === null) return { runRequests: [] };
  const obj: Record<string, unknown> = Array.isArray(raw) ? { runRequests: raw } : isObj(raw) ? raw : bad("the value", `is ${typeof raw}`);
  for (const k of Object.keys(obj)) if (!RESULT_KEYS.has(k)) bad(`"${k}"`, "is not a known field");
  const out: SensorResult = { runRequests: [] };
  const reqs = obj.runRequests ?? [];
  if (!Array.isArray(reqs)) bad("runRequests", "must be an array");
  (reqs as unknown[]).forEach((r, i) => {
    const p = `runRequests[${i}]`;
    if (!isObj(r)) return bad(p, "must be an object");
    for (const k of Object.keys(r)) if (!REQUEST_KEYS.has(k)) bad(`${p}.${k}`, "is not a known field");
    const req: SensorRunRequest = {};
    if (r.runKey !== undefined) req.runKey = typeof r.runKey === "string" && r.runKey !== "" ? r.runKey : bad(`${p}.runKey`, "must be a non-empty string");
    if (r.selection !== undefined) req.selection = typeof r.selection === "string" && r.selection !== "" ? r.selection : bad(`${p}.selection`, "must be a non-empty string");
    if (r.assetKeys !== undefined) req.assetKeys = isStrings(r.assetKeys) && r.assetKeys.length > 0 ? [...r.assetKeys] : bad(`${p}.assetKeys`, "must be a non-empty array of keys");
    if (req.selection !== undefined && req.assetKeys !== undefined) bad(p, "gives both selection and assetKeys");
    if (req.selection === undefined && req.assetKeys === undefined && !s.hasTarget) bad(p, "has no selection or assetKeys, and the sensor has no target");
    if (r.partitionKey !== undefined) req.partitionKey = typeof r.partitionKey === "string" && r.partitionKey !== "" ? r.partitionKey : bad(`${p}.partitionKey`, "must be a non-empty string");
    if (r.tags !== undefined) req.tags = isObj(r.tags) && Object.values(r.tags).every((v) => typeof v === "string") ? { ...(r.tags as Record<string, string>) } : bad(`${p}.tags`, "must be an object of strings");
    if (r.runConfig !== undefined) {
      if (!isObj(r.runConfig)) bad(`${p}.runConfig`, "must be an object");
      try {
        req.runConfig = JSON.parse(JSON.stringify(r.runConfig)) as Record<string, unknown>;
      } catch {
        bad(`${p}.runConfig`, "must be JSON-serialisable");
      }
    }
    out.runRequests.push(req);
  });
  if (obj.cursor !== undefined) {
    if (s.managesCursor) bad("cursor", "cannot be set: asset and run-status sensors manage their own cursor");
    if (typeof obj.cursor !== "string") bad("cursor", "must be a string");
    if ((obj.cursor as string).length > MAX_CURSOR_LENGTH) bad("cursor", `is longer than ${MAX_CURSOR_LENGTH} characters`);
    out.cursor = obj.cursor as string;
  }
  if (obj.skipReason !== undefined) {
    if (typeof obj.skipReason !== "string") bad("skipReason", "must be a string");
    if (out.runRequests.length > 0) bad("skipReason", "cannot be given together with run requests");
    out.skipReason = obj.skipReason as string;
  }
  if (obj.dynamicPartitions !== undefined) {
    if (!Array.isArray(obj.dynamicPartitions)) bad("dynamicPartitions", "must be an array");
    out.dynamicPartitions = (obj.dynamicPartitions as unknown[]).map((d, i) => {
      const p = `dynamicPartitions[${i}]`;
      if (!isObj(d) || typeof d.name !== "string" || d.name === "") return bad(p, "needs a name");
      if (d.add !== undefined && !isStrings(d.add)) bad(`${p}.add`, "must be an array of non-empty keys");
      if (d.remove !== undefined && !isStrings(d.remove)) bad(`${p}.remove`, "must be an array of non-empty keys");
      return { name: d.name, ...(d.add ? { add: [...(d.add as string[])] } : {}), ...(d.remove ? { remove: [...(d.remove as string[])] } : {}) };
    });
  }
  return out;
}

/**
 * Drops run requests whose run key this sensor already used (or that repeat a key within the
 * result). The daemon passes the keys it has stored for the sensor.
 *
 * @example
 * filterUsedRunKeys([{ runKey: "a" }, { runKey: "b" }], new Set(["a"])); // { launch: [{ runKey: "b" }], skipped: ["a"] }
 */
export function filterUsedRunKeys(requests: readonly SensorRunRequest[], used: ReadonlySet<string>): { launch: SensorRunRequest[]; skipped: string[] } {
  const seen = new Set<string>();
  const launch: SensorRunRequest[] = [];
  const skipped: string[] = [];
  for (const r of requests) {
    if (r.runKey !== undefined) {
      if (used.has(r.runKey) || seen.has(r.runKey)) {
        skipped.push(r.runKey);
        continue;
      }
      seen.add(r.runKey);
    }
    launch.push(r);
  }
  return { launch, skipped };
}
