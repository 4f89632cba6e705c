import { join } from "node:path";
import { resource, type ConfigValues, type ResourceDefinition } from "@strata/core";
import { z } from "zod";
import { openDuckDB, type DuckDBClient } from "./client.ts";

/** Config of {@link duckdbResource}; also the connection part of the I/O manager's config. */
export const duckdbConfigSchema = z.object({
  /** Database file; default `<instanceDir>/warehouse.duckdb`. `:memory:` for tests. */
  path: z.string().min(1).optional(),
  readOnly: z.boolean().default(false),
  /** Default schema for unqualified table names. */
  schema: z.string().min(1).default("main"),
  threads: z.number().int().positive().optional(),
  /** DuckDB memory limit, e.g. "2GB". */
  memoryLimit: z.string().regex(/^\s*\d+(\.\d+)?\s*[KMGT]i?B\s*$/i, 'a size such as "512MB" or "2GB"').optional(),
  /**
   * How long to wait (ms) while another process (a concurrent run) holds the file's write
   * lock before failing with WAREHOUSE_LOCKED. Runs on one warehouse file queue up meanwhile.
   */
  lockTimeoutMs: z.number().int().min(0).default(60_000),
});

export type DuckDBResourceConfig = z.input<typeof duckdbConfigSchema>;

/** Where the warehouse lives when no path is configured. */
export function defaultWarehousePath(instanceDir: string): string {
  return join(instanceDir, "warehouse.duckdb");
}

/**
 * A Strata resource whose value is a {@link DuckDBClient}. The file defaults to
 * `<instanceDir>/warehouse.duckdb`; every resource, I/O manager and client on the same path
 * in a process shares one DuckDB instance, and teardown releases it (the last release closes
 * the file, so other processes can open it). A second *process* opening the file read-write
 * while this one holds it waits for the lock (`lockTimeoutMs`, default 60 s: concurrent runs
 * on one warehouse queue up), then fails with `WAREHOUSE_LOCKED`, naming the file and holder PID.
 *
 * @example
 * defineDefinitions({
 *   assets: [orders],
 *   resources: { warehouse: duckdbResource({ schema: "analytics", memoryLimit: "2GB" }) },
 * });
 * const orders = asset({ name: "orders", resources: ["warehouse"] }, async (ctx) => {
 *   const db = ctx.resource<DuckDBClient>("warehouse");
 *   return db.query("select * from raw.orders where day = $1", [ctx.partitionKey]);
 * });
 */
export function duckdbResource(
  config: Partial<ConfigValues<typeof duckdbConfigSchema>> = {},
): ResourceDefinition<DuckDBClient, typeof duckdbConfigSchema> {
  return resource({
    description: "DuckDB warehouse",
    config: duckdbConfigSchema,
    create: (cfg, ctx) =>
      openDuckDB({
        path: cfg.path ?? defaultWarehousePath(ctx.instanceDir),
        readOnly: cfg.readOnly,
        schema: cfg.schema,
        threads: cfg.threads,
        memoryLimit: cfg.memoryLimit,
        lockTimeoutMs: cfg.lockTimeoutMs,
        onLockWait: (holder) => ctx.log(`Waiting for the DuckDB file lock held by ${holder}`),
      }),
    teardown: (client) => client.close(),
  }).configure(config);
}
