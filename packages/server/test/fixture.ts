/**
 * A real project in a temp folder, loaded by a real code-location process, with a real SQLite
 * instance, behind the app. Nothing is mocked: requests go through `app.request()`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { LocationManager, type ProjectConfig } from "@strata/engine";
import { openSqliteStorage, type Storage } from "@strata/storage";
import { createApp, type CreateAppOptions, type StrataApp } from "../src/index.ts";

export const SECRET = "sk-live-4f3e2d1c0b9a8877";

export const CONFIG = `import { asset, assetCheck, defineDefinitions, dynamicPartitions, env, resource, staticPartitions, z, MaterializeResult } from "strata";

const api = resource({ config: z.object({ token: z.string(), host: z.string() }), create: (c) => c });

export const raw = asset(
  { key: "raw/events", group: "bronze", kinds: ["json"], owners: ["team:ingest"], tags: { tier: "bronze" }, description: "Raw events from the API", resources: ["api"] },
  (ctx) => {
    const { token, host } = ctx.resource<{ token: string; host: string }>("api");
    ctx.log.info("calling " + host + " with " + token);
    ctx.log.debug("debug detail");
    ctx.addMetadata({ auth: "Bearer " + token });
    return new MaterializeResult({ value: [1, 2, 3], metadata: { row_count: 3 } });
  },
);

export const clean = asset(
  { key: "silver/events", group: "silver", kinds: ["json"], owners: ["team:analytics"], ins: { raw }, checks: [{ name: "non_empty", blocking: true }] },
  (_ctx, { raw }) => new MaterializeResult({ value: raw, metadata: { row_count: raw.length }, checkResults: [{ checkName: "non_empty", passed: raw.length > 0 }] }),
);

export const tooSmall = assetCheck({ asset: clean, name: "big_enough", severity: "WARN", description: "At least 10 rows" }, async (ctx) => {
  const rows = await ctx.loadAssetValue<number[]>();
  return { passed: rows.length >= 10, metadata: { rows: rows.length } };
});

export const slow = asset({ key: "gold/slow", group: "gold", deps: ["silver/events"] }, async (ctx) => {
  for (let i = 0; i < 600 && !ctx.signal.aborted; i++) await new Promise((r) => setTimeout(r, 50));
  return 1;
});

export const fails = asset({ key: "gold/fails", group: "gold", ins: { clean } }, () => {
  throw new Error("boom: the warehouse is down");
});

export const regions = asset({ key: "regions", group: "parts", partitions: staticPartitions(["eu", "us", "apac"]) }, (ctx) => ctx.partitionKey);

export const tenants = asset({ key: "tenants", group: "parts", partitions: dynamicPartitions("tenants") }, (ctx) => ctx.partitionKey);

export default defineDefinitions({
  assets: [raw, clean, slow, fails, regions, tenants],
  checks: [tooSmall],
  resources: { api: api.configure({ token: env("API_TOKEN", { secret: true }), host: env("API_HOST") }) },
});
`;

/** Environment for child processes: the test runner's own variables must not leak into them. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const k of Object.keys(env))
    if (k.startsWith("VITEST") || k === "NODE_OPTIONS" || k === "TEST") delete env[k];
  return env;
}

export interface Fixture {
  dir: string;
  instanceDir: string;
  storage: Storage;
  locations: LocationManager;
  server: StrataApp;
  output: string[];
  write(rel: string, content: string): void;
  /** `app.request` with JSON helpers. */
  get<T = unknown>(
    path: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T; text: string }>;
  post<T = unknown>(
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T; text: string }>;
  close(): Promise<void>;
}

export async function openFixture(
  options: {
    files?: Record<string, string>;
    watch?: boolean;
    app?: Partial<CreateAppOptions>;
    debounceMs?: number;
  } = {},
): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), "strata-server-"));
  const write = (rel: string, content: string) => {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  };
  write("package.json", JSON.stringify({ name: "fixture", private: true, type: "module" }));
  write("strata.config.ts", CONFIG);
  for (const [rel, content] of Object.entries(options.files ?? {})) write(rel, content);
  const instanceDir = join(dir, ".strata");
  mkdirSync(instanceDir, { recursive: true });
  const storage = await openSqliteStorage(join(instanceDir, "strata.db"));
  const project: ProjectConfig = { root: dir, entry: join(dir, "strata.config.ts"), location: "fixture" };
  const output: string[] = [];
  const locations = new LocationManager(project, {
    instanceDir,
    env: childEnv({ API_TOKEN: SECRET, API_HOST: "api.example.com" }),
    onOutput: (t) => output.push(t),
    watch: options.watch ?? false,
    debounceMs: options.debounceMs ?? 100,
    stopGraceMs: 1000,
  });
  await locations.start();
  const server = createApp({
    storage,
    locations,
    instanceDir,
    streamIntervalMs: 50,
    backfillPollMs: 100,
    webDist: join(dir, "no-web"),
    ...options.app,
  });
  const call = async <T>(
    method: string,
    path: string,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await server.app.request(path, {
      method,
      headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed as T, text };
  };
  return {
    dir,
    instanceDir,
    storage,
    locations,
    server,
    output,
    write,
    get: (path, headers) => call("GET", path, undefined, headers),
    post: (path, body, headers) => call("POST", path, body ?? {}, headers),
    async close() {
      await server.close();
      await server.ctx.launcher.drain().catch(() => undefined);
      await locations.close();
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function waitFor<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`waitFor: not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export const enc = encodeURIComponent;
