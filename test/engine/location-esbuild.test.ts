/**
 * A long-lived code-location process stops tsx's esbuild service (a separate process) once its
 * imports settle, and a TypeScript module imported later (here by a sensor) still loads: the
 * service starts again on demand.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startLocation, type LocationHandle } from "@strata/engine";
import { makeProject, waitUntil } from "../helpers/run-cli.ts";

const CONFIG = `import { asset, defineDefinitions, sensor } from "strata";
const a = asset({ key: "a" }, () => 1);
const lazy = sensor({ name: "lazy", target: [a] }, async () => {
  const { reason } = await import("./lazy.ts");
  return { skipReason: reason satisfies string };
});
export default defineDefinitions({ assets: [a], sensors: [lazy] });
`;

/** Command lines of the processes whose parent is `pid` (Linux /proc). */
function childCommands(pid: number): string[] {
  const out: string[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const status = readFileSync(`/proc/${d}/status`, "utf8");
      if (Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) === pid)
        out.push(readFileSync(`/proc/${d}/cmdline`, "utf8").replaceAll("\0", " "));
    } catch {
      // The process ended while we read it.
    }
  }
  return out;
}

describe("code-location process and tsx's esbuild service", () => {
  const p = makeProject(
    { "strata.config.ts": CONFIG, "lazy.ts": `export const reason: string = "loaded later";\n` },
    { name: "location-esbuild" },
  );
  let location: LocationHandle | undefined;
  afterAll(() => {
    location?.close();
    p.cleanup();
  });

  it.skipIf(!existsSync("/proc/self/status"))(
    "stops the service once loaded, and a later TypeScript import still works",
    async () => {
      location = await startLocation(
        { root: p.dir, entry: join(p.dir, "strata.config.ts"), location: "fixture" },
        { instanceDir: p.home, onOutput: () => undefined },
      );
      const esbuild = () => childCommands(location!.pid).filter((c) => c.includes("esbuild"));
      await waitUntil(async () => esbuild().length === 0, 30_000, 250);
      const result = await location.evaluateSensor({ name: "lazy", now: Date.now() }, 60_000);
      expect(result).toMatchObject({ skipReason: "loaded later" });
    },
    90_000,
  );
});
