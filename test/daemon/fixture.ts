/**
 * Fixture project for the daemon end-to-end tests: `a` (every run appends its run id to
 * executions.log, so a test sees any run executed twice) on a minutely schedule, `fresh` with a
 * 8-second freshness policy, and sensors that misbehave on purpose (throws, garbage, hangs)
 * next to one that always asks for the same run key.
 */
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { openSqliteStorage, type Storage } from "@strata/storage";

export const CONFIG = `import { appendFileSync } from "node:fs";
import { asset, defineDefinitions, freshnessPolicy, schedule, sensor } from "strata";

export const a = asset({ key: "a" }, (ctx) => {
  appendFileSync("executions.log", ctx.runId + "\\n");
  return { ok: true };
});
export const fresh = asset({ key: "fresh", freshness: freshnessPolicy.timeWindow({ failAfter: "8s" }) }, () => 1);

const bad = process.env.BAD_SENSORS === "1";
export default defineDefinitions({
  assets: [a, fresh],
  schedules: [schedule({ name: "every_minute", cron: "* * * * *", target: [a], defaultStatus: "RUNNING" })],
  sensors: bad
    ? [
        sensor({ name: "throws", intervalSeconds: 1, target: [a], defaultStatus: "RUNNING" }, () => { throw new Error("boom from sensor"); }),
        sensor({ name: "garbage", intervalSeconds: 1, target: [a], defaultStatus: "RUNNING" }, () => 42 as never),
        sensor({ name: "hangs", intervalSeconds: 1, timeoutSeconds: 1, target: [a], defaultStatus: "RUNNING" }, () => { for (;;) {} }),
        sensor({ name: "same_key", intervalSeconds: 1, target: [a], defaultStatus: "RUNNING" }, () => ({ runRequests: [{ runKey: "only-once" }], cursor: String(Date.now()) })),
      ]
    : [],
});
`;

export const PACKAGE_JSON = JSON.stringify({ name: "daemon-fixture", private: true, type: "module" });

export function executions(dir: string): string[] {
  const p = join(dir, "executions.log");
  return existsSync(p) ? readFileSync(p, "utf8").split("\n").filter(Boolean) : [];
}

export async function withStorage<T>(home: string, fn: (s: Storage) => Promise<T>): Promise<T> {
  const s = await openSqliteStorage(join(home, "strata.db"));
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}
