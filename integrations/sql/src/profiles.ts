/**
 * `profiles.yml`: the connection target a project compiles for. Looked up in the project
 * folder, then `profilesDir` (or `DBT_PROFILES_DIR`), then `~/.dbt`. Values may use
 * `{{ env_var('X', 'default') }}`. Types `duckdb` and `postgres` are supported.
 *
 * @example
 * const target = loadTarget("/proj", "jaffle_shop", { target: "ci" });
 * target.type; // "duckdb"
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { basename, join, resolve } from "node:path";
import { StrataError } from "@strata/core";
import { isRecord, parseYamlFile, yamlError, type YamlFile } from "./yaml-file.ts";
import { createJinjaEnvironment, compileTemplate, renderTemplate, templateError } from "./jinja/environment.ts";
import { envVar } from "./env-var.ts";
import type { AdapterType } from "./project-types.ts";

export interface DbtTarget {
  /** Target name (`dev`, `prod`...). */
  name: string;
  profileName: string;
  type: AdapterType;
  database: string;
  schema: string;
  threads: number;
  /** DuckDB file path (`:memory:` when not set), resolved against the project folder. */
  path?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  /** Every key from profiles.yml, rendered. */
  raw: Record<string, unknown>;
}

export interface TargetOptions {
  target?: string;
  profilesDir?: string;
  env?: Record<string, string | undefined>;
}

function findProfiles(projectDir: string, opts: TargetOptions, env: Record<string, string | undefined>): string | undefined {
  const dirs = [projectDir, opts.profilesDir, env.DBT_PROFILES_DIR, join(homedir(), ".dbt")];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(resolve(d), "profiles.yml");
    if (existsSync(p)) return p;
  }
  return undefined;
}

function renderValues(v: unknown, env: Record<string, string | undefined>, file: string): unknown {
  if (typeof v === "string" && v.includes("{{")) {
    const jenv = createJinjaEnvironment();
    const t = compileTemplate(jenv, v, file);
    try {
      return renderTemplate(jenv, t, { env_var: (n: unknown, d?: unknown) => envVar(env, n, d), var: (_n: unknown, d?: unknown) => d });
    } catch (e) {
      throw templateError(e, file, v);
    }
  }
  if (Array.isArray(v)) return v.map((x) => renderValues(x, env, file));
  if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, renderValues(x, env, file)]));
  return v;
}

/** Resolves the target of `profileName` (from `opts.target`, else the profile's `target:`). */
export function loadTarget(projectDir: string, profileName: string, opts: TargetOptions = {}): DbtTarget {
  const env = opts.env ?? process.env;
  const file = findProfiles(projectDir, opts, env);
  if (!file) {
    throw new StrataError("SQL_PROJECT_INVALID", `No profiles.yml found for profile '${profileName}'`, {
      where: projectDir,
      hint: "Create profiles.yml in the project folder (or ~/.dbt, or pass profilesDir) with a duckdb or postgres output.",
    });
  }
  const doc = parseYamlFile(readFileSync(file, "utf8"), file);
  const profiles = doc.value;
  const profile = isRecord(profiles) ? profiles[profileName] : undefined;
  if (!isRecord(profile)) {
    throw new StrataError("SQL_PROJECT_INVALID", `Profile '${profileName}' not found in ${file}`, {
      where: file,
      hint: `Add a top-level '${profileName}:' entry with 'target:' and 'outputs:'.`,
    });
  }
  const targetName = String(opts.target ?? renderValues(profile.target, env, file) ?? "dev");
  const outputs = profile.outputs;
  const out = isRecord(outputs) ? outputs[targetName] : undefined;
  if (!isRecord(out)) {
    const names = isRecord(outputs) ? Object.keys(outputs).join(", ") : "none";
    throw yamlError(doc, [profileName, "outputs"], `Target '${targetName}' not found in profile '${profileName}' (outputs: ${names})`);
  }
  return toTarget(doc, profileName, targetName, renderValues(out, env, file) as Record<string, unknown>, projectDir);
}

function toTarget(doc: YamlFile, profileName: string, name: string, raw: Record<string, unknown>, projectDir: string): DbtTarget {
  const type = String(raw.type ?? "");
  const threads = Number(raw.threads ?? 1);
  if (type === "duckdb") {
    const p = String(raw.path ?? ":memory:");
    const path = p === ":memory:" || p.startsWith("md:") ? p : resolve(projectDir, p);
    const database = String(raw.database ?? (p === ":memory:" ? "memory" : basename(p).replace(/\.[^.]*$/, "")));
    return { name, profileName, type, database, schema: String(raw.schema ?? "main"), threads, path, raw };
  }
  if (type === "postgres") {
    const database = raw.dbname ?? raw.database;
    if (database === undefined) throw yamlError(doc, [profileName, "outputs", name], `Postgres target '${name}' needs 'dbname'`);
    return {
      name, profileName, type, database: String(database), schema: String(raw.schema ?? "public"), threads,
      host: String(raw.host ?? "localhost"), port: Number(raw.port ?? 5432), user: raw.user === undefined ? undefined : String(raw.user),
      password: raw.password === undefined && raw.pass === undefined ? undefined : String(raw.password ?? raw.pass), raw,
    };
  }
  throw yamlError(doc, [profileName, "outputs", name, "type"], `Unsupported target type '${type}' in target '${name}'`, "Use type: duckdb or type: postgres.");
}
