/**
 * dbt node selection over a parsed project: `+model`, `model+`, `2+model+1`, `@model`,
 * `tag:x`, `path:models/staging`, `config.materialized:table`, `source:src.tbl+`,
 * `resource_type:seed`, `package:`, `test_type:generic|singular`, `test_name:`, globs (`stg_*`),
 * unions (space or several entries), intersections (comma), `exclude`, and dbt's indirect test
 * selection (eager by default: tests of selected nodes are selected too).
 *
 * @example
 * selectNodes(project, { select: ["+orders", "tag:finance,config.materialized:table"], exclude: ["stg_events"] });
 * // Set { "model.shop.orders", "model.shop.stg_orders", ... , "test.shop.unique_orders_order_id.1a2b" }
 */
import { StrataError } from "@strata/core";
import type { DbtProject } from "./project-types.ts";

export interface SelectOptions {
  select?: readonly string[];
  exclude?: readonly string[];
  /** How tests of selected nodes are added: eager (any parent selected), cautious (all), empty. */
  indirectSelection?: "eager" | "cautious" | "empty";
}

interface Item {
  id: string;
  type: string;
  name: string;
  fqn: string[];
  path: string;
  tags: string[];
  config: Record<string, unknown>;
  packageName: string;
  parents: string[];
  testName?: string;
  testType?: "generic" | "singular";
  source?: [string, string];
  versioned: boolean;
}

function glob(p: string): RegExp {
  return new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
}

function items(project: DbtProject): Map<string, Item> {
  const out = new Map<string, Item>();
  for (const n of project.nodes.values()) {
    out.set(n.uniqueId, {
      id: n.uniqueId, type: n.resourceType, name: n.name, fqn: n.fqn, path: n.originalFilePath, tags: n.tags, config: n.config, packageName: n.packageName,
      parents: n.dependsOn.nodes, versioned: n.version !== undefined,
      ...(n.resourceType === "test" ? { testType: n.testMetadata ? "generic" : "singular", testName: n.testMetadata?.name ?? n.name } : {}),
    } as Item);
  }
  for (const s of project.sources.values()) {
    out.set(s.uniqueId, { id: s.uniqueId, type: "source", name: s.name, fqn: s.fqn, path: s.originalFilePath, tags: s.tags, config: s.config, packageName: s.packageName, parents: [], source: [s.sourceName, s.name], versioned: false });
  }
  return out;
}

function fqnMatch(it: Item, value: string): boolean {
  if (it.type === "source") return false;
  const parts = value.split(".");
  const name = it.versioned ? it.fqn[it.fqn.length - 2]! : it.fqn[it.fqn.length - 1]!;
  if (parts.length === 1 && glob(parts[0]!).test(name)) return true;
  const candidates = [it.fqn, it.fqn.slice(1)];
  if (it.versioned) candidates.push(it.fqn.slice(-2),[...it.fqn.slice(0, -2), `${name}_${it.fqn.at(-1)}`], [...it.fqn.slice(1, -2), `${name}_${it.fqn.at(-1)}`]);
  return candidates.some((f) => parts.length <= f.length && parts.every((p, i) => glob(p).test(f[i]!)));
}

