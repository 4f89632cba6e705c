// Module resolve hook for code-location processes: when a project imports `strata` or
// `@strata/*` but has not installed it (e.g. a project made by `strata init` offline), resolve
// it from the Strata installation running the process.
let fallbackParent;

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
