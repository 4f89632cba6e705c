/**
 * Lists files under a folder recursively (sorted, skipping dot-folders), as paths relative to it.
 *
 * @example
 * listFiles("/proj/models", [".sql"]); // ["marts/orders.sql", "staging/stg_orders.sql"]
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

export function listFiles(dir: string, exts: readonly string[]): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  const walk = (rel: string) => {
    const entries = readdirSync(join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else if (exts.some((x) => e.name.endsWith(x))) out.push(p);
    }
  };
  walk("");
  return out;
}
