import { execFile } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, normalize, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import pc from "picocolors";
import { deserializeError, StrataError, type SerializedError } from "@strata/core";
import { CHILD_EXEC_ARGV } from "@strata/engine";
import { defsJsonSchema, scaffoldComponent, scaffoldDefsYaml, type ComponentTypeInfo } from "@strata/components";
import { resolveTarget, type Target } from "../project-context.ts";
import { table } from "../output.ts";

const DUMP = fileURLToPath(new URL("./dump-registry.ts", import.meta.resolve("@strata/components")));

/**
 * The component types of a project, from a short-lived process that imports only its
 * component modules (the CLI itself never imports user code).
 */
export function registryInfo(root: string): Promise<ComponentTypeInfo[]> {
  return new Promise((resolvePromise, reject) => {
    execFile(process.execPath, [...CHILD_EXEC_ARGV, DUMP, root], { cwd: root, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      let body: { ok: boolean; types?: ComponentTypeInfo[]; error?: SerializedError };
      try {
        body = JSON.parse(stdout) as typeof body;
      } catch {
        reject(new StrataError("DEFS_IMPORT_FAILED", `Listing component types failed: ${(stderr || err?.message || "no output").trim().split("\n")[0]}`));
        return;
      }
      if (body.ok) resolvePromise(body.types!);
      else reject(deserializeError(body.error!));
    });
  });
}

const roots = (t: Target): { name: string; root: string }[] =>
  t.kind === "project" ? [{ name: t.project.location, root: t.project.root }] : t.workspace.locations;

/** `strata list components [--json]`: registered types with their JSON Schemas. */
export async function listComponentsCommand(flags: { json?: boolean; project?: string }): Promise<number> {
  const target = resolveTarget(flags.project);
  const byLocation = await Promise.all(roots(target).map(async (l) => ({ ...l, types: await registryInfo(l.root) })));
  if (flags.json) {
    const out = target.kind === "project" ? { types: byLocation[0]!.types } : { locations: byLocation.map((l) => ({ name: l.name, types: l.types })) };
    process.stdout.write(JSON.stringify(out, null, 2) + "\n");
    return 0;
  }
  for (const l of byLocation) {
    if (target.kind === "workspace") process.stdout.write(pc.bold(`${l.name}\n`));
    const rows = l.types.map((t) => [
      pc.bold(t.type),
      t.source,
      Object.keys(t.schema.properties ?? {})
        .map((k) => ((t.schema.required ?? []).includes(k) ? `${k}*` : k))
        .join(", "),
      pc.dim(t.description),
    ]);
    process.stdout.write(table(rows, ["TYPE", "SOURCE", "ATTRIBUTES (* required)", "DESCRIPTION"]) + "\n");
  }
  process.stdout.write(pc.dim("Schemas: strata list components --json · for editors: strata schema defs > defs.schema.json\n"));
  return 0;
}

/** `strata schema defs`: the JSON Schema of defs.yaml files (every type of the project). */
export async function schemaDefsCommand(flags: { project?: string }): Promise<number> {
  const target = resolveTarget(flags.project);
  const all = new Map<string, ComponentTypeInfo>();
  for (const l of roots(target)) for (const t of await registryInfo(l.root)) all.set(t.type, t);
  process.stdout.write(JSON.stringify(defsJsonSchema([...all.values()]), null, 2) + "\n");
  return 0;
}

/**
 * The project root scaffolds write into. A folder with a package.json but no `defs/` (nor
 * strata.config.ts) yet is not a project until the first scaffold creates `defs/`: scaffolding
 * there starts one.
 */
function scaffoldRoot(command: string, project: string | undefined): string {
  let target: Target;
  try {
    target = resolveTarget(project);
  } catch (err) {
    const dir = resolve(project ?? process.cwd());
    if (err instanceof StrataError && err.code === "DEFS_NO_ENTRY" && existsSync(join(dir, "package.json"))) return dir;
    throw err;
  }
  if (target.kind === "workspace") {
    throw new StrataError("USAGE", `Run \`strata ${command}\` inside one code location of the workspace`, { hint: "cd into the location's folder, or pass --project <folder>." });
  }
  return target.project.root;
}

/** `strata scaffold component <Name>`: a working component type in `components/`. */
export async function scaffoldComponentCommand(name: string, flags: { project?: string }): Promise<number> {
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(name)) {
    throw new StrataError("USAGE", `Invalid component name "${name}"`, { hint: "Use letters, digits, - or _, e.g. ApiExtract." });
  }
  const root = scaffoldRoot("scaffold component", flags.project);
  const s = scaffoldComponent(name);
  const file = join(root, "components", s.fileName);
  if (existsSync(file)) throw new StrataError("USAGE", `${relative(process.cwd(), file)} already exists`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, s.text);
  process.stdout.write(
    `${pc.green("created")} ${relative(process.cwd(), file)} (type ${pc.bold(s.type)})\n` +
      pc.dim(`Use it: strata scaffold defs ${s.type} <folder>   then: strata check defs\n`),
  );
  return 0;
}

/** `strata scaffold defs <type> <path>`: a defs.yaml with the type's required attributes filled in. */
export async function scaffoldDefsCommand(type: string, path: string, flags: { project?: string; force?: boolean }): Promise<number> {
  const root = scaffoldRoot("scaffold defs", flags.project);
  const types = await registryInfo(root);
  const info = types.find((t) => t.type === type);
  if (!info) {
    const { closest } = await import("@strata/core");
    const hint = closest(type, types.map((t) => t.type));
    throw new StrataError("COMPONENT_UNKNOWN_TYPE", `Unknown component type "${type}"`, {
      hint: hint ? `Did you mean "${hint}"? (strata list components)` : "See `strata list components`.",
    });
  }
  const rel = normalize(path.replace(/[\\/]defs\.ya?ml$/, ""));
  const folder = isAbsolute(rel) ? rel : resolve(root, rel === "defs" || rel.startsWith(`defs${sep}`) ? rel : join("defs", rel));
  if (!folder.startsWith(join(root, "defs") + sep)) {
    // defs/defs.yaml would make the whole folder one component; ../x would never be loaded.
    throw new StrataError("USAGE", `"${path}" is not a folder inside defs/`, {
      hint: `Give a sub-folder, e.g. strata scaffold defs ${type} ingest/orders (writes defs/ingest/orders/defs.yaml).`,
    });
  }
  const file = join(folder, "defs.yaml");
  if (existsSync(file) && !flags.force) throw new StrataError("USAGE", `${relative(process.cwd(), file)} already exists`, { hint: "Pass --force to overwrite it." });
  const schemaFile = join(root, "defs.schema.json");
  writeFileSync(schemaFile, JSON.stringify(defsJsonSchema(types), null, 2) + "\n");
  mkdirSync(folder, { recursive: true });
  writeFileSync(file, scaffoldDefsYaml({ ...info, schemaPath: relative(folder, schemaFile) }));
  process.stdout.write(
    `${pc.green("created")} ${relative(process.cwd(), file)}\n${pc.green("updated")} ${relative(process.cwd(), schemaFile)} ${pc.dim("(JSON Schema for editors)")}\n` +
      pc.dim("Fill in the attributes, then: strata check yaml\n"),
  );
  return 0;
}
