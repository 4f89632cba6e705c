/**
 * `strata check` on broken projects: one clear message with the error code, the asset key,
 * `file:line`, and exit code 1 — never a crash dump, never a second error.
 */
import { afterAll, describe, expect, it, vi } from "vitest";
import { makeProject, type CliResult, type TempProject } from "../helpers/run-cli.ts";

// Each CLI call starts Node processes: generous limits for a busy 2-core machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const projects: TempProject[] = [];
afterAll(() => projects.forEach((p) => p.cleanup()));

async function check(files: Record<string, string>): Promise<CliResult> {
  const p = makeProject(files, { name: "broken" });
  projects.push(p);
  return p.run(["check"]);
}

/** Exactly one `error[...]` line, with this code; exit code 1. */
function expectOneError(r: CliResult, code: string): string {
  expect(r.code, r.output).toBe(1);
  const errors = r.stderr.match(/^error\[[A-Z_]+\]/gm) ?? [];
  expect(errors, r.stderr).toEqual([`error[${code}]`]);
  expect(r.stdout).not.toContain("✓");
  return r.stderr;
}

describe.concurrent("strata check on broken projects", () => {
  it("a cycle: prints the cycle, an asset key and file:line", async () => {
    const err = expectOneError(
      await check({
        "strata.config.ts": `import { asset, defineDefinitions } from "strata";

const a = asset({ name: "a", deps: ["c"] }, () => 1);
const b = asset({ name: "b", deps: [a] }, () => 2);
const c = asset({ name: "c", deps: [b] }, () => 3);

export default defineDefinitions({ assets: [a, b, c] });
`,
      }),
      "DEFS_CYCLE",
    );
    expect(err).toMatch(/cycle: (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)/);
    expect(err).toMatch(/--> strata\.config\.ts:[345]\b/);
  });

  it("a duplicate key: names the key and both places", async () => {
    const err = expectOneError(
      await check({
        "strata.config.ts": `import { asset, defineDefinitions } from "strata";
import { other } from "./src/other.ts";

const orders = asset({ key: "raw/orders" }, () => 1);

export default defineDefinitions({ assets: [orders, other] });
`,
        "src/other.ts": `import { asset } from "strata";

// The same key again.
export const other = asset({ key: "raw/orders" }, () => 2);
`,
      }),
      "DEFS_DUPLICATE_KEY",
    );
    expect(err).toContain('"raw/orders"');
    expect(err).toContain("strata.config.ts:4");
    expect(err).toContain("src/other.ts:4");
  });

  it("a dep on an unknown key: names both keys, file:line, and suggests the closest key", async () => {
    const err = expectOneError(
      await check({
        "strata.config.ts": `import { asset, defineDefinitions } from "strata";

const orders = asset({ key: "raw/orders" }, () => 1);
const customers = asset({ key: "raw/customers" }, () => 1);
const daily = asset({ name: "daily", deps: ["raw/ordres"] }, () => 2);

export default defineDefinitions({ assets: [orders, customers, daily] });
`,
      }),
      "DEFS_UNKNOWN_DEP",
    );
    expect(err).toContain('Asset "daily" depends on unknown asset "raw/ordres"');
    expect(err).toContain("--> strata.config.ts:5");
    expect(err).toContain('Did you mean "raw/orders"?');
  });

  it("an unknown resource: names the asset, the resource, file:line and the closest name", async () => {
    const err = expectOneError(
      await check({
        "strata.config.ts": `import { asset, defineDefinitions, resource } from "strata";

const wh = resource({ create: () => ({}) });
const orders = asset({ key: "raw/orders", resources: ["warehose"] }, () => 1);

export default defineDefinitions({ assets: [orders], resources: { warehouse: wh } });
`,
      }),
      "DEFS_UNKNOWN_RESOURCE",
    );
    expect(err).toContain('Asset "raw/orders" needs resource "warehose"');
    expect(err).toContain("--> strata.config.ts:4");
    expect(err).toContain('Did you mean "warehouse"?');
  });

  it("an invalid resource config: names the resource and field, with file:line", async () => {
    const err = expectOneError(
      await check({
        "strata.config.ts": `import { asset, defineDefinitions, resource, z } from "strata";

const wh = resource({ config: z.object({ port: z.number().int() }), create: (c) => c });
const orders = asset({ key: "raw/orders", resources: ["warehouse"] }, () => 1);

export default defineDefinitions({
  assets: [orders],
  resources: { warehouse: wh.configure({ port: "5432x" as unknown as number }) },
});
`,
      }),
      "DEFS_INVALID_CONFIG",
    );
    expect(err).toContain('Resource "warehouse" config field "port" is invalid');
    expect(err).toMatch(/--> strata\.config\.ts:\d+/);
  });

  it("a module that throws on import: file:line of the throw", async () => {
    const err = expectOneError(
      await check({
        "strata.config.ts": `import { asset, defineDefinitions } from "strata";
import { settings } from "./src/settings.ts";

const orders = asset({ key: "raw/orders" }, () => settings);

export default defineDefinitions({ assets: [orders] });
`,
        "src/settings.ts": `export const name = "settings";

function load(): number {
  throw new Error("cannot read settings.json");
}
export const settings = load();
`,
      }),
      "DEFS_IMPORT_FAILED",
    );
    expect(err).toContain("cannot read settings.json");
    expect(err).toContain("--> src/settings.ts:4");
  });

  it("a TypeScript syntax error: file:line of the error", async () => {
    const err = expectOneError(
      await check({
        "strata.config.ts": `import { asset, defineDefinitions } from "strata";

const orders = asset({ key: "raw/orders" }, () => {
  return [1, 2, 3;
});

export default defineDefinitions({ assets: [orders] });
`,
      }),
      "DEFS_IMPORT_FAILED",
    );
    expect(err).toMatch(/Expected "\]" but found ";"/);
    expect(err).toContain("--> strata.config.ts:4");
  });

  it("no default export: says what to export", async () => {
    const err = expectOneError(
      await check({
        "strata.config.ts": `import { asset, defineDefinitions } from "strata";

export const orders = asset({ key: "raw/orders" }, () => 1);
export const notTheDefault = defineDefinitions({ assets: [orders] });
`,
      }),
      "DEFS_NO_ENTRY",
    );
    expect(err).toContain("strata.config.ts does not export definitions");
    expect(err).toContain("export default defineDefinitions");
  });

  it("no project at all: DEFS_NO_ENTRY with a hint to run strata init", async () => {
    const p = makeProject({}, { name: "empty" });
    projects.push(p);
    const r = await p.run(["check"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error\[DEFS_NO_ENTRY\] No Strata project found/);
    expect(r.stderr).toContain("strata init");
  });
});
