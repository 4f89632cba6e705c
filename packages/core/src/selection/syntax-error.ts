import { StrataError } from "../errors.ts";

export interface SelectionErrorDetails {
  /** 1-based position in the input (UTF-16 code units; newlines count as one). */
  column: number;
  expected?: string;
  found?: string;
  /** A known name close to an unknown attribute or function name. */
  suggestion?: string;
}

/** Builds the `SELECTION_SYNTAX` error every parse failure throws. */
export function selectionSyntaxError(
  problem: string,
  details: SelectionErrorDetails,
  hint?: string,
): StrataError {
  return new StrataError("SELECTION_SYNTAX", `Invalid selection at column ${details.column}: ${problem}`, {
    where: `column ${details.column}`,
    hint,
    details: { ...details },
  });
}

/**
 * Shows where a selection error is: the offending line of the input with a caret under the
 * column. Anything that is not a selection syntax error gives the input back unchanged.
 *
 * @example
 * try { parseSelection("key:raw and") } catch (err) {
 *   console.error(formatSelectionError("key:raw and", err));
 *   // key:raw and
 *   //            ^
 * }
 */
export function formatSelectionError(input: string, err: unknown): string {
  if (!(err instanceof StrataError) || err.code !== "SELECTION_SYNTAX") return input;
  const column = err.details?.["column"];
  if (typeof column !== "number" || !Number.isInteger(column) || column < 1) return input;
  const offset = Math.min(column - 1, input.length);
  const lineStart = input.lastIndexOf("\n", offset - 1) + 1;
  const nl = input.indexOf("\n", offset);
  const line = input.slice(lineStart, nl === -1 ? input.length : nl);
  // Keep tabs so the caret lines up however the terminal renders them.
  const pad = input.slice(lineStart, offset).replace(/[^\t]/g, " ");
  return `${line}\n${pad}^`;
}
