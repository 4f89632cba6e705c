// Module hooks for code-location processes (they run in Node's module-hooks thread):
// 1. when a project imports `strata` or `@strata/*` but has not installed it (e.g. a project made
//    by `strata init` offline), resolve it from the Strata installation running the process;
// 2. once no module has been loaded for a while, stop tsx's esbuild service: a separate ~10 MB
//    process that a long-lived code location (daemon, `strata dev`) would otherwise keep for
//    nothing. A later TypeScript import starts it again.
import { createRequire } from "node:module";

/** No module loaded for this long: the project is loaded, esbuild can go. */
const ESBUILD_IDLE_MS = 5000;

let fallbackParent;
let loading = 0;
let idleTimer;

export async function initialize(data) {
  fallbackParent = data.fallbackParent;
}

const ours = (s) => s === "strata" || s.startsWith("strata/") || s.startsWith("@strata/");

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    if (fallbackParent && ours(specifier) && err && err.code === "ERR_MODULE_NOT_FOUND") {
      return nextResolve(specifier, { ...context, parentURL: fallbackParent });
    }
    throw err;
  }
}

export async function load(url, context, nextLoad) {
  loading++;
  clearTimeout(idleTimer);
  try {
    return await nextLoad(url, context);
  } finally {
    if (--loading === 0) {
      idleTimer = setTimeout(stopEsbuild, ESBUILD_IDLE_MS);
      idleTimer.unref();
    }
  }
}

/** tsx's esbuild, the instance its loader (in this thread) transforms with; undefined if not found. */
function tsxEsbuild() {
  try {
    const requireFromTsx = createRequire(createRequire(fallbackParent ?? import.meta.url).resolve("tsx"));
    return requireFromTsx("esbuild");
  } catch {
    return undefined;
  }
}

function stopEsbuild() {
  if (loading > 0) return;
  // stop() ends the service process; esbuild starts a new one on its next transform.
  void tsxEsbuild()?.stop?.();
}
