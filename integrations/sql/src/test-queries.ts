/**
 * How a compiled test is run, like dbt's test materialization: count failing rows and compare
 * with `warn_if`/`error_if` (default `!= 0`); plus a query for a sample of failing rows.
 *
 * @example
 * testResultQuery("select * from t where id is null", { severity: "warn" });
 * // select count(*) as failures, count(*) != 0 as should_warn, count(*) != 0 as should_error from (...) dbt_internal_test
 */
import type { ConfigMap } from "./config-merge.ts";

export function testResultQuery(compiledSql: string, config: ConfigMap = {}): string {
  const fail = typeof config.fail_calc === "string" ? config.fail_calc : "count(*)";
  const warnIf = typeof config.warn_if === "string" ? config.warn_if : "!= 0";
  const errorIf = typeof config.error_if === "string" ? config.error_if : "!= 0";
  const limit = typeof config.limit === "number" ? `\nlimit ${config.limit}` : "";
  return `select\n  ${fail} as failures,\n  ${fail} ${warnIf} as should_warn,\n  ${fail} ${errorIf} as should_error\nfrom (\n${compiledSql}${limit}\n) dbt_internal_test`;
}

export function failingRowsQuery(compiledSql: string, limit = 10): string {
  return `select * from (\n${compiledSql}\n) dbt_internal_test limit ${limit}`;
}

/** A test's severity, normalised: dbt accepts any case. */
export function testSeverity(config: ConfigMap): "error" | "warn" {
  return String(config.severity ?? "error").toLowerCase() === "warn" ? "warn" : "error";
}

/** dbt's test status from the result row. */
export function testStatus(row: { failures: number; should_warn: boolean; should_error: boolean }, config: ConfigMap): "pass" | "warn" | "fail" {
  if (testSeverity(config) === "error" && row.should_error) return "fail";
  if (row.should_warn) return "warn";
  return "pass";
}
