/**
 * Resolves `ref()` and `source()` against the loaded nodes: package-qualified refs, model
 * versions (`v=`; a bare ref means the latest version) and "did you mean" suggestions.
 *
 * @example
 * const resolver = new ProjectResolver(nodes, sources);
 * resolver.resolveRef(undefined, undefined, "orders", undefined).uniqueId; // "model.shop.orders"
 */
import { StrataError, closest } from "@strata/core";
import { unknownRefError } from "./dbt-context.ts";
import type { RefResolver } from "./dbt-renderer.ts";
import type { DbtNode, DbtSource } from "./project-types.ts";

function lineOf(node: DbtNode | undefined, needle: RegExp): string | undefined {
  if (!node) return undefined;
  const lines = node.rawCode.split("\n");
  const i = lines.findIndex((l) => needle.test(l));
  return `${node.patchPath && node.resourceType === "test" && !node.rawCode.includes("ref(") ? node.patchPath : node.originalFilePath}:${(i < 0 ? 0 : i) + node.line}`;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export class ProjectResolver implements RefResolver {
  private readonly byName = new Map<string, DbtNode[]>();
  private readonly sourceMap = new Map<string, DbtSource>();

  constructor(
    private readonly nodeMap: Map<string, DbtNode>,
    private readonly sourceList: Map<string, DbtSource>,
  ) {
    for (const n of nodeMap.values()) {
      if (n.resourceType === "test") continue;
      const l = this.byName.get(n.name) ?? [];
      l.push(n);
      this.byName.set(n.name, l);
    }
    for (const s of sourceList.values()) this.sourceMap.set(`${s.sourceName}.${s.name}`, s);
  }

  tryRef(pkg: string | undefined, name: string, version?: string | number): DbtNode | undefined {
    const list = (this.byName.get(name) ?? []).filter((n) => pkg === undefined || n.packageName === pkg);
    if (list.length <= 1 && version === undefined) return list[0];
    if (version !== undefined) return list.find((n) => String(n.version) === String(version));
    return list.find((n) => n.version === undefined || String(n.version) === String(n.latestVersion)) ?? list[0];
  }

  resolveRef(from: DbtNode | undefined, pkg: string | undefined, name: string, version: string | number | undefined): DbtNode {
    const n = this.tryRef(pkg, name, version);
    if (n) return n;
    const where = lineOf(from, new RegExp(`ref\\s*\\(\\s*['"]${esc(name)}['"]`));
    if (version !== undefined && this.byName.has(name)) {
      const versions = this.byName.get(name)!.map((x) => String(x.version)).join(", ");
      throw new StrataError("SQL_UNKNOWN_REF", `ref('${name}', v=${String(version)}) does not match a version of '${name}' (versions: ${versions})`, { where, hint: "Use one of the declared versions." });
    }
    throw unknownRefError(name, this.byName.keys(), where);
  }

  trySource(source: string, table: string): DbtSource | undefined {
    return this.sourceMap.get(`${source}.${table}`);
  }

  resolveSource(from: DbtNode | undefined, source: string, table: string): DbtSource {
    const s = this.trySource(source, table);
    if (s) return s;
    const where = lineOf(from, new RegExp(`source\\s*\\(\\s*['"]${esc(source)}['"]`));
    const guess = closest(`${source}.${table}`, this.sourceMap.keys());
    throw new StrataError("SQL_UNKNOWN_REF", `source('${source}', '${table}') is not declared in any sources: YAML${guess ? ` — did you mean '${guess}'?` : ""}`, {
      where,
      hint: guess ? `Use source('${guess.split(".").join("', '")}').` : `Declare it: sources: [{ name: ${source}, tables: [{ name: ${table} }] }]`,
    });
  }

  nodes(): Iterable<DbtNode> {
    return this.nodeMap.values();
  }

  allSources(): Iterable<DbtSource> {
    return this.sourceList.values();
  }
}
