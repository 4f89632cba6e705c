/**
 * Errors of one node, as users need them: the file and line, and the SQL around the failing
 * line with line numbers. SQL errors are located from DuckDB's `LINE n:` or Postgres'
 * `position`, mapped from the executed statement back into the compiled SQL, and from there to
 * the model file (the same text on a line of the file, or the same line when rendering kept the
 * line count; else the node's first line).
 *
 * @example
 * throw sqlNodeError(node, compiledSql, statement, err);
 * // WAREHOUSE_QUERY: Model stg_orders failed (models/staging/stg_orders.sql:3): Binder Error: ...
 * //   compiled SQL:
 * //      2 | select id,
 * //   >  3 |   nope
 */
import { StrataError } from "@strata/core";
import type { DbtNode } from "./project-types.ts";

/** Lines `line-2 .. line+2` of `text` with numbers, the failing one marked. */
export function excerpt(text: string, line: number, around = 2, firstLine = 1): string {
  const lines = text.split("\n");
  const from = Math.max(1, line - around);
  const to = Math.min(lines.length, line + around);
  const width = String(to + firstLine - 1).length;
  const out: string[] = [];
  for (let n = from; n <= to; n++) out.push(`${n === line ? ">" : " "} ${String(n + firstLine - 1).padStart(width)} | ${lines[n - 1]}`);
  return out.join("\n");
}

function rawMessage(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  const m = cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err);
  return m.replace(/^Failed to extract statements: /, "");
}

/** 1-based line of the error inside `statement`, when the engine tells. */
function statementLine(err: unknown, statement: string): number | undefined {
  const pos = (err as StrataError).details?.position;
  if (typeof pos === "number") return statement.slice(0, pos - 1).split("\n").length;
  const m = /LINE (\d+):/.exec(rawMessage(err));
  return m ? Number(m[1]) : undefined;
}

const label = (n: DbtNode) => `${n.resourceType[0]!.toUpperCase()}${n.resourceType.slice(1)} ${n.name}`;

export function sqlNodeError(node: DbtNode, compiled: string, statement: string, err: unknown): StrataError {
  const message = rawMessage(err).split("\n\nLINE")[0]!.trim();
  let where = `${node.originalFilePath}:${node.line}`;
  let shown = "";
  const sLine = statementLine(err, statement);
  const at = compiled ? statement.indexOf(compiled) : -1;
  if (sLine !== undefined && at >= 0) {
    const cLine = sLine - statement.slice(0, at).split("\n").length + 1;
    if (cLine >= 1 && cLine <= compiled.split("\n").length) {
      const text = compiled.split("\n")[cLine - 1]!.trim();
      const rawLines = node.rawCode.split("\n");
      let idx = text ? rawLines.findIndex((l) => l.trim() === text) : -1;
      // Templating that keeps the line count (most models) maps lines one to one.
      const lead = node.rawCode.length - node.rawCode.trimStart().length;
      const leadLines = node.rawCode.slice(0, lead).split("\n").length - 1;
      if (idx < 0 && node.rawCode.trim().split("\n").length === compiled.split("\n").length) idx = leadLines + cLine - 1;
      if (idx >= 0) where = `${node.originalFilePath}:${node.line + idx}`;
      shown = `\n  compiled SQL (line ${cLine}):\n${indent(excerpt(compiled, cLine))}`;
    }
  }
  if (!shown && sLine !== undefined) shown = `\n  statement (line ${sLine}):\n${indent(excerpt(statement, sLine))}`;
  if (!shown && compiled) shown = `\n  compiled SQL:\n${indent(excerpt(compiled, 1, 4))}`;
  return new StrataError("WAREHOUSE_QUERY", `${label(node)} failed (${where}): ${message}${shown}`, {
    where,
    hint: `See the compiled SQL above; the model's source is ${node.originalFilePath}.`,
    details: { uniqueId: node.uniqueId, compiledSql: compiled, statement },
    cause: err,
  });
}

/** Compile (Jinja) errors: keep the compiler's file:line and show the source lines around it. */
export function compileNodeError(node: DbtNode, err: unknown): StrataError {
  const e = err instanceof StrataError ? err : new StrataError("SQL_COMPILE", (err as Error)?.message ?? String(err), { cause: err });
  const where = e.where ?? `${node.originalFilePath}:${node.line}`;
  const m = /:(\d+)$/.exec(where);
  const line = m && where.startsWith(node.originalFilePath) ? Number(m[1]) - node.line + 1 : undefined;
  const shown = line !== undefined && line >= 1 ? `\n  source (${node.originalFilePath}):\n${indent(excerpt(node.rawCode, line, 2, node.line))}` : "";
  const msg = e.message.includes(where) ? e.message : `${label(node)} failed to compile (${where}): ${e.message}`;
  return new StrataError(e.code, `${msg}${shown}`, { where, ...(e.hint ? { hint: e.hint } : {}), details: { uniqueId: node.uniqueId }, cause: e.cause ?? e });
}

function indent(s: string): string {
  return s.split("\n").map((l) => `    ${l}`).join("\n");
}
