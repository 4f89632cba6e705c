/**
 * dbt's template context: `ref`, `source`, `config`, `var`, `env_var`, `target`, `this`,
 * `model`, `is_incremental()`, `execute`, `adapter` (dispatch, quote, get_relation,
 * get_columns_in_relation), `api.Relation`, `run_query`, `statement`/`load_result`, `log`,
 * `exceptions`, `builtins`, `graph`, `flags`. Values that depend on the node being rendered
 * are getters over the renderer's current state, so macros instantiated once see the right node.
 *
 * @example
 * // {{ config(materialized='table') }} select * from {{ ref('stg_orders') }} where {{ var('min', 0) }} > 0
 */
import { createHash } from "node:crypto";
import { StrataError, closest } from "@strata/core";
import { splitArgs, argOr } from "./jinja/kwargs.ts";
import { PyDateTime } from "./jinja/datetime-module.ts";
import { Relation, quoteIdent } from "./relation.ts";
import { AgateTable } from "./agate-table.ts";
import { envVar } from "./env-var.ts";
import { NeedLookup } from "./introspection.ts";
import { mergeConfig } from "./config-merge.ts";
import { isRecord } from "./yaml-file.ts";
import { BUILTIN_PACKAGE, type DbtRenderer } from "./dbt-renderer.ts";
import type { DbtNode } from "./project-types.ts";

/** Answers from the render cache, else asks the warehouse (sync answers are cached inline). */
function lookup<T>(r: DbtRenderer, key: string, ask: () => T | Promise<T>): T {
  const cache = r.state.cache;
  if (cache.has(key)) return cache.get(key) as T;
  const v = ask();
  if (v instanceof Promise) throw new NeedLookup(key, v.then((x) => void cache.set(key, x)));
  cache.set(key, v);
  return v;
}

/** The `model` / `node` dict templates see. */
export function nodeView(n: DbtNode): Record<string, unknown> {
  return {
    name: n.name, unique_id: n.uniqueId, resource_type: n.resourceType, package_name: n.packageName, path: n.path,
    original_file_path: n.originalFilePath, config: n.config, tags: n.tags, fqn: n.fqn, alias: n.relation.identifier,
    schema: n.relation.schema, database: n.relation.database, version: n.version ?? null, raw_code: n.rawCode,
    raw_sql: n.rawCode, columns: n.columns, meta: n.meta, description: n.description, depends_on: n.dependsOn,
  };
}

function placeholder(r: DbtRenderer, name: string): Relation {
  const t = r.opts.target;
  return new Relation({ database: t.database, schema: t.schema, identifier: name });
}

