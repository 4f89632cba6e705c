import { StrataError, type StrataErrorCode } from "@strata/core";

/**
 * One problem found in a YAML definitions file, with its exact position. `strata check yaml`
 * collects all of them; loading (`strata check defs`) throws the first as a StrataError
 * carrying the others in `details.problems`.
 */
export interface Problem {
  code: StrataErrorCode;
  message: string;
  /** File path as shown to the user (relative to the project root when inside it). */
  file: string;
  line: number;
  col: number;
  hint?: string;
  /** Warnings are printed but do not fail `check yaml`. */
  severity?: "error" | "warning";
}

/** `file:line:col`. */
export const where = (p: { file: string; line: number; col: number }): string => `${p.file}:${p.line}:${p.col}`;

/** One line per problem (plus its hint), as printed by `strata check yaml`. */
export function formatProblem(p: Problem): string {
  const level = p.severity === "warning" ? "warning" : "error";
  return `${where(p)}: ${level}[${p.code}] ${p.message}${p.hint ? `\n    hint: ${p.hint}` : ""}`;
}

/** Turns problems into one StrataError (the first problem's code and position; all of them in the message). */
export function problemsError(problems: readonly Problem[]): StrataError {
  const errors = problems.filter((p) => p.severity !== "warning");
  const first = errors[0] ?? problems[0]!;
  const message =
    errors.length <= 1
      ? first.message
      : `${first.message}\n  (and ${errors.length - 1} more problem${errors.length > 2 ? "s" : ""}:\n${errors
          .slice(1)
          .map((p) => `   ${where(p)}: ${p.message}`)
          .join("\n")})`;
  return new StrataError(first.code, message, {
    where: where(first),
    ...(first.hint ? { hint: first.hint } : {}),
    details: { problems: errors.map((p) => ({ ...p })) },
  });
}
