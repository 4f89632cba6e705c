// Preloaded (`--import`) into code-location processes. Heavy dependencies are imported before
// the TypeScript loader is registered: every file loaded through loader hooks pays a per-file
// cost (kysely alone has ~280 files: 400 ms through hooks, 130 ms without).
import { register } from "node:module";

await Promise.all([import("zod"), process.env.STRATA_LOCATION_MODE === "execute" ? import("kysely") : null]);
await import("tsx");
register("./strata-resolve-hooks.mjs", import.meta.url, {
  data: { fallbackParent: new URL("../../package.json", import.meta.url).href },
});
