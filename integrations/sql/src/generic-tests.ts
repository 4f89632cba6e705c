/**
 * Generic tests declared in YAML (`data_tests:`/`tests:` on models, columns, sources):
 * reads an entry (`- unique`, `- accepted_values: {values: [...], config: {severity: warn}}`,
 * `- dbt_utils.expression_is_true: {expression: ...}`) and names the test node the way dbt does
 * (`accepted_values_orders_status__placed__shipped`).
 *
 * @example
 * parseTestEntry({ raw: { not_null: { config: { where: "id > 0" } } }, ... }).config; // { where: "id > 0" }
 */
import { createHash } from "node:crypto";
import { isRecord, yamlError } from "./yaml-file.ts";
import { normalizeConfig, type ConfigMap } from "./config-merge.ts";
import type { TestEntry } from "./property-files.ts";

export interface GenericTestSpec {
  /** Test name without namespace (`unique`). */
  name: string;
  namespace?: string;
  /** Arguments passed to the test macro (column_name added by the caller). */
  args: Record<string, unknown>;
  config: ConfigMap;
  /** Explicit `name:` for the test node. */
  customName?: string;
}

/** Keys that are configs even when written next to the arguments (older dbt syntax). */
const CONFIG_KEYS = new Set([
  "severity", "where", "tags", "enabled", "error_if", "warn_if", "store_failures", "limit", "fail_calc", "meta", "alias", "schema", "database",
]);

export function parseTestEntry(entry: TestEntry): GenericTestSpec {
  const { raw, doc, path } = entry;
  if (typeof raw === "string") return splitName(raw, {}, {});
  if (!isRecord(raw)) throw yamlError(doc, path, "a test must be a name or a mapping like { accepted_values: { values: [...] } }");
  let testKey: string;
  let body: Record<string, unknown>;
  if (typeof raw.test_name === "string") {
    testKey = raw.test_name;
    body = raw;
  } else {
    const keys = Object.keys(raw);
    if (keys.length !== 1) throw yamlError(doc, path, `a test mapping must have exactly one key (the test name), found: ${keys.join(", ")}`);
    testKey = keys[0]!;
    const b = raw[testKey];
    if (b !== null && b !== undefined && !isRecord(b)) throw yamlError(doc, [...path, testKey], `arguments of test '${testKey}' must be a mapping`);
    body = b ?? {};
  }
  const args: Record<string, unknown> = {};
  let config: ConfigMap = {};
  let customName: string | undefined;
  for (const [k, v] of Object.entries(body)) {
    if (k === "test_name") continue;
    if (k === "name") customName = String(v);
    else if (k === "config" && isRecord(v)) config = { ...config, ...v };
    else if (k === "arguments" && isRecord(v)) Object.assign(args, v);
    else if (CONFIG_KEYS.has(k)) config[k] = v;
    else args[k] = v;
  }
  return splitName(testKey, args, normalizeConfig(config), customName);
}

function splitName(key: string, args: Record<string, unknown>, config: ConfigMap, customName?: string): GenericTestSpec {
  const dot = key.lastIndexOf(".");
  const base = dot >= 0 ? { name: key.slice(dot + 1), namespace: key.slice(0, dot) } : { name: key };
  return { ...base, args, config, ...(customName ? { customName } : {}) };
}

/** dbt's synthesized test name and a stable unique_id suffix. */
export function synthesizeTestName(spec: GenericTestSpec, targetName: string, columnName: string | undefined): { name: string; hash: string } {
  const all: Record<string, unknown> = { ...spec.args, ...(columnName !== undefined ? { column_name: columnName } : {}) };
  const flat: string[] = [];
  for (const k of Object.keys(all).sort()) {
    if (k === "model") continue;
    const v = all[k];
    const parts = isRecord(v) ? Object.values(v) : Array.isArray(v) ? v : [v];
    flat.push(...parts.map((p) => String(p)));
  }
  const unique = flat.map((a) => a.replace(/[^0-9a-zA-Z_]+/g, "_")).join("__");
  const type = spec.namespace ? `${spec.namespace}_${spec.name}` : spec.name;
  const hash = createHash("md5").update(JSON.stringify([type, targetName, all, spec.config])).digest("hex").slice(0, 10);
  let name = spec.customName ?? `${type}_${targetName}${unique ? "_" + unique : ""}`;
  if (name.length > 120) name = `${type}_${targetName}_${createHash("md5").update(unique).digest("hex")}`;
  return { name, hash };
}
