/**
 * Opens the adapter a profiles.yml target describes.
 *
 * @example
 * const adapter = await openAdapter(project.target);
 */
import type { DbtTarget } from "../profiles.ts";
import type { SqlAdapter } from "./adapter.ts";
import { openDuckDBAdapter } from "./duckdb.ts";
import { openPostgresAdapter } from "./postgres.ts";

export async function openAdapter(target: DbtTarget): Promise<SqlAdapter> {
  if (target.type === "duckdb") return openDuckDBAdapter({ path: target.path ?? ":memory:", threads: target.threads });
  return openPostgresAdapter({
    database: target.database, threads: target.threads,
    ...(target.host ? { host: target.host } : {}), ...(target.port ? { port: target.port } : {}),
    ...(target.user ? { user: target.user } : {}), ...(target.password ? { password: target.password } : {}),
  });
}
