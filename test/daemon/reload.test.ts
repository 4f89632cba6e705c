/**
 * `strata daemon` reloads the code location when a project source file changes: a sensor added
 * to the definitions while the daemon runs is evaluated without a restart, and a broken edit
 * keeps the previous definitions running.
 */
import { afterAll, describe, expect, it } from "vitest";
import { makeProject, waitUntil } from "../helpers/run-cli.ts";
import { PACKAGE_JSON, withStorage } from "./fixture.ts";

const config = (sensors: string) => `import { asset, defineDefinitions, sensor } from "strata";

export const a = asset({ key: "a" }, () => 1);
export default defineDefinitions({
  assets: [a],
  sensors: [${sensors}],
});
`;
const ADDED = `sensor({ name: "added", intervalSeconds: 1, target: [a], defaultStatus: "RUNNING" }, () => ({ runRequests: [{ runKey: "added-once" }] }))`;

describe("daemon reload on source changes", () => {
  const p = makeProject({ "package.json": PACKAGE_JSON, "strata.config.ts": config("") }, { name: "daemon-reload" });
  afterAll(() => p.cleanup());

  it("picks up a new sensor without a restart and survives a broken edit", async () => {
    await p.run(["runs"]);
    const daemon = p.start(["daemon"], { env: { STRATA_DAEMON_INTERVAL_MS: "200" }, timeoutMs: 240_000 });
    try {
      await daemon.waitFor(/strata daemon: watching/, 60_000);
      p.write({ "strata.config.ts": config(ADDED) });
      await daemon.waitFor(/code location reloaded: 0 schedule\(s\), 1 sensor\(s\)/, 60_000);
      await waitUntil(
        () => withStorage(p.home, async (s) => (await s.listRuns({ tags: { "strata/sensor": "added" }, statuses: ["SUCCESS"] })).length === 1),
        60_000,
        200,
      );
      // A broken edit: logged, the previous definitions keep running.
      p.write({ "strata.config.ts": config(ADDED) + "\nthrow new Error('broken edit');\n" });
      await daemon.waitFor(/code location reload failed, keeping the previous definitions: .*broken edit/, 60_000);
      const ticks = () => withStorage(p.home, async (s) => (await s.listTicks({ instigatorName: "added" })).length);
      const before = await ticks();
      await waitUntil(async () => (await ticks()) >= before + 2, 60_000, 200);
      await withStorage(p.home, async (s) => expect(await s.listRuns({ tags: { "strata/sensor": "added" } })).toHaveLength(1));
    } finally {
      daemon.child.kill("SIGINT");
      const r = await daemon.done;
      expect(r.code, r.output).toBe(0);
    }
  }, 240_000);
});
