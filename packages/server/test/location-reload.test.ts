/** `strata dev`'s loop: a source change reloads the location; a broken edit shows its error; fixing it recovers. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AssetsResponse, LocationsResponse } from "../src/index.ts";
import { openFixture, waitFor, type Fixture } from "./fixture.ts";

let f: Fixture;
beforeAll(async () => {
  f = await openFixture({
    watch: true,
    debounceMs: 100,
    files: { "src/extra.ts": 'export const label = "v1";\n' },
  });
}, 60_000);
afterAll(() => f?.close());

const location = async () => (await f.get<LocationsResponse>("/api/locations")).body.locations[0]!;

describe("location manager in watch mode", () => {
  it("reloads when a source file changes, and publishes the new snapshot", async () => {
    expect(await location()).toMatchObject({ status: "loaded", version: 1, watching: true });
    const config = readFileSync(join(f.dir, "strata.config.ts"), "utf8");
    f.write(
      "strata.config.ts",
      config
        .replace("import { asset,", 'import { label } from "./src/extra.ts";\nimport { asset,')
        .replace(
          "assets: [raw, clean, slow, fails, regions, tenants],",
          "assets: [raw, clean, slow, fails, regions, tenants, asset({ key: label }, () => 1)],",
        ),
    );
    await waitFor(async () => (await location()).version === 2);
    const assets = await f.get<AssetsResponse>("/api/assets");
    expect(assets.body.version).toBe(2);
    expect(assets.body.assets.map((a) => a.key)).toContain("v1");
    // A change in an imported module (in a sub-folder) reloads too.
    f.write("src/extra.ts", 'export const label = "v2";\n');
    await waitFor(async () => (await location()).version === 3);
    expect((await f.get<AssetsResponse>("/api/assets")).body.assets.map((a) => a.key)).toContain("v2");
  });

  it("shows a broken edit's error (file:line), keeps serving the last snapshot, refuses launches, and recovers when fixed", async () => {
    const good = readFileSync(join(f.dir, "src/extra.ts"), "utf8");
    f.write("src/extra.ts", 'export const label = "v3";\nexport const oops = ;\n');
    const broken = await waitFor(async () => {
      const l = await location();
      return l.status === "error" ? l : undefined;
    });
    expect(broken.error).toMatchObject({ code: "DEFS_IMPORT_FAILED" });
    expect(broken.error!.where).toMatch(/^src\/extra\.ts:2/);
    expect(broken.version).toBe(3);
    // The catalog still answers from the last good definitions.
    const assets = await f.get<AssetsResponse>("/api/assets");
    expect(assets.status).toBe(200);
    expect(assets.body.assets.map((a) => a.key)).toContain("v2");
    const launch = await f.post<{ error: { code: string; message: string } }>("/api/runs", {
      assetKeys: ["raw/events"],
    });
    expect(launch.status).toBe(409);
    expect(launch.body.error.code).toBe("LOCATION_UNAVAILABLE");
    expect(launch.body.error.message).toContain("failed to load");

    f.write("src/extra.ts", good.replace("v2", "v4"));
    const fixed = await waitFor(async () => {
      const l = await location();
      return l.status === "loaded" ? l : undefined;
    });
    expect(fixed.version).toBe(4);
    expect(fixed.error).toBeUndefined();
    expect((await f.get<AssetsResponse>("/api/assets")).body.assets.map((a) => a.key)).toContain("v4");
  });

  it("ignores changes under .strata, node_modules and non-source files", async () => {
    const v = f.locations.state.version;
    f.write(".strata/notes.ts", "x");
    f.write("node_modules/pkg/index.js", "x");
    f.write("data/output.csv", "a,b\n");
    await new Promise((r) => setTimeout(r, 600));
    expect(f.locations.state).toMatchObject({ version: v, status: "loaded" });
  });
});