function methodMatch(it: Item, method: string, value: string, root: string): boolean {
  if (method === "fqn") return value === "*" ? it.type !== "source" : fqnMatch(it, value);
  if (method === "tag") return it.tags.some((t) => glob(value).test(t));
  if (method === "path" || method === "file") {
    const v = value.replace(/^\.\//, "").replace(/\/$/, "");
    if (method === "file") return glob(v).test(it.path.split("/").pop()!);
    return it.path === v || it.path.startsWith(`${v}/`) || glob(v).test(it.path) || (root !== "" && it.path.startsWith(`${root}/${v}`));
  }
  if (method === "resource_type") return it.type === value;
  if (method === "package") return it.packageName === value;
  if (method === "test_type") return it.testType === value || (value === "data" && it.testType === "singular") || (value === "schema" && it.testType === "generic");
  if (method === "test_name") return it.testName !== undefined && glob(value).test(it.testName);
  if (method === "source") {
    if (!it.source) return false;
    const parts = value.split(".");
    const [s, t] = parts.length === 3 ? [parts[1]!, parts[2]!] : [parts[0]!, parts[1] ?? "*"];
    return (parts.length < 3 || parts[0] === it.packageName) && glob(s).test(it.source[0]) && glob(t).test(it.source[1]);
  }
  if (method.startsWith("config.")) {
    const v = it.config[method.slice(7)];
    if (Array.isArray(v)) return v.some((x) => String(x) === value);
    return v !== undefined && v !== null && glob(value).test(String(v));
  }
  throw new StrataError("SELECTION_SYNTAX", `Unknown selection method '${method}' in '${method}:${value}'`, {
    hint: "Use tag:, path:, config.<key>:, source:, resource_type:, package:, test_type:, test_name:, or a model name.",
  });
}

function walk(start: Set<string>, next: (id: string) => readonly string[], depth: number | undefined): Set<string> {
  const out = new Set<string>();
  let frontier = [...start];
  for (let d = 0; frontier.length && (depth === undefined || d < depth); d++) {
    const nf: string[] = [];
    for (const id of frontier) for (const n of next(id)) if (!out.has(n)) {
      out.add(n);
      nf.push(n);
    }
    frontier = nf;
  }
  return out;
}

const TERM = /^(@)?(?:(\d*)\+)?([^+]+?)(?:\+(\d*))?$/;

/** Evaluates a selection against the project's DAG and returns selected unique_ids. */
export function selectNodes(project: DbtProject, opts: SelectOptions = {}): Set<string> {
  const all = items(project);
  const children = new Map<string, string[]>();
  for (const it of all.values()) for (const p of it.parents) (children.get(p) ?? children.set(p, []).get(p)!).push(it.id);
  const parentsOf = (id: string) => all.get(id)?.parents ?? [];
  const childrenOf = (id: string) => children.get(id) ?? [];
  const root = project.paths.model[0] ?? "models";

  const evalTerm = (term: string): Set<string> => {
    const m = TERM.exec(term);
    if (!m) throw new StrataError("SELECTION_SYNTAX", `Cannot parse selector '${term}'`, { hint: "Examples: +orders, orders+, 2+orders, @orders, tag:nightly, path:models/staging" });
    const [, at, up, body, down] = m;
    const colon = body!.indexOf(":");
    const [method, value] = colon > 0 ? [body!.slice(0, colon), body!.slice(colon + 1)] : [body!.includes("/") || body!.endsWith(".sql") ? "path" : "fqn", body!];
    const base = new Set([...all.values()].filter((it) => methodMatch(it, method, value, root)).map((it) => it.id));
    const out = new Set(base);
    if (up !== undefined) for (const id of walk(base, parentsOf, up === "" ? undefined : Number(up))) out.add(id);
    if (down !== undefined || at) for (const id of walk(base, childrenOf, down ? Number(down) : undefined)) out.add(id);
    if (at) {
      const desc = walk(base, childrenOf, undefined);
      for (const id of walk(new Set([...base, ...desc]), parentsOf, undefined)) out.add(id);
    }
    return out;
  };
  const evalList = (list: readonly string[]): Set<string> => {
    const out = new Set<string>();
    for (const entry of list) for (const unionPart of entry.trim().split(/\s+/).filter(Boolean)) {
      const parts = unionPart.split(",").map(evalTerm);
      for (const id of parts[0]!) if (parts.every((p) => p.has(id))) out.add(id);
    }
    return out;
  };

  const direct = opts.select && opts.select.length ? evalList(opts.select) : new Set([...all.keys()].filter((id) => all.get(id)!.type !== "source"));
  const excluded = opts.exclude && opts.exclude.length ? evalList(opts.exclude) : new Set<string>();
  const selected = new Set([...direct].filter((id) => !excluded.has(id)));
  const mode = opts.indirectSelection ?? "eager";
  if (mode !== "empty") {
    for (const it of all.values()) {
      if (it.type !== "test" || selected.has(it.id) || excluded.has(it.id) || it.parents.length === 0) continue;
      const ok = mode === "eager" ? it.parents.some((p) => selected.has(p)) : it.parents.every((p) => selected.has(p));
      if (ok) selected.add(it.id);
    }
  }
  return selected;
}
