/**
 * dbt's config merging: `tags`, hooks are appended, `meta`/`column_types`/`docs` are merged,
 * everything else is replaced; and the `models:`/`seeds:`/... trees of `dbt_project.yml`
 * where `+key` sets a config and other mapping keys descend into folders (most specific wins).
 *
 * @example
 * resolveTreeConfig({ shop: { "+materialized": "view", marts: { "+materialized": "table" } } }, ["shop", "marts", "orders"]);
 * // { materialized: "table" }
 */
import { isRecord, asStringList } from "./yaml-file.ts";

export type ConfigMap = Record<string, unknown>;

const APPEND = new Set(["tags", "pre_hook", "post_hook"]);
const MERGE = new Set(["meta", "column_types", "docs", "persist_docs", "grants"]);

/** `pre-hook` → `pre_hook`; hooks and tags become lists. */
export function normalizeConfigKey(key: string): string {
  return key.replace(/^\+/, "").replace(/-/g, "_");
}

/** Hooks as SQL strings (`{ sql: ..., transaction: ... }` entries keep their SQL). */
function hookList(v: unknown): string[] {
  const list = v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
  return list.map((h) => (isRecord(h) && "sql" in h ? String(h.sql) : String(h)));
}

export function normalizeConfig(raw: ConfigMap): ConfigMap {
  const out: ConfigMap = {};
  for (const [k, v] of Object.entries(raw)) {
    const key = normalizeConfigKey(k);
    out[key] = key === "tags" ? asStringList(v) : APPEND.has(key) ? hookList(v) : v;
  }
  return out;
}

/** Returns a new config: `patch` applied over `base`, dbt style. */
export function mergeConfig(base: ConfigMap, patch: ConfigMap): ConfigMap {
  const out: ConfigMap = { ...base };
  for (const [k, v] of Object.entries(normalizeConfig(patch))) {
    if (v === undefined) continue;
    if (APPEND.has(k)) {
      const prev = asStringList(out[k]);
      out[k] = k === "tags" ? [...new Set([...prev, ...(v as string[])])] : [...prev, ...(v as string[])];
    } else if (MERGE.has(k) && isRecord(v) && isRecord(out[k])) {
      out[k] = { ...(out[k] as ConfigMap), ...v };
    } else out[k] = v;
  }
  return out;
}

function levelConfig(level: ConfigMap): ConfigMap {
  const out: ConfigMap = {};
  for (const [k, v] of Object.entries(level)) {
    if (k.startsWith("+")) out[k.slice(1)] = v;
    else if (!isRecord(v) || MERGE.has(normalizeConfigKey(k))) out[k] = v;
  }
  return out;
}

/** Walks a config tree along `fqn` (project, folders..., name), merging each level's configs. */
export function resolveTreeConfig(tree: unknown, fqn: readonly string[]): ConfigMap {
  let cfg: ConfigMap = {};
  if (!isRecord(tree)) return cfg;
  cfg = mergeConfig(cfg, levelConfig(tree));
  let level: unknown = tree;
  for (const part of fqn) {
    if (!isRecord(level)) break;
    const next = level[part];
    if (!isRecord(next)) break;
    cfg = mergeConfig(cfg, levelConfig(next));
    level = next;
  }
  return cfg;
}
