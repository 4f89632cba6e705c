import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from "yaml";
import type { Problem } from "./problems.ts";

/** A position in a file, 1-based. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export type YamlPath = readonly (string | number)[];

/** One YAML document as plain JS, with the position of every node (for errors and code refs). */
export interface YamlDocument {
  file: string;
  /** 0-based index of the document in its file. */
  index: number;
  /** The document's value (strings not yet templated). */
  value: unknown;
  /** Position of the node at `path`, or of its deepest existing ancestor. */
  pos(path: YamlPath): SourcePos;
  /** Position of the key of the pair at `path` (the value's position when not a map entry). */
  keyPos(path: YamlPath): SourcePos;
  /** Visits every string scalar with its path (for templating). */
  strings(): { path: YamlPath; value: string; pos: SourcePos; source: string | undefined }[];
}

export interface ParsedYamlFile {
  docs: YamlDocument[];
  problems: Problem[];
}

const pathId = (p: YamlPath) => JSON.stringify(p);

/**
 * Parses a YAML file that may hold several documents (`---`), keeping `file:line:col` for every
 * node. Syntax errors become problems with their position; documents with errors are dropped.
 */
export function parseYamlFile(file: string, text: string, displayFile = file): ParsedYamlFile {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const docs: YamlDocument[] = [];
  const problems: Problem[] = [];
  const list = Array.isArray(parsed) ? parsed : [];
  const at = (offset: number): SourcePos => {
    const p = lineCounter.linePos(offset);
    return { file: displayFile, line: p.line, col: p.col };
  };
  list.forEach((doc, index) => {
    const errs = [...doc.errors];
    for (const e of errs) {
      const p = at(e.pos[0]);
      problems.push({
        code: "YAML_SYNTAX",
        message: `YAML syntax error: ${e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`,
        ...p,
        hint: "Fix the YAML at that position (indentation, a missing ':' or an unclosed quote are the usual causes).",
      });
    }
    if (errs.length > 0) return;
    if (doc.contents === null && index > 0) return; // a trailing `---`
    docs.push(toDocument(doc as Document.Parsed, index, text, at, displayFile));
  });
  return { docs, problems };
}

function toDocument(doc: Document.Parsed, index: number, text: string, at: (o: number) => SourcePos, file: string): YamlDocument {
  const positions = new Map<string, SourcePos>();
  const keyPositions = new Map<string, SourcePos>();
  const strings: { path: YamlPath; value: string; pos: SourcePos; source: string | undefined }[] = [];
  const docStart = at(doc.range?.[0] ?? 0);

  const walk = (node: unknown, path: YamlPath, depth: number): unknown => {
    if (depth > 64) return null;
    if (isAlias(node)) return walk(node.resolve(doc), path, depth + 1);
    const n = node as Node | null;
    if (n && n.range) positions.set(pathId(path), at(n.range[0]));
    if (isMap(n)) {
      const out: Record<string, unknown> = {};
      for (const item of n.items) {
        if (!isPair(item)) continue;
        const k = isScalar(item.key) ? String(item.key.value) : String(item.key);
        const childPath = [...path, k];
        const keyNode = item.key as Node | null;
        if (keyNode?.range) keyPositions.set(pathId(childPath), at(keyNode.range[0]));
        Object.defineProperty(out, k, { value: walk(item.value, childPath, depth + 1), enumerable: true, writable: true, configurable: true });
        if (!positions.has(pathId(childPath)) && keyNode?.range) positions.set(pathId(childPath), at(keyNode.range[0]));
      }
      return out;
    }
    if (isSeq(n)) return n.items.map((item, i) => walk(item, [...path, i], depth + 1));
    if (isScalar(n)) {
      if (typeof n.value === "string" && n.range) {
        strings.push({ path, value: n.value, pos: at(n.range[0]), source: text.slice(n.range[0], n.range[1]) });
      }
      return n.value;
    }
    return n === null || n === undefined ? null : (n as { toJSON?: () => unknown }).toJSON?.() ?? null;
  };
  const value = walk(doc.contents, [], 0);

  const pos = (path: YamlPath): SourcePos => {
    for (let i = path.length; i >= 0; i--) {
      const p = positions.get(pathId(path.slice(0, i)));
      if (p) return p;
    }
    return docStart.line > 0 ? docStart : { file, line: 1, col: 1 };
  };
  return {
    file,
    index,
    value,
    pos,
    keyPos: (path) => keyPositions.get(pathId(path)) ?? pos(path),
    strings: () => strings,
  };
}

/** Sets `value` at `path` inside `root` (objects/arrays made by {@link parseYamlFile}). */
export function setAtPath(root: unknown, path: YamlPath, value: unknown): unknown {
  if (path.length === 0) return value;
  let cur = root as Record<string | number, unknown>;
  for (let i = 0; i < path.length - 1; i++) cur = cur[path[i]!] as Record<string | number, unknown>;
  cur[path[path.length - 1]!] = value;
  return root;
}
