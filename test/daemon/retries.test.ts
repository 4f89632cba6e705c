/**
 * Run retries under a real `strata daemon`: a run tagged `strata/max_retries` whose asset fails
 * is retried by the run monitor (a QUEUED child run, dequeued and executed); the retry number
 * counts attempts and no run is retried beyond the max.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeProject, waitUntil } from "../helpers/run-cli.ts";
import { PACKAGE_JSON, withStorage } from "./fixture.ts";

const CONFIG = `import { appendFileSync, existsSync, writeFileSync } from "node:fs";
import { asset, defineDefinitions } from "strata";

export const flaky = asset({ key: "flaky" }, (ctx) => {
  appendFileSync("flaky.log", ctx.runId + "\\n");
  if (!existsSync("flaky.marker")) {
    writeFileSync("flaky.marker", "1");
    throw new Error("first attempt fails");
  }
  return "ok";
});
export const always = asset({ key: "always" }, (ctx) => {
  appendFileSync("always.log", ctx.runId + "\\n");
  throw new Error("always fails");
});
export const untagged = asset({ key: "untagged" }, (ctx) => {
  appendFileSync("untagged.log", ctx.runId + "\\n");
  throw new Error("fails, no retries asked");
});

export default defineDefinitions({ assets: [flaky, always, untagged] });
`;

describe("run retries", () => {
  const p = makeProject({ "package.json": PACKAGE_JSON, "strata.config.ts": CONFIG }, { name: "daemon-retries" });
  afterAll(() => p.cleanup());
  const lines = (file: string) => (existsSync(join(p.dir, file)) ? readFileSync(join(p.dir, file), "utf8").split("\n").filter(Boolean) : []);

  it("retries a failed run up to strata/max_retries, and no further", async () => {
    for (const [sel, tag] of [["flaky", ["--tag", "strata/max_retries=2"]], ["always", ["--tag", "strata/max_retries=2"]], ["untagged", []]] as const) {
      const r = await p.run(["materialize", "--select", sel, ...tag]);
      expect(r.code, r.output).not.toBe(0);
    }
    const daemon = p.start(["daemon"], { env: { STRATA_DAEMON_INTERVAL_MS: "200" }, timeoutMs: 240_000 });
    try {
      const runsOf = (key: string) => withStorage(p.home, async (s) => (await s.listRuns({})).filter((r) => r.assetKeys.includes(key)));
      await waitUntil(async () => (await runsOf("flaky")).some((r) => r.status === "SUCCESS"), 60_000, 200);
      await waitUntil(async () => (await runsOf("always")).filter((r) => r.status === "FAILURE").length >= 3, 60_000, 200);
      // Several more monitor passes: nothing else gets retried.
      await new Promise((r) => setTimeout(r, 3000));

      const flaky = await runsOf("flaky");
      expect(flaky).toHaveLength(2);
      const first = flaky.find((r) => r.tags["strata/retry_number"] === undefined)!;
      const retry = flaky.find((r) => r.tags["strata/retry_number"] === "1")!;
      expect(first.status).toBe("FAILURE");
      expect(retry).toMatchObject({ status: "SUCCESS", parentRunId: first.runId, rootRunId: first.runId });
      expect(retry.tags["strata/parent_run_id"]).toBe(first.runId);
      expect(lines("flaky.log")).toEqual([first.runId, retry.runId]);

      const always = await runsOf("always");
      expect(always).toHaveLength(3);
      expect(always.every((r) => r.status === "FAILURE")).toBe(true);
      expect(always.map((r) => r.tags["strata/retry_number"] ?? "0").sort()).toEqual(["0", "1", "2"]);
      const root = always.find((r) => r.tags["strata/retry_number"] === undefined)!;
      const second = always.find((r) => r.tags["strata/retry_number"] === "1")!;
      const third = always.find((r) => r.tags["strata/retry_number"] === "2")!;
      expect(second.parentRunId).toBe(root.runId);
      expect(third).toMatchObject({ parentRunId: second.runId, rootRunId: root.runId });
      expect(lines("always.log")).toHaveLength(3);

      expect(await runsOf("untagged")).toHaveLength(1);
      expect(lines("untagged.log")).toHaveLength(1);
    } finally {
      daemon.child.kill("SIGINT");
      const r = await daemon.done;
      expect(r.code, r.output).toBe(0);
    }
  }, 240_000);
});
