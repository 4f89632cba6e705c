#!/usr/bin/env node
// Builds JavaScript bundles of Strata's own packages (npm ci runs this through "prepare").
// They are an optimisation only: the CLI uses them when they are newer than every source file
// (see packages/strata/bin/strata.mjs) and otherwise runs the TypeScript sources through tsx.
//
// Two outputs, so user code and Strata never load two copies of a package in one process:
// - packages/strata/dist/cli/: the CLI process, with all of Strata inlined. It never imports
//   user code, so nothing it creates meets an object from another copy.
// - <package>/dist/: one bundle per package with other Strata packages left as imports. A
//   code-location process runs with `--conditions=strata-dist`, so its own code, the user's
//   `import "strata"` and every integration all resolve to these same files.
import { build } from "esbuild";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const ours = (p) => p === "strata" || p.startsWith("strata/") || p.startsWith("@strata/");
const bare = /^[^./]|^\.[^./]/;

/** Leaves third-party packages (and, per package, other Strata packages) as runtime imports. */
function externals(keepOurs) {
  return {
    name: "externals",
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith("node:")) return { external: true };
        if (ours(args.path)) return keepOurs ? undefined : { external: true };
        return bare.test(args.path) ? { external: true } : undefined;
      });
    },
  };
}

const common = {
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  outExtension: { ".js": ".mjs" },
  chunkNames: "chunk-[hash]",
  logLevel: "warning",
  legalComments: "none",
};

/** Package folder → entry points (relative to it), built when the package exists. */
const PACKAGES = {
  "packages/core": { index: "src/index.ts" },
  "packages/storage": { index: "src/index.ts" },
  "packages/engine": { index: "src/index.ts", "location-process": "src/location/location-process.ts" },
  "packages/strata": { index: "src/index.ts", testing: "src/testing.ts" },
  "packages/components": { index: "src/index.ts" },
  "packages/daemon": { index: "src/index.ts" },
  "packages/server": { index: "src/index.ts" },
  "integrations/duckdb": { index: "src/index.ts" },
  "integrations/sql": { index: "src/index.ts" },
};

const started = performance.now();
const builds = [];
for (const [dir, entries] of Object.entries(PACKAGES)) {
  const pkgDir = join(root, dir);
  if (!existsSync(join(pkgDir, entries.index))) continue;
  const outdir = join(pkgDir, "dist");
  rmSync(outdir, { recursive: true, force: true });
  const entryPoints = Object.fromEntries(Object.entries(entries).map(([name, file]) => [name, join(pkgDir, file)]));
  builds.push(build({ ...common, entryPoints, outdir, plugins: [externals(false)] }));
}
const cliOut = join(root, "packages/strata/dist/cli");
builds.push(
  build({
    ...common,
    entryPoints: { main: join(root, "packages/strata/src/cli/main.ts") },
    outdir: cliOut,
    plugins: [externals(true)],
  }),
);
await Promise.all(builds);
mkdirSync(join(root, "packages/strata/dist"), { recursive: true });
// Written last: the CLI trusts dist/ only when this stamp is newer than every source file.
writeFileSync(join(root, "packages/strata/dist/BUILT"), `${new Date().toISOString()}\n`);
const version = JSON.parse(readFileSync(join(root, "packages/strata/package.json"), "utf8")).version;
console.log(`strata ${version}: built dist bundles in ${Math.round(performance.now() - started)} ms`);
