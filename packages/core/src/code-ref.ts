import { findSourceMap, type SourceMapping } from "node:module";

/**
 * Where a definition was written. Captured from the call stack of `asset()` & co, so every
 * asset can link to its source (`file:line`), and errors can point at it.
 */
export interface CodeRef {
  file: string;
  line: number;
  column?: number;
}

const INTERNAL = [
  "/packages/core/",
  "/packages/strata/",
  "/packages/engine/",
  "/node_modules/strata/",
  "/node_modules/@strata/",
  "node:internal",
  "/node_modules/tsx/",
];

/** Extra path fragments to skip (integrations that define assets on the user's behalf). */
const extraInternal: string[] = [];

/** Lets an integration mark its own files as internal so code refs point at the user's file. */
export function registerInternalPath(fragment: string): void {
  if (!extraInternal.includes(fragment)) extraInternal.push(fragment);
}

const TEST_FILE = /\.(test|spec)\.[cm]?[jt]sx?$/;

const FRAME = /\(?((?:file:\/\/)?\/[^():]+|[A-Za-z]:\\[^():]+):(\d+):(\d+)\)?\s*$/;

/** The first stack frame outside Strata's own packages. Cheap enough for 10,000 calls. */
export function captureCodeRef(): CodeRef | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 12;
  let sites: NodeJS.CallSite[] | undefined;
  let stack = "";
  try {
    sites = callSites();
    if (!sites) stack = new Error().stack ?? "";
  } finally {
    Error.stackTraceLimit = limit;
  }
  if (sites) return firstUserSite(sites);
  const lines = stack.split("\n");
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const m = FRAME.exec(line);
    if (!m) continue;
    const file = m[1]!.startsWith("file://") ? decodeURIComponent(m[1]!.slice(7)) : m[1]!;
    // Test files are the caller's code even when they sit beside Strata's own sources.
    const internal = INTERNAL.some((p) => line.includes(p)) || extraInternal.some((p) => line.includes(p));
    if (internal && !TEST_FILE.test(file)) continue;
    return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}

/**
 * Structured call sites, when Node's own stack formatter is in place. Reading `new Error().stack`
 * makes that formatter source-map every frame (under tsx: ~60 µs per call, most of loading
 * 10,000 assets); here only the frame we keep is mapped, with the same source maps. A custom
 * formatter (a test runner mapping its own transforms) gets the text path instead.
 */
function callSites(): NodeJS.CallSite[] | undefined {
  const formatter = Error.prepareStackTrace;
  if (formatter !== undefined && formatter.name !== "ErrorPrepareStackTrace") return undefined;
  const holder: { stack?: unknown } = {};
  Error.prepareStackTrace = (_err, callSites) => callSites;
  try {
    Error.captureStackTrace(holder, captureCodeRef);
    return Array.isArray(holder.stack) ? (holder.stack as NodeJS.CallSite[]) : undefined;
  } finally {
    Error.prepareStackTrace = formatter;
  }
}

function firstUserSite(sites: readonly NodeJS.CallSite[]): CodeRef | undefined {
  for (const site of sites) {
    const name = site.getFileName();
    const line = site.getLineNumber();
    const column = site.getColumnNumber();
    if (!name || line === null || column === null || !(name.startsWith("/") || name.startsWith("file://") || /^[A-Za-z]:\\/.test(name))) continue;
    const ref = originalPosition(name, line, column);
    const internal = INTERNAL.some((p) => ref.file.includes(p)) || extraInternal.some((p) => ref.file.includes(p));
    if (internal && !TEST_FILE.test(ref.file)) continue;
    return ref;
  }
  return undefined;
}

/** Maps a generated position through the module's source map (as Node's stack formatter does). */
function originalPosition(name: string, line: number, column: number): CodeRef {
  const found = process.sourceMapsEnabled ? findSourceMap(name)?.findEntry(line - 1, column - 1) : undefined;
  // findEntry returns {} when the position has no mapping.
  const entry = found as Partial<SourceMapping> | undefined;
  if (entry?.originalSource !== undefined && entry.originalLine !== undefined && entry.originalColumn !== undefined) {
    return { file: fromUrl(entry.originalSource), line: entry.originalLine + 1, column: entry.originalColumn + 1 };
  }
  return { file: fromUrl(name), line, column };
}

const fromUrl = (f: string): string => (f.startsWith("file://") ? decodeURIComponent(f.slice(7)) : f);

export function formatCodeRef(ref: CodeRef | undefined, relativeTo?: string): string | undefined {
  if (!ref) return undefined;
  let file = ref.file;
  if (relativeTo && file.startsWith(relativeTo + "/")) file = file.slice(relativeTo.length + 1);
  return `${file}:${ref.line}`;
}
