/**
 * Inlines ephemeral models as CTEs like dbt: when the SQL starts with `with`, the CTEs are
 * added to that clause; otherwise a `with` clause is prepended.
 *
 * @example
 * injectCtes("select * from __dbt__cte__a", [{ name: "__dbt__cte__a", sql: "select 1 as x" }]);
 * // "with __dbt__cte__a as (\nselect 1 as x\n) select * from __dbt__cte__a"
 */
export interface Cte {
  name: string;
  sql: string;
}

/** Index of the first SQL token, skipping whitespace and comments. */
function firstToken(sql: string): number {
  let i = 0;
  while (i < sql.length) {
    if (/\s/.test(sql[i]!)) i++;
    else if (sql.startsWith("--", i)) {
      const nl = sql.indexOf("\n", i);
      i = nl < 0 ? sql.length : nl + 1;
    } else if (sql.startsWith("/*", i)) {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else return i;
  }
  return i;
}

export function injectCtes(sql: string, ctes: readonly Cte[]): string {
  if (ctes.length === 0) return sql;
  const body = ctes.map((c) => `${c.name} as (\n${c.sql.trim()}\n)`).join(", ");
  const i = firstToken(sql);
  const m = /^with(\s+recursive)?\b/i.exec(sql.slice(i));
  if (m) {
    const after = i + m[0].length;
    return `${sql.slice(0, i)}${m[0]} ${body},${sql.slice(after)}`;
  }
  return `${sql.slice(0, i)}with ${body}\n${sql.slice(i)}`;
}
