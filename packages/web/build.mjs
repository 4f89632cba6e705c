#!/usr/bin/env node
// Builds the web UI into packages/web/dist when it is missing or older than its sources.
// Used by `strata ui`/`strata dev`, `npm start`, the browser tests and `npm run build:web`
// (`--force` rebuilds always). The build goes to a temporary folder renamed into place, under a
// lock folder, so concurrent callers neither collide nor serve a half-written dist.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";

// Resolved through the package name first, so it still holds if this file is inlined into a bundle.
export const WEB_DIR = (() => {
  try {
    return dirname(fileURLToPath(import.meta.resolve("@strata/web/package.json")));
  } catch {
    return dirname(fileURLToPath(import.meta.url));
  }
})();
export const WEB_DIST = join(WEB_DIR, "dist");
const LOCK = join(WEB_DIR, ".build.lock");
const INPUTS = ["src", "index.html", "vite.config.ts", "package.json"];

function newest(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const name of readdirSync(path)) max = Math.max(max, newest(join(path, name)));
  return max;
}

/** True when dist/index.html exists and is newer than every source file. */
export function webBuildIsFresh() {
  const index = statSync(join(WEB_DIST, "index.html"), { throwIfNoEntry: false });
  if (!index) return false;
  return INPUTS.every((p) => newest(join(WEB_DIR, p)) <= index.mtimeMs);
}

/**
 * Makes sure packages/web/dist holds a build of the current sources; returns what it did.
 * @param {{ force?: boolean, log?: (line: string) => void }} [options]
 * @returns {Promise<"fresh" | "built">}
 */
export async function ensureWebBuild(options = {}) {
  const log = options.log ?? (() => undefined);
  if (!options.force && webBuildIsFresh()) return "fresh";
  await acquireLock();
  try {
    if (!options.force && webBuildIsFresh()) return "fresh";
    log("Building the web UI (packages/web)…");
    const started = Date.now();
    const vite = join(dirname(createRequire(join(WEB_DIR, "package.json")).resolve("vite/package.json")), "bin", "vite.js");
    const tmp = join(WEB_DIR, `dist.tmp-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    const r = spawnSync(process.execPath, [vite, "build", "--logLevel", "warn", "--outDir", tmp, "--emptyOutDir"], {
      cwd: WEB_DIR,
      stdio: ["ignore", "inherit", "inherit"],
    });
    if (r.status !== 0) {
      rmSync(tmp, { recursive: true, force: true });
      throw new Error(`The web UI build failed (vite exited with ${r.status ?? r.signal}); run \`npm run build:web\` to see why`);
    }
    const old = join(WEB_DIR, `dist.old-${process.pid}`);
    if (existsSync(WEB_DIST)) renameSync(WEB_DIST, old);
    renameSync(tmp, WEB_DIST);
    rmSync(old, { recursive: true, force: true });
    log(`Built the web UI in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return "built";
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

async function acquireLock() {
  for (;;) {
    try {
      mkdirSync(LOCK);
      return;
    } catch {
      const st = statSync(LOCK, { throwIfNoEntry: false });
      // A lock older than 3 minutes belongs to a build that died.
      if (st && Date.now() - st.mtimeMs > 180_000) rmSync(LOCK, { recursive: true, force: true });
      await sleep(200);
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const force = process.argv.includes("--force");
  const did = await ensureWebBuild({ force, log: (l) => console.log(l) });
  if (did === "fresh") console.log("The web UI build is up to date (packages/web/dist).");
}
