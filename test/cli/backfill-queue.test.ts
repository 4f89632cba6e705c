/**
 * `strata backfill create` next to a running daemon: the backfill's runs wait in the daemon's
 * run queue (its limits apply: here one run at a time) and the daemon starts them; the command
 * follows them to the end. Without a daemon they run in the command's own workers.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteStorage } from "@strata/storage";
import { makeProject, waitUntil } from "../helpers/run-cli.ts";

const CONFIG = `import { appendFileSync } from "node:fs";
import { asset, defineDefinitions, staticPartitions } from "strata";
export const shards = asset({ key: "shards", partitions: staticPartitions(["a", "b", "c"]) }, async (ctx) => {
  appendFileSync("ran.log", \`start \${ctx.partitionKey}\\n\`);
  await new Promise((r) => setTimeout(r, 300));
  appendFileSync("ran.log", \`end \${ctx.partitionKey}\\n\`);
  return ctx.partitionKey;
});
export default defineDefinitions({ assets: [shards] });
`;

describe("strata backfill create with a daemon's run queue", () => {
  const p = makeProject({ "strata.config.ts": CONFIG }, { name: "backfill-queue" });
  afterAll(() => p.cleanup());

  it("queues the runs for the daemon, which starts them within its limits", async () => {
    expect((await p.run(["queue", "config", "--max-concurrent-runs", "1"])).code).toBe(0);
    const daemon = p.start(["daemon", "--loops", "queue,monitor", "--no-watch"], { env: { STRATA_DAEMON_INTERVAL_MS: "100" }, timeoutMs: 120_000 });
    try {
      await daemon.waitFor(/strata daemon: watching/, 60_000);
      // The queue loop's first heartbeat makes it live.
      await waitUntil(async () => {
        const s = await openSqliteStorage(join(p.home, "strata.db"));
        try {
          return await s.getValue("daemon/heartbeat/queue");
        } finally {
          await s.close();
        }
      }, 30_000);
      const r = await p.run(["backfill", "create", "--select", "shards", "--all", "--max-runs", "3"], { timeoutMs: 90_000 });
      expect(r.code, r.output).toBe(0);
      expect(r.stdout).toMatch(/COMPLETED/);
      const s = await openSqliteStorage(join(p.home, "strata.db"));
      try {
        const runs = await s.listRuns({});
        expect(runs).toHaveLength(3);
        // Started by the daemon's queue, not by the command's own workers.
        expect(runs.every((run) => run.status === "SUCCESS" && run.tags["strata/launched_by"] === "daemon")).toBe(true);
      } finally {
        await s.close();
      }
      // max_concurrent_runs 1: each run ended before the next started.
      const log = readFileSync(join(p.dir, "ran.log"), "utf8").trim().split("\n");
      for (let i = 0; i < log.length; i += 2) expect([log[i]!.split(" ")[0], log[i + 1]!.split(" ")[0]]).toEqual(["start", "end"]);
    } finally {
      daemon.child.kill("SIGINT");
      await daemon.done;
    }
  }, 150_000);
});
