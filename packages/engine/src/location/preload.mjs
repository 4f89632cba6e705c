// Preloaded (`--import`) into code-location processes. Heavy dependencies are imported before
// the TypeScript loader is registered: every file loaded through loader hooks pays a per-file
// cost (kysely alone has ~280 files: 400 ms through hooks, 130 ms without).
import Module, { createRequire, register } from "node:module";

await Promise.all([import("zod"), process.env.STRATA_LOCATION_MODE === "execute" ? import("kysely") : null]);
await import("tsx");

// A project that imports `strata` without having installed it (e.g. made by `strata init`
// offline) gets the Strata running this process: for ES modules through a resolve hook…
const fallbackParent = new URL("../../package.json", import.meta.url).href;
register("./strata-resolve-hooks.mjs", import.meta.url, { data: { fallbackParent } });

// …and for CommonJS (a project without "type": "module") through the require resolver.
const ours = (s) => s === "strata" || s.startsWith("strata/") || s.startsWith("@strata/");
const fallbackRequire = createRequire(fallbackParent);
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, isMain, options) {
  try {
    return resolveFilename.call(this, request, parent, isMain, options);
  } catch (err) {
    if (ours(request) && err && err.code === "MODULE_NOT_FOUND") return fallbackRequire.resolve(request);
    throw err;
  }
};
