/**
 * YAML files with positions: parse errors and validation problems name `file:line:col`.
 *
 * @example
 * const doc = parseYamlFile("models:\n  - name: a\n", "models/schema.yml");
 * doc.where(["models", 0, "name"]); // "models/schema.yml:2:11"
 */
import { LineCounter, parseDocument, isNode, type Document } from "yaml";
import { StrataError } from "@strata/core";

export interface YamlFile {
  readonly file: string;
  readonly value: unknown;
  /** `file:line:col` of the node at `path`, or of the nearest existing ancestor. */
  where(path: readonly (string | number)[]): string;
  /** 1-based line of the node at `path` (nearest ancestor when missing). */
  line(path: readonly (string | number)[]): number;
}

export function parseYamlFile(text: string, file: string): YamlFile {
  const lineCounter = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  } catch (e) {
    throw new StrataError("SQL_YAML_INVALID", `Invalid YAML in ${file}: ${(e as Error).message}`, { where: file, cause: e });
  }
  const err = doc.errors[0];
  if (err) {
    const pos = lineCounter.linePos(err.pos[0]);
    const where = `${file}:${pos.line}:${pos.col}`;
    throw new StrataError("SQL_YAML_INVALID", `Invalid YAML at ${where}: ${err.message.split("\n")[0]}`, {
      where,
      hint: "Check indentation and that every `key:` is followed by a space; quote values containing ':' or '{'.",
    });
  }
  const pos = (path: readonly (string | number)[]) => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]);
    }
    return { line: 1, col: 1 };
  };
  return {
    file,
    value: doc.toJS({ maxAliasCount: 1000 }) as unknown,
    where: (path) => {
      const p = pos(path);
      return `${file}:${p.line}:${p.col}`;
    },
    line: (path) => pos(path).line,
  };
}

/** Throws a `SQL_YAML_INVALID` error pointing at `path` in `doc`. */
export function yamlError(doc: YamlFile, path: readonly (string | number)[], message: string, hint?: string): StrataError {
  const where = doc.where(path);
  return new StrataError("SQL_YAML_INVALID", `${message} (${where})`, { where, hint });
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function asStringList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}
