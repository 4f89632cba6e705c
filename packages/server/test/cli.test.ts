/** The real `strata ui` / `strata dev` commands in child processes: binding rules, serving, clean Ctrl-C. */
import { spawn, type ChildProcess } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import type { AssetsResponse, DaemonResponse, LaunchResponse, LocationsResponse } from "../src/index.ts";
import { CONFIG, SECRET, childEnv, waitFor } from "./fixture.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const BIN = join(REPO, "packages/strata/bin/strata.mjs");
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

interface Cli {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function strata(args: string[], cwd: string, env: Record<string, string> = {}): Cli {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...childEnv({ NO_COLOR: "1", ...env }), STRATA_HOME: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (out += d));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  cleanups.push(() => child.exitCode === null && child.kill("SIGKILL"));
  return { child, output: () => out, exited };
}

async function serverUrl(cli: Cli): Promise<string> {
  return waitFor(() => {
    if (cli.child.exitCode !== null) throw new Error(`strata exited early:\n${cli.output()}`);
    return /on (http:\/\/[^\s/]+)/.exec(cli.output())?.[1];
  }, 45_000);
}

/** Pids of processes whose command line mentions `text` (Linux /proc). */
function processesMentioning(text: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(text)) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `strata-${name}-`));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe("strata ui", () => {
  it("refuses to bind a non-loopback address without STRATA_TOKEN, starting nothing", async () => {
    const dir = tempDir("bind");
    const cli = strata(["ui", "--host", "0.0.0.0", "--port", "0"], dir, { STRATA_TOKEN: "" });
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toContain("error[USAGE] Refusing to listen on 0.0.0.0 without an access token");
    expect(cli.output()).toContain("hint: Set STRATA_TOKEN");
  }, 30_000);

  it("serves the quickstart's existing history on a random port, and stops cleanly on Ctrl-C", async () => {
    const dir = tempDir("quickstart");
    cpSync(join(REPO, "examples/quickstart"), dir, {
      recursive: true,
      filter: (src) => !src.includes("node_modules"),
    });
    const hadHistory = existsSync(join(dir, ".strata", "strata.db"));
    const cli = strata(["ui", "--port", "0"], dir);
    const url = await serverUrl(cli);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${url}/api/assets`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as AssetsResponse;
    expect(body.location).toBe("quickstart");
    expect(body.assets.map((a) => a.key).sort()).toEqual([
      "gold/customer_revenue",
      "gold/daily_revenue",
      "raw/customers",
      "raw/orders",
      "silver/orders",
    ]);
    if (hadHistory) expect(body.assets.some((a) => a.lastMaterialization)).toBe(true);
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    const locs = (await (await fetch(`${url}/api/locations`)).json()) as LocationsResponse;
    expect(locs.locations[0]!.watching).toBe(false);

    cli.child.kill("SIGINT");
    expect(await cli.exited).toBe(0);
    await waitFor(() => processesMentioning(dir).length === 0, 5000);
  }, 90_000);

  it("requires the token on every request when one is set", async () => {
    const dir = tempDir("token");
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "tok", private: true, type: "module" }));
    writeFileSync(
      join(dir, "strata.config.ts"),
      'import { asset, defineDefinitions } from "strata";\nexport default defineDefinitions({ assets: [asset({ key: "a" }, () => 1)] });\n',
    );
    const token = "a-long-enough-token-0123456789";
    const cli = strata(["ui", "--port", "0"], dir, { STRATA_TOKEN: token });
    const url = await serverUrl(cli);
    expect(cli.output()).not.toContain(token);
    expect((await fetch(`${url}/api/assets`)).status).toBe(401);
    expect((await fetch(`${url}/api/assets`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(
      200,
    );
    cli.child.kill("SIGINT");
    expect(await cli.exited).toBe(0);
  }, 60_000);
});

describe("strata dev", () => {
  it("Ctrl-C stops the server, cancels the running run and leaves no process behind", async () => {
    const dir = tempDir("dev");
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ name: "devproj", private: true, type: "module" }),
    );
    writeFileSync(join(dir, "strata.config.ts"), CONFIG);
    writeFileSync(join(dir, ".env"), `API_TOKEN=${SECRET}\nAPI_HOST=api.example.com\n`);
    mkdirSync(join(dir, "src"));
    const cli = strata(["dev", "--port", "0"], dir);
    const url = await serverUrl(cli);
    expect(cli.output()).toMatch(/✓ devproj: 6 assets/);
    const locs = (await (await fetch(`${url}/api/locations`)).json()) as LocationsResponse;
    expect(locs.locations[0]).toMatchObject({ status: "loaded", watching: true });
    // `strata dev` runs the daemon's loops too: their heartbeats appear in the instance.
    await waitFor(async () => ((await (await fetch(`${url}/api/daemon`)).json()) as DaemonResponse).running, 30_000);

    // A broken edit is reported in the terminal too.
    writeFileSync(join(dir, "src", "broken.ts"), "export const x = ;\n");
    writeFileSync(join(dir, "strata.config.ts"), `import "./src/broken.ts";\n${CONFIG}`);
    await waitFor(() => /failed to load/.test(cli.output()), 30_000);
    expect(cli.output()).toContain("src/broken.ts:1");
    writeFileSync(join(dir, "strata.config.ts"), CONFIG);
    await waitFor(
      async () =>
        ((await (await fetch(`${url}/api/locations`)).json()) as LocationsResponse).locations[0]!.status ===
        "loaded",
      30_000,
    );

    const launch = await fetch(`${url}/api/runs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ assetKeys: ["gold/slow"] }),
    });
    expect(launch.status).toBe(202);
    const { runId, run: launched } = (await launch.json()) as LaunchResponse;
    // The daemon's queue is live in `strata dev`: the run waits in it, then starts within its limits.
    expect(launched.status).toBe("QUEUED");
    await waitFor(
      async () =>
        ((await (await fetch(`${url}/api/runs/${runId}`)).json()) as { run: { status: string } }).run
          .status === "STARTED",
      30_000,
    );
    expect(processesMentioning(dir).length).toBeGreaterThan(0);

    cli.child.kill("SIGINT");
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toContain("Stopping");
    await waitFor(() => processesMentioning(dir).length === 0, 5000);
    expect(cli.output()).not.toContain(SECRET);
  }, 120_000);

  it("comes up at a workspace root: every location in its own process, shared with the daemon, each reloadable alone", async () => {
    const dir = tempDir("dev-ws");
    cpSync(join(REPO, "examples/workspace"), dir, {
      recursive: true,
      filter: (src) => !src.includes("node_modules") && !src.includes(".strata") && !src.includes("data/out"),
    });
    const cli = strata(["dev", "--port", "0"], dir, { EVENTS_API_TOKEN: "", STRATA_ENV: "" });
    const url = await serverUrl(cli);
    const get = async <T>(path: string) => (await (await fetch(`${url}${path}`)).json()) as T;
    const loaded = await waitFor(async () => {
      const l = (await get<LocationsResponse>("/api/locations")).locations;
      return l.every((x) => x.status === "loaded") ? l : undefined;
    }, 60_000);
    expect(loaded.map((l) => [l.name, l.watching])).toEqual([
      ["ingestion", true],
      ["analytics", true],
    ]);
    expect(cli.output()).toMatch(/✓ ingestion: \d+ assets/);
    expect(cli.output()).toMatch(/✓ analytics: \d+ assets/);
    const assets = await get<AssetsResponse>("/api/assets");
    const keys = assets.assets.map((a) => a.key);
    expect(keys).toContain("silver/orders");
    expect(keys).toContain("analytics/customer_orders");
    await waitFor(async () => (await get<DaemonResponse>("/api/daemon")).running, 30_000);
    // The daemon evaluates in the locations' processes: one idle code-location process per location, none of its own.
    const locationProcesses = () => processesMentioning(dir).filter((pid) => !readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("--execute"));
    expect(locationProcesses()).toHaveLength(2);

    const before = loaded.find((l) => l.name === "ingestion")!.version;
    const reload = await fetch(`${url}/api/locations/analytics/reload`, { method: "POST" });
    expect(reload.status).toBe(200);
    const after = (await get<LocationsResponse>("/api/locations")).locations;
    expect(after.find((l) => l.name === "analytics")!.version).toBe(2);
    expect(after.find((l) => l.name === "ingestion")!.version).toBe(before);

    cli.child.kill("SIGINT");
    expect(await cli.exited).toBe(0);
    await waitFor(() => processesMentioning(dir).length === 0, 5000);
  }, 150_000);
});
