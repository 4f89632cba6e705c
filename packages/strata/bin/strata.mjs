#!/usr/bin/env node
// The `strata` command.
//
// Fast path: prebuilt bundles (scripts/build-dist.mjs, run by `npm ci`) when they are newer than
// every source file. Otherwise the TypeScript sources load through tsx, with heavy dependencies
// imported before tsx's hooks are registered (every file loaded through loader hooks pays a
// per-file cost; see ARCHITECTURE.md, "Start-up time").
import { existsSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const pkgDir = dirname(dirname(fileURLToPath(import.meta.url)));

function distIsFresh() {
  if (process.env.STRATA_DIST === "0") return false;
  const stamp = join(pkgDir, "dist", "BUILT");
  if (!existsSync(stamp)) return false;
  if (process.env.STRATA_DIST === "1") return true;
  const built = statSync(stamp).mtimeMs;
  const repo = dirname(dirname(pkgDir));
  for (const group of ["packages", "integrations"]) {
    const base = join(repo, group);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base)) {
      const src = join(base, name, "src");
      if (!existsSync(src)) continue;
      if (statSync(join(base, name, "package.json")).mtimeMs > built) return false;
      for (const f of readdirSync(src, { recursive: true })) {
        if (statSync(join(src, f)).mtimeMs > built) return false;
      }
    }
  }
  return true;
}

if (distIsFresh()) {
  // Children (code-location processes) pick the matching bundles with --conditions=strata-dist.
  process.env.STRATA_RUNTIME = "dist";
  await import("../dist/cli/main.mjs");
} else {
  process.env.STRATA_RUNTIME = "src";
  const { register } = await import("tsx/esm/api");
  await Promise.all([import("kysely"), import("zod"), import("commander")]).catch(() => undefined);
  register();
  await import("../src/cli/main.ts");
}
