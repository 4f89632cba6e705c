import pc from "picocolors";
import { StrataError, serializeError, type SerializedError } from "@strata/core";

/** Exit codes: documented in the README's CLI section. */
export const EXIT = { ok: 0, failure: 1, usage: 2, canceled: 130 } as const;

export class CliExit extends Error {
  constructor(readonly code: number, message = "") {
    super(message);
  }
}

/** Prints an error the way every command does: code, message, where, asset, hint. No stack for StrataErrors. */
export function printError(err: unknown, stream: NodeJS.WritableStream = process.stderr): void {
  stream.write(formatError(err));
}

/** What {@link printError} prints, as one string (for callers that print it together with more, in one write). */
export function formatError(err: unknown): string {
  const e: SerializedError = serializeError(err);
  const lines = [`${pc.red(pc.bold(`error[${e.code}]`))} ${e.message}`];
  if (e.where) lines.push(`  ${pc.dim("-->")} ${e.where}`);
  if (e.assetKey && !e.message.includes(e.assetKey)) lines.push(`  ${pc.dim("asset:")} ${e.assetKey}`);
  if (e.details?.caret && typeof e.details.caret === "string") lines.push(indent(e.details.caret));
  if (e.hint) lines.push(`  ${pc.cyan("hint:")} ${e.hint}`);
  if (!(err instanceof StrataError) && e.code === "USER_CODE" && e.stack) lines.push(pc.dim(indent(e.stack)));
  if (e.cause && e.code === "DEFS_IMPORT_FAILED" && e.cause.stack) lines.push(pc.dim(indent(trimStack(e.cause.stack))));
  return lines.join("\n") + "\n";
}

function indent(s: string): string {
  return s
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}

/** Keeps the user-relevant top of a stack. */
function trimStack(stack: string): string {
  return stack
    .split("\n")
    .filter((l) => !l.includes("node:internal") && !l.includes("/node_modules/tsx/"))
    .slice(0, 8)
    .join("\n");
}

export function parseTags(values: string[] | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const v of values ?? []) {
    const i = v.indexOf("=");
    if (i <= 0) throw new StrataError("USAGE", `Invalid tag "${v}"`, { hint: "Use --tag key=value." });
    tags[v.slice(0, i)] = v.slice(i + 1);
  }
  return tags;
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return "-";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${Math.round((ms % 60_000) / 1000)}s`;
}

export function formatTime(ts: number | undefined): string {
  if (ts === undefined) return "-";
  const d = new Date(ts);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

const STATUS_COLOR: Record<string, (s: string) => string> = {
  SUCCESS: pc.green,
  FAILURE: pc.red,
  CANCELED: pc.yellow,
  CANCELING: pc.yellow,
  STARTED: pc.blue,
  STARTING: pc.blue,
  QUEUED: pc.dim,
  NOT_STARTED: pc.dim,
};

export function colorStatus(status: string): string {
  return (STATUS_COLOR[status] ?? ((s: string) => s))(status);
}

/** A plain table: columns padded to their widest cell. */
export function table(rows: string[][], header: string[]): string {
  // eslint-disable-next-line no-control-regex -- strips ANSI colour codes to measure width
  const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => strip(r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat(widths[i]! - strip(c).length))).join("  ");
  return [pc.bold(line(header)), ...rows.map(line)].join("\n");
}
