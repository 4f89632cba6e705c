import { closest, type StrataErrorCode } from "@strata/core";
import { defsDocumentSchema, type DefsDocument } from "./defs-document.ts";
import type { Problem } from "./problems.ts";
import { hasTemplate, Opaque, renderTemplate, TemplateError } from "./template.ts";
import { parseYamlFile, setAtPath, type SourcePos, type YamlDocument, type YamlPath } from "./yaml-source.ts";

/** A validation issue at a path inside the validated value. */
export interface AttributeIssue {
  path: (string | number)[];
  message: string;
  /** Unknown keys (reported at each key's position). */
  keys?: string[];
  hint?: string;
  /** Offset inside the string at `path` (e.g. an automation condition expression). */
  offset?: number;
  /** Report at the key of `path` rather than its value. */
  atKey?: boolean;
}

/** How to validate the attributes of one component type (zod in-process, or a JSON Schema snapshot). */
export interface TypeValidator {
  type: string;
  validate(value: unknown): { ok: true; value: unknown } | { ok: false; issues: AttributeIssue[] };
}

export interface TypeLookup {
  get(type: string): TypeValidator | undefined;
  names(): string[];
  /** A type that exists but whose schema is not known (e.g. missing from the snapshot): a warning, not an error. */
  unknownSchemaHint?(type: string): string | undefined;
}

/** One validated component instance of a defs file. */
export interface ComponentInstance {
  file: string;
  doc: YamlDocument;
  envelope: DefsDocument;
  attributes: unknown;
}

export interface ProcessOptions {
  /** File path shown in problems (relative to the project root). */
  displayFile: string;
  types: TypeLookup;
  /** Template scope for a document, given its `requirements.env`. */
  scope(deferredEnv: ReadonlySet<string>): Record<string, unknown>;
}

/**
 * Parses, templates and validates every document of a defs.yaml. Returns the instances that are
 * valid and every problem found (all of them, each with file:line:col).
 */
export function processDefsFile(text: string, o: ProcessOptions): { instances: ComponentInstance[]; problems: Problem[] } {
  const { docs, problems } = parseYamlFile(o.displayFile, text);
  const instances: ComponentInstance[] = [];
  if (docs.length === 0 && problems.length === 0) {
    problems.push({
      ...problemAt({ file: o.displayFile, line: 1, col: 1 }, "COMPONENT_INVALID", "This defs.yaml has no document: the folder defines nothing", "Add `type:` and `attributes:` (strata scaffold defs <type> <folder>), or delete the file: a folder with a defs.yaml is one component, and its sub-folders are not loaded."),
      severity: "warning",
    });
  }
  for (const doc of docs) {
    const before = problems.length;
    const inst = processDocument(doc, o, problems);
    if (inst && problems.slice(before).every((p) => p.severity === "warning")) instances.push(inst);
  }
  problems.sort((a, b) => a.line - b.line || a.col - b.col);
  return { instances, problems };
}

const problemAt = (pos: SourcePos, code: StrataErrorCode, message: string, hint?: string): Problem => ({
  code,
  message,
  ...pos,
  ...(hint ? { hint } : {}),
});

