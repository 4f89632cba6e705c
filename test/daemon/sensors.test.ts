/**
 * Bad sensors under a real `strata daemon`: one throws, one returns garbage, one hangs past its
 * timeout. Each gives FAILURE ticks with a clear message; the daemon keeps running, a sensor
 * asking for the same run key on every tick launches it once, and the schedule still ticks.
 */
import { afterAll, describe, expect, it } from "vitest";
import { makeProject, waitUntil } from "../helpers/run-cli.ts";
import { CONFIG, PACKAGE_JSON, withStorage } from "./fixture.ts";

describe("sensors that misbehave", () => {
  const p = makeProject({ "package.json": PACKAGE_JSON, "strata.config.ts": CONFIG }, { name: "daemon-sensors" });
  afterAll(() => p.cleanup());

  it("record FAILURE ticks while every other loop goes on", async () => {
    await p.run(["runs"]);
    const tick = Math.floor(Date.now() / 60_000) * 60_000;
    await withStorage(p.home, (s) => s.setValue("instigator/every_minute/state", JSON.stringify({ lastTickTime: tick - 1000 })));
    const daemon = p.start(["daemon"], { env: { STRATA_DAEMON_INTERVAL_MS: "200", BAD_SENSORS: "1" } });
    try {
      await waitUntil(
        () =>
          withStorage(p.home, async (s) => {
            const failures = async (name: string) => (await s.listTicks({ instigatorName: name, statuses: ["FAILURE"] })).length;
            return (await failures("throws")) >= 2 && (await failures("garbage")) >= 2 && (await failures("hangs")) >= 2 && (await s.listTicks({ instigatorName: "same_key" })).length >= 3;
          }),
        60_000,
        500,
      );
      await withStorage(p.home, async (s) => {
        const [thrown] = await s.listTicks({ instigatorName: "throws", limit: 1 });
        expect(thrown!.error).toMatch(/Sensor "throws" threw: boom from sensor/);
        const [garbage] = await s.listTicks({ instigatorName: "garbage", limit: 1 });
        expect(garbage!.error).toMatch(/Sensor "garbage" returned an invalid result: the value is number/);
        const [hung] = await s.listTicks({ instigatorName: "hangs", statuses: ["FAILURE"], limit: 1 });
        expect(hung!.error).toMatch(/Sensor "hangs" did not finish within 1 s/);
        // Same run key on every tick: one run, later ticks skip with the reason.
        expect(await s.listRuns({ tags: { "strata/sensor": "same_key" } })).toHaveLength(1);
        const sameKey = await s.listTicks({ instigatorName: "same_key" });
        expect(sameKey.some((t) => t.status === "SKIPPED" && /already used: only-once/.test(t.skipReason ?? ""))).toBe(true);
        // Other loops unaffected: the schedule's tick ran and the queue started its run.
        await waitUntil(async () => (await s.listRuns({ tags: { "strata/run_key": `schedule:every_minute:${tick}` }, statuses: ["SUCCESS"] })).length === 1, 30_000, 200);
      });
      // A cursor reset does not relaunch a used run key.
      await withStorage(p.home, (s) => s.deleteValue("instigator/same_key/state"));
      await new Promise((r) => setTimeout(r, 2500));
      await withStorage(p.home, async (s) => expect(await s.listRuns({ tags: { "strata/sensor": "same_key" } })).toHaveLength(1));
      const status = await p.run(["status"]);
      expect(status.stdout).toMatch(/sensors\s+ok/);
      expect(status.stdout).toMatch(/queue\s+ok/);
    } finally {
      daemon.child.kill("SIGINT");
      const r = await daemon.done;
      expect(r.code, r.output).toBe(0);
    }
  }, 120_000);
});
