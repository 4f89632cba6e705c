/**
 * The examples/workspace project through the real CLI: two code locations, each in its own
 * process; YAML-only components, a custom component and an env-templated secret; cross-location
 * deps and materialisation; a broken location next to a working one; duplicate keys.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runCli, type CliOptions } from "../helpers/run-cli.ts";

let dir: string;
const run = (args: string[], o: Partial<CliOptions> = {}) =>
  runCli(args, { cwd: dir, ...o, env: { STRATA_HOME: join(dir, ".strata-home"), EVENTS_API_TOKEN: undefined, STRATA_ENV: undefined, ...(o.env ?? {}) } });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "strata-ws-"));
  cpSync(join(REPO_ROOT, "examples/workspace"), dir, { recursive: true, filter: (src) => !src.includes(".strata") && !src.includes("node_modules") && !src.includes("data/out") });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("workspace example", () => {
  it("check yaml validates every location's YAML without code; check defs loads both locations", async () => {
    const y = await run(["check", "yaml"]);
    expect(y.code, y.output).toBe(0);
    expect(y.stdout).toContain("✓ 4 defs.yaml files, 4 components valid (no code loaded)");
    const d = await run(["check", "defs"]);
    expect(d.code, d.output).toBe(0);
    expect(d.stdout).toContain("✓ ingestion: 7 assets, 3 checks, 1 resources");
    expect(d.stdout).toContain("✓ analytics: 4 assets, 0 checks, 1 resources");
    expect(d.stdout).toContain("2 of 2 code locations loaded; 11 assets in the workspace");
  });

  it("list --json shows both locations, cross-location deps and defs.yaml code refs", async () => {
    const r = await run(["list", "--json"]);
    expect(r.code, r.output).toBe(0);
    const out = JSON.parse(r.stdout) as {
      locations: { name: string; status: string }[];
      assets: { key: string; location: string; deps: { key: string }[]; group: string; owners: string[]; tags: Record<string, string>; codeRef: { file: string; line: number } }[];
    };
    expect(out.locations).toEqual([
      { name: "ingestion", root: "ingestion", status: "loaded" },
      { name: "analytics", root: "analytics", status: "loaded" },
    ]);
    const byKey = new Map(out.assets.map((a) => [a.key, a]));
    const orders = byKey.get("analytics/customer_orders")!;
    expect(orders.location).toBe("analytics");
    expect(orders.deps.map((d) => d.key).sort()).toEqual(["silver/customers", "silver/orders"]);
    expect(orders.group).toBe("marts");
    expect(orders.owners).toEqual(["team:analytics"]);
    expect(orders.tags).toEqual({ env: "dev" });
    expect(byKey.get("analytics/customer_summary")!.tags).toEqual({ env: "dev", tier: "gold" });
    // Automation and freshness set in YAML (post_processing: {{ automation.eager() }} and { fail_after, warn_after }).
    const automationOf = (k: string) => (byKey.get(k) as unknown as { automation?: { label?: string } }).automation?.label;
    expect(automationOf("analytics/customer_orders")).toBe("eager");
    expect(automationOf("analytics/customer_summary")).toBe("eager");
    // A composed condition in YAML (and: [preset eager, not any_deps_match execution_failed]).
    expect(automationOf("analytics/customer_activity")).toBe("eager unless an upstream failed");
    expect((byKey.get("analytics/customer_summary") as unknown as { freshness?: unknown }).freshness).toEqual({ kind: "time_window", failAfterMs: 86_400_000, warnAfterMs: 43_200_000 });
    expect((byKey.get("analytics/customer_orders") as unknown as { freshness?: unknown }).freshness).toBeUndefined();
    expect(byKey.get("analytics/customer_summary")!.deps.map((d) => d.key).sort()).toEqual(["analytics/customer_activity", "analytics/customer_orders"]);
    expect(byKey.get("silver/orders")!.location).toBe("ingestion");
    expect(byKey.get("silver/orders")!.owners).toEqual(["team:ingestion"]);
    expect(byKey.get("silver/orders")!.codeRef).toMatchObject({ file: "ingestion/defs/shop/defs.yaml", line: 8 });
    expect(byKey.get("raw/events")!.codeRef).toMatchObject({ file: "ingestion/defs/api/defs.yaml", line: 9 });
    expect(byKey.get("analytics/top_customers")!.codeRef).toMatchObject({ file: "analytics/defs/reports.ts", line: 6 });
  });

  it("a missing secret fails only the assets needing it, naming the variable; the location loads", async () => {
    const r = await run(["materialize", "--select", "raw/events or ops/exchange_rates"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Environment variable EVENTS_API_TOKEN is not set (listed in requirements.env of defs/api/defs.yaml)");
    expect(r.stdout).toMatch(/1 succeeded, 1 failed/);
  });

  it("materializes across locations: ingestion's run first, then analytics' SQL over its tables", async () => {
    const r = await run(["materialize"], { env: { EVENTS_API_TOKEN: "tok-123" }, timeoutMs: 120_000 });
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toContain("2 code locations, one run each, in order: ingestion → analytics");
    expect(r.stdout).toMatch(/SUCCESS in .*: 7 succeeded, 0 failed, 0 skipped/);
    expect(r.stdout).toMatch(/SUCCESS in .*: 4 succeeded, 0 failed, 0 skipped/);
    expect(r.stdout).toContain("Ann: 42.5");
    expect(r.stdout.indexOf("bronze__orders")).toBeLessThan(r.stdout.indexOf("analytics__customer_orders"));
    expect(r.output).not.toContain("tok-123");
  }, 150_000);

  it("a location that fails to load shows its error with file:line:col while the other keeps working", async () => {
    const broken = join(dir, "analytics/defs/broken/defs.yaml");
    mkdirSync(join(dir, "analytics/defs/broken"), { recursive: true });
    writeFileSync(broken, "type: strata.duckdb_sqll\nattributes: {}\n");
    try {
      const c = await run(["check", "defs"]);
      expect(c.code).toBe(1);
      expect(c.stdout).toContain("✓ ingestion: 7 assets");
      expect(c.stdout).toContain("✗ analytics");
      expect(c.stdout).toContain('error[COMPONENT_UNKNOWN_TYPE] Unknown component type "strata.duckdb_sqll"');
      expect(c.stdout).toContain("--> defs/broken/defs.yaml:1:7");
      expect(c.stdout).toContain('hint: Did you mean "strata.duckdb_sql"?');
      const l = await run(["list"]);
      expect(l.code).toBe(1);
      expect(l.stderr).toContain("code location analytics failed to load");
      expect(l.stdout).toContain("silver/orders");
      expect(l.stdout).toContain("7 assets in 1 of 2 code locations");
      const y = await run(["check", "yaml"]);
      expect(y.stdout).toContain("analytics/defs/broken/defs.yaml:1:7: error[COMPONENT_UNKNOWN_TYPE]");
    } finally {
      rmSync(join(dir, "analytics/defs/broken"), { recursive: true });
    }
  });

  it("a duplicate asset key across locations names both locations and files", async () => {
    const dup = join(dir, "analytics/defs/dup/defs.yaml");
    cpSync(join(dir, "ingestion/defs/exports/defs.yaml"), dup);
    try {
      const c = await run(["check", "defs"]);
      expect(c.code).toBe(1);
      expect(c.stdout).toContain(
        'error[DEFS_DUPLICATE_KEY] Asset key "ops/exchange_rates" is defined by two code locations: ingestion (ingestion/defs/exports/defs.yaml:6) and analytics (analytics/defs/dup/defs.yaml:6)',
      );
      expect(c.stdout).toContain("✓ ingestion");
    } finally {
      rmSync(join(dir, "analytics/defs/dup"), { recursive: true });
    }
  });
});
