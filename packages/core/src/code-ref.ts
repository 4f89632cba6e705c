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

const FRAME = /\(?((?:file:\/\/)?\/[^():]+|[A-Za-z]:\\[^():]+):(\d+):(\d+)\)?\s*$/;

/** The first stack frame outside Strata's own packages. Cheap enough for 10,000 calls. */
export function captureCodeRef(): CodeRef | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 12;
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = limit;
  const lines = stack.split("\n");
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (INTERNAL.some((p) => line.includes(p)) || extraInternal.some((p) => line.includes(p))) continue;
    const m = FRAME.exec(line);
    if (!m) continue;
    const file = m[1]!.startsWith("file://") ? decodeURIComponent(m[1]!.slice(7)) : m[1]!;
    return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}

export function formatCodeRef(ref: CodeRef | undefined, relativeTo?: string): string | undefined {
  if (!ref) return undefined;
  let file = ref.file;
  if (relativeTo && file.startsWith(relativeTo + "/")) file = file.slice(relativeTo.length + 1);
  return `${file}:${ref.line}`;
}