export function buildDbtContext(r: DbtRenderer): Record<string, unknown> {
  const t = r.opts.target;
  const env = r.opts.env ?? process.env;
  const targetView = { ...t.raw, name: t.name, profile_name: t.profileName, type: t.type, schema: t.schema, database: t.database, threads: t.threads };
  delete (targetView as Record<string, unknown>).password;

  const ref = (...all: unknown[]): Relation => {
    const s = splitArgs(all);
    const version = (s.kwargs.v ?? s.kwargs.version) as string | number | undefined;
    const [pkg, name] = s.args.length >= 2 ? [String(s.args[0]), String(s.args[1])] : [undefined, String(s.args[0])];
    const st = r.state;
    if (st.phase === "parse") {
      st.refs.push(version === undefined ? { package: pkg, name } : { package: pkg, name, version });
      const known = r.resolver?.tryRef(pkg, name);
      return known ? new Relation(known.relation) : placeholder(r, name);
    }
    const node = r.resolver!.resolveRef(st.node, pkg, name, version);
    if (node.config.materialized === "ephemeral") {
      if (!st.ephemerals.includes(node.uniqueId)) st.ephemerals.push(node.uniqueId);
      return new Relation(node.relation, { type: "cte", cteName: `__dbt__cte__${node.name}` });
    }
    return new Relation(node.relation, { type: node.config.materialized === "view" ? "view" : "table" });
  };

  const source = (...all: unknown[]): Relation => {
    const { args } = splitArgs(all);
    const [s, tbl] = [String(args[0]), String(args[1])];
    const st = r.state;
    if (st.phase === "parse") {
      st.sources.push([s, tbl]);
      const known = r.resolver?.trySource(s, tbl);
      return known ? new Relation(known.relation) : placeholder(r, tbl);
    }
    return new Relation(r.resolver!.resolveSource(st.node, s, tbl).relation, { type: "external" });
  };

  const currentConfig = () => (r.state.phase === "parse" ? mergeConfig(r.state.node?.config ?? {}, r.state.config) : (r.state.node?.config ?? {}));
  const config = Object.assign(
    (...all: unknown[]) => {
      if (r.state.phase === "parse") {
        const { args, kwargs } = splitArgs(all);
        for (const a of args) if (isRecord(a)) r.state.config = mergeConfig(r.state.config, a);
        r.state.config = mergeConfig(r.state.config, kwargs);
      }
      return "";
    },
    {
      get: (key: unknown, def: unknown = null) => currentConfig()[String(key)] ?? def,
      require: (key: unknown) => {
        const v = currentConfig()[String(key)];
        if (v === undefined || v === null) throw new StrataError("SQL_COMPILE", `Required config '${String(key)}' is not set`, { hint: `Add ${String(key)} to the node's config.` });
        return v;
      },
      set: () => "",
      persist_relation_docs: () => false,
      persist_column_docs: () => false,
    },
  );

  const varFn = Object.assign(
    (name: unknown, def?: unknown) => {
      const key = String(name);
      const cli = r.opts.cliVars ?? {};
      if (key in cli) return cli[key];
      const pkg = r.state.node?.packageName;
      const scoped = pkg ? r.opts.vars[pkg] : undefined;
      if (isRecord(scoped) && key in scoped) return scoped[key];
      if (key in r.opts.vars) return r.opts.vars[key];
      if (def !== undefined) return def;
      throw new StrataError("SQL_COMPILE", `Required var '${key}' not found in config`, {
        hint: `Define it under vars: in dbt_project.yml, pass it with vars, or give a default: var('${key}', ...)`,
      });
    },
    { has: (name: unknown) => String(name) in (r.opts.cliVars ?? {}) || String(name) in r.opts.vars },
  );

  const isIncremental = () => {
    const st = r.state;
    const n = st.node;
    if (st.phase !== "compile" || !n || n.config.materialized !== "incremental") return false;
    if (st.fullRefresh || n.config.full_refresh === true) return false;
    const ask = st.introspection.relationExists;
    if (!ask) return false;
    return lookup(r, `exists:${JSON.stringify(n.relation)}`, () => ask(n.relation));
  };

  const getColumns = (rel: unknown) => {
    if (r.state.phase !== "compile" || !rel) return [];
    const ask = r.state.introspection.getColumns;
    if (!ask) return [];
    const rr = rel as Relation;
    const name = { database: rr.database, schema: rr.schema, identifier: rr.identifier };
    return lookup(r, `cols:${JSON.stringify(name)}`, () => ask(name)).map((c) => ({
      name: c.name, column: c.name, data_type: c.dataType, dtype: c.dataType, quoted: quoteIdent(c.name),
    }));
  };

  const runQuery = (sql: unknown) => {
    if (r.state.phase !== "compile") return null;
    const ask = r.state.introspection.runQuery;
    if (!ask) throw new StrataError("SQL_COMPILE", "run_query() needs a warehouse connection", { hint: "Compile through an executor (e.g. DuckDB) or guard with {% if execute %}." });
    const text = String(sql);
    return AgateTable.from(lookup(r, `q:${text}`, () => ask(text)));
  };

  const dispatch = (...all: unknown[]) => {
    const s = splitArgs(all);
    const name = String(argOr(s, 0, "macro_name"));
    const ns = argOr(s, 1, "macro_namespace") as string | undefined;
    const order: string[] = (ns ? r.opts.dispatch?.[ns] : undefined) ?? [r.projectName, ...(ns ? [ns] : []), BUILTIN_PACKAGE];
    const prefixes = [r.adapter, "default"];
    for (const p of prefixes) for (const pkg of order) {
      const m = r.ownMacro(pkg, `${p}__${name}`);
      if (m) return m;
    }
    if (ns) {
      const m = r.ownMacro(ns, name);
      if (m) return m;
    }
    throw new StrataError("SQL_COMPILE", `No macro named '${name}' found for dispatch (searched ${(order as string[]).join(", ")} for ${prefixes.map((p) => `${p}__${name}`).join(", ")})`, {
      hint: ns && !r.macroNames.has(ns) ? `Package '${ns}' is not installed: vendor it under dbt_packages/${ns}.` : "Define a default__ implementation of the macro.",
    });
  };

  const ctx: Record<string, unknown> = {
    ref, source, config, var: varFn,
    env_var: (n: unknown, d?: unknown) => envVar(env, n, d),
    target: targetView,
    is_incremental: isIncremental,
    project_name: r.projectName,
    dbt_version: "1.8.0",
    invocation_id: "00000000-0000-0000-0000-000000000000",
    run_started_at: new PyDateTime(new Date()),
    flags: { FULL_REFRESH: false, WHICH: "run", STORE_FAILURES: false },
    selected_resources: [],
    adapter: {
      dispatch,
      quote: (id: unknown) => quoteIdent(String(id)),
      type: () => r.adapter,
      get_columns_in_relation: getColumns,
      get_relation: (...all: unknown[]) => {
        const s = splitArgs(all);
        const name = { database: String(argOr(s, 0, "database", t.database)), schema: String(argOr(s, 1, "schema")), identifier: String(argOr(s, 2, "identifier")) };
        if (r.state.phase !== "compile") return null;
        const ask = r.state.introspection.relationExists;
        return ask && lookup(r, `exists:${JSON.stringify(name)}`, () => ask(name)) ? new Relation(name, { type: "table" }) : null;
      },
    },
    api: {
      Relation: {
        create: (...all: unknown[]) => {
          const { kwargs } = splitArgs(all);
          return new Relation({ database: String(kwargs.database ?? t.database), schema: String(kwargs.schema ?? t.schema), identifier: String(kwargs.identifier ?? "") }, { type: kwargs.type as Relation["type"] });
        },
      },
    },
    run_query: runQuery,
    __statement: (name: unknown, sql: unknown, fetch: unknown) => {
      const result = runQuery(sql);
      r.state.statements.set(String(name), { response: { code: "OK" }, table: fetch ? result : null, data: fetch && result ? result.rows : null });
      return "";
    },
    load_result: (name: unknown) => r.state.statements.get(String(name)) ?? null,
    __result: (v: unknown) => {
      r.state.result = v;
      return "";
    },
    log: (msg: unknown, ...rest: unknown[]) => {
      const info = Boolean(argOr(splitArgs(rest), 0, "info", false));
      r.state.logs.push({ level: info ? "info" : "debug", message: String(msg) });
      return "";
    },
    print: (msg: unknown) => {
      r.state.logs.push({ level: "info", message: String(msg) });
      return "";
    },
    exceptions: {
      raise_compiler_error: (msg: unknown) => {
        throw new StrataError("SQL_COMPILE", `Compilation error: ${String(msg)}`);
      },
      // dbt's own macro API: a project's macro reports that it has no version for this adapter.
      raise_not_implemented: (msg: unknown) => {
        throw new StrataError("SQL_COMPILE", `A macro of the project raised raise_not_implemented: ${String(msg)}`, {
          hint: "The macro has no implementation for this adapter; add one (e.g. a duckdb__ or postgres__ variant).",
        });
      },
      warn: (msg: unknown) => {
        r.state.logs.push({ level: "warn", message: String(msg) });
        return "";
      },
    },
    local_md5: (s: unknown) => createHash("md5").update(String(s)).digest("hex"),
  };
  ctx.builtins = { ref, source, config };
  Object.defineProperties(ctx, {
    this: { get: () => r.state.thisRelation, enumerable: true },
    model: { get: () => (r.state.node ? nodeView(r.state.node) : undefined), enumerable: true },
    execute: { get: () => r.state.phase === "compile", enumerable: true },
    graph: { get: () => graphView(r), enumerable: true },
  });
  return ctx;
}