function processDocument(doc: YamlDocument, o: ProcessOptions, problems: Problem[]): ComponentInstance | undefined {
  const raw = doc.value;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    problems.push(problemAt(doc.pos([]), "COMPONENT_INVALID", "A defs.yaml document must be a mapping with `type:` and `attributes:`", "e.g.\n      type: strata.command\n      attributes: { ... }"));
    return undefined;
  }
  const rawReq = (raw as { requirements?: { env?: unknown } }).requirements?.env;
  const deferred = new Set(Array.isArray(rawReq) ? rawReq.filter((x): x is string => typeof x === "string") : []);
  const scope = o.scope(deferred);

  // Templates: every string under attributes/post_processing, rendered with its position.
  const opaque: YamlPath[] = [];
  let value: unknown = raw;
  for (const s of doc.strings()) {
    const top = s.path[0];
    if ((top !== "attributes" && top !== "post_processing" && top !== "description") || !hasTemplate(s.value)) continue;
    try {
      const rendered = renderTemplate(s.value, scope);
      if (rendered instanceof Opaque) opaque.push(s.path);
      value = setAtPath(value, s.path, rendered);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      opaque.push(s.path);
      problems.push(problemAt(templatePos(s, err.offset), err.code, err.message, err.hint));
    }
  }

  const env = defsDocumentSchema.safeParse(value);
  if (!env.success) {
    const issues = env.error.issues.filter((i) => !opaque.some((p) => startsWith(i.path as (string | number)[], p)));
    if (issues.length === 0) {
      // Only values known at load time (template vars) failed: validated by `check defs`.
      const type = (raw as { type?: unknown }).type;
      return typeof type === "string" ? { file: doc.file, doc, envelope: { type } as DefsDocument, attributes: undefined } : undefined;
    }
    for (const issue of issues) {
      const path = issue.path as (string | number)[];
      if (issue.code === "unrecognized_keys") {
        for (const k of issue.keys) {
          const hint = closest(k, ["type", "attributes", "requirements", "post_processing", "description", "env", "assets", "target", "group", "tags", "owners", "kinds", "metadata", "automation", "freshness", "preset", "cron", "timezone", "fail_after", "warn_after", "deadline_cron", "lower_bound"]);
          problems.push(problemAt(doc.keyPos([...path, k]), "COMPONENT_INVALID", `Unknown key "${k}"${path.length ? ` in ${formatPath(path)}` : ""}`, hint ? `Did you mean "${hint}"?` : undefined));
        }
      } else if (path.length === 1 && path[0] === "type" && (raw as { type?: unknown }).type === undefined) {
        problems.push(problemAt(doc.pos([]), "COMPONENT_INVALID", 'Missing "type:" (the component type of this document)', "Add e.g. `type: strata.command`; `strata list components` shows the registered types."));
      } else {
        const details = issue.code === "custom" ? issueDetails(issue.params) : {};
        problems.push(problemAt(issuePos(doc, path, details), "COMPONENT_INVALID", `${formatPath(path) || "document"}: ${issue.message}`, details.hint));
      }
    }
    return undefined;
  }
  const envelope = env.data;
  const type = o.types.get(envelope.type);
  if (!type) {
    const hint = o.types.unknownSchemaHint?.(envelope.type);
    if (hint) {
      problems.push({ ...problemAt(doc.pos(["type"]), "COMPONENT_UNKNOWN_TYPE", `Attributes of "${envelope.type}" not validated: ${hint}`), severity: "warning" });
      return { file: doc.file, doc, envelope, attributes: envelope.attributes };
    }
    const suggestion = closest(envelope.type, o.types.names());
    problems.push(
      problemAt(
        doc.pos(["type"]),
        "COMPONENT_UNKNOWN_TYPE",
        `Unknown component type "${envelope.type}"`,
        suggestion ? `Did you mean "${suggestion}"? (strata list components shows them all)` : "Run `strata list components` to see the registered types.",
      ),
    );
    return undefined;
  }
  const attributes = envelope.attributes ?? {};
  const result = type.validate(attributes);
  if (!result.ok) {
    let reported = 0;
    for (const issue of result.issues) {
      const path = ["attributes", ...issue.path];
      if (opaque.some((p) => startsWith(path, p))) continue;
      reported++;
      if (issue.keys?.length) {
        for (const k of issue.keys) {
          problems.push(problemAt(doc.keyPos([...path, k]), "COMPONENT_INVALID", `${formatPath([...path, k])}: unknown attribute "${k}" for type ${envelope.type}`));
        }
      } else {
        const v = valueAt(value, path);
        const envHint = v && typeof v === "object" && (v as { kind?: unknown }).kind === "env"
          ? `Environment variable ${(v as { name: string }).name} is not set and this attribute needs its value when the definitions load.`
          : undefined;
        const last = path[path.length - 1];
        const message = envHint ?? (v === undefined && typeof last === "string" ? `missing required attribute "${last}" (${issue.message.replace(/^Invalid input: /, "")})` : issue.message);
        problems.push(problemAt(issuePos(doc, path, issue), "COMPONENT_INVALID", `${formatPath(path)}: ${message}`, envHint ? `Set ${(v as { name: string }).name}, or give a default.` : issue.hint));
      }
    }
    if (reported > 0) return undefined;
    return { file: doc.file, doc, envelope, attributes };
  }
  return { file: doc.file, doc, envelope, attributes: result.value };
}

/** Position details a custom issue carries in `params` (see automationAttributeSchema). */
export function issueDetails(params: Record<string, unknown> | undefined): Pick<AttributeIssue, "hint" | "offset" | "atKey"> {
  if (!params) return {};
  return {
    ...(typeof params.hint === "string" ? { hint: params.hint } : {}),
    ...(typeof params.offset === "number" ? { offset: params.offset } : {}),
    ...(params.atKey === true ? { atKey: true } : {}),
  };
}

/** Where an issue points: the key (unknown keys), a column inside a string (expression errors) or the value. */
function issuePos(doc: YamlDocument, path: YamlPath, at: { offset?: number; atKey?: boolean }): SourcePos {
  if (at.atKey) return doc.keyPos(path);
  if (at.offset === undefined) return doc.pos(path);
  const s = doc.strings().find((x) => x.path.length === path.length && startsWith(x.path, path));
  if (!s || hasTemplate(s.value) || s.source === undefined) return doc.pos(path);
  return positionInScalar(s.value, s.source, s.pos, at.offset);
}

/**
 * The file position of character `offset` of a string scalar's value, found by walking its
 * source text (quotes, escapes, block-scalar headers and indentation are skipped).
 */
function positionInScalar(value: string, source: string, start: SourcePos, offset: number): SourcePos {
  let j = /^[|>]/.test(source) ? source.indexOf("\n") + 1 : /^["']/.test(source) ? 1 : 0;
  if (j <= 0 && /^[|>]/.test(source)) return start;
  for (let i = 0; i < Math.min(offset, value.length); i++) {
    while (j < source.length && source[j] !== value[i]) j++;
    j++;
  }
  while (j < source.length && offset < value.length && source[j] !== value[offset]) j++;
  j = Math.min(j, source.length);
  const before = source.slice(0, j);
  const newlines = before.split("\n").length - 1;
  return newlines === 0 ? { ...start, col: start.col + j } : { ...start, line: start.line + newlines, col: j - before.lastIndexOf("\n") };
}

/** Position of the template tag (`{{` or `{%`) of the expression at `offset` of a scalar, found in its source text. */
function templatePos(s: { value: string; pos: SourcePos; source: string | undefined }, offset: number): SourcePos {
  let at = Math.min(offset, s.value.length);
  while (at > 0 && s.value[at - 1] === "{") at--;
  return s.source === undefined ? s.pos : positionInScalar(s.value, s.source, s.pos, at);
}

const startsWith = (path: YamlPath, prefix: YamlPath) => prefix.every((p, i) => path[i] === p);

function valueAt(root: unknown, path: YamlPath): unknown {
  let cur = root;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}

/** `attributes.tables[0].name` */
export function formatPath(path: readonly (string | number | symbol)[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}
