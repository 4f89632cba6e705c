/**
 * The error of importing a project module (a `.ts` file under `defs/`, a `template_vars.ts`, a
 * component module): `file:line:col` of the syntax error or of the throwing line, and only the
 * project's own stack frames (the CLI prints them; Strata's internal frames say nothing to users).
 */
import { relative } from "node:path";
import { StrataError } from "@strata/core";

const FRAME = /(?:file:\/\/)?(\/[^\s():]+):(\d+):(\d+)/;

/** A frame inside the project (not node_modules, not the instance folder). */
function isProjectFrame(line: string, root: string): boolean {
  const m = FRAME.exec(line);
  if (!m) return false;
  const file = decodeURIComponent(m[1]!);
  return file.startsWith(root + "/") && !file.includes("/node_modules/") && !file.includes("/.strata/");
}

/** Wraps an import failure of `file` (absolute) as DEFS_IMPORT_FAILED. StrataErrors pass through. */
export function importFailure(err: unknown, file: string, root: string, what = "Loading"): StrataError {
  if (err instanceof StrataError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const rel = relative(root, file);
  const esbuild = /(\/[^\s:]+):(\d+):(\d+): ERROR: (.+)/.exec(e.message);
  if (esbuild) {
    const at = decodeURIComponent(esbuild[1]!);
    return new StrataError(
      "DEFS_IMPORT_FAILED",
      `${what} ${rel} failed: syntax error: ${esbuild[4]!.trim()}`,
      {
        where: `${relative(root, at)}:${esbuild[2]}:${Number(esbuild[3]) + 1}`,
        hint: "Fix the syntax error at that position.",
      },
    );
  }
  const frames = (e.stack ?? "").split("\n").filter((l) => isProjectFrame(l, root));
  const top = frames.length ? FRAME.exec(frames[0]!) : null;
  const where = top ? `${relative(root, decodeURIComponent(top[1]!))}:${top[2]}:${top[3]}` : rel;
  const firstLine =
    e.message
      .split("\n")
      .find((l) => l.trim() !== "")
      ?.trim() ?? e.message;
  const cause = new Error(firstLine);
  cause.stack = [`${e.name}: ${firstLine}`, ...frames].join("\n");
  return new StrataError("DEFS_IMPORT_FAILED", `${what} ${rel} failed: ${firstLine}`, {
    where,
    hint:
      e.name === "SyntaxError"
        ? "Fix the syntax error in that file."
        : "The module threw while being imported; fix the error at that position.",
    ...(frames.length ? { cause } : {}),
  });
}