let graphCache: { r: DbtRenderer; g: Record<string, unknown> } | undefined;

function graphView(r: DbtRenderer): Record<string, unknown> {
  if (r.state.phase === "parse" || !r.resolver) return { nodes: {}, sources: {}, macros: {}, exposures: {}, metrics: {} };
  if (graphCache?.r === r) return graphCache.g;
  const nodes: Record<string, unknown> = {};
  for (const n of r.resolver.nodes()) nodes[n.uniqueId] = nodeView(n);
  const sources: Record<string, unknown> = {};
  for (const s of r.resolver.allSources()) {
    sources[s.uniqueId] = { unique_id: s.uniqueId, name: s.name, source_name: s.sourceName, schema: s.relation.schema, database: s.relation.database, identifier: s.identifier, resource_type: "source", meta: s.meta, tags: s.tags };
  }
  const g = { nodes, sources, macros: {}, exposures: {}, metrics: {} };
  graphCache = { r, g };
  return g;
}

/** Suggests the closest name for an unknown ref. */
export function unknownRefError(name: string, candidates: Iterable<string>, where?: string): StrataError {
  const guess = closest(name, candidates);
  return new StrataError("SQL_UNKNOWN_REF", `ref('${name}') does not match any model, seed or snapshot${guess ? ` — did you mean '${guess}'?` : ""}`, {
    where,
    hint: guess ? `Use ref('${guess}').` : "Check the spelling, or that the model is enabled and inside model-paths.",
  });
}
