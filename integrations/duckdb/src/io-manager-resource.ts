import { resource, type ConfigValues, type ResourceDefinition } from "@strata/core";
import { z } from "zod";
import { openDuckDB } from "./client.ts";
import { DuckDBIOManager } from "./io-manager.ts";
import { defaultWarehousePath, duckdbConfigSchema } from "./resource.ts";

/** Config of {@link duckdbIOManager}: the connection settings of `duckdbResource` plus storage options. */
export const duckdbIOManagerConfigSchema = duckdbConfigSchema.extend({
  format: z.enum(["table", "parquet"]).default("table"),
  parquetDir: z.string().min(1).optional(),
  partitionColumn: z.string().min(1).default("partition_key"),
  loadAs: z.enum(["rows", "relation"]).default("rows"),
  previewRows: z.number().int().min(0).max(1000).default(10),
});

export type DuckDBIOManagerConfig = z.input<typeof duckdbIOManagerConfigSchema>;

/**
 * An I/O manager resource storing asset outputs in DuckDB: as a table named after the asset
 * key (`raw/orders` → `raw.orders`), or with `format: "parquet"` as
 * `<instanceDir>/parquet/raw/orders.parquet` (partitions: `raw/orders/<partition>.parquet`)
 * plus a view `raw.orders` over the file(s). It opens (or shares) the DuckDB instance for its
 * own `path` — the same default file as `duckdbResource`, so both see the same tables.
 * Every materialisation it stores gets `row_count`, `column_schema`, `table_name`, `uri`
 * and `preview` metadata.
 *
 * @example
 * defineDefinitions({
 *   assets: [orders, dailyTotals],
 *   resources: {
 *     io_manager: duckdbIOManager(),                         // default for every asset
 *     lake: duckdbIOManager({ format: "parquet" }),          // asset({ io: "lake", ... })
 *     warehouse: duckdbResource(),
 *   },
 * });
 */
export function duckdbIOManager(
  config: Partial<ConfigValues<typeof duckdbIOManagerConfigSchema>> = {},
): ResourceDefinition<DuckDBIOManager, typeof duckdbIOManagerConfigSchema> {
  return resource({
    description: "DuckDB I/O manager",
    config: duckdbIOManagerConfigSchema,
    create: async (cfg, ctx) => {
      const db = await openDuckDB({
        path: cfg.path ?? defaultWarehousePath(ctx.instanceDir),
        readOnly: cfg.readOnly,
        schema: cfg.schema,
        threads: cfg.threads,
        memoryLimit: cfg.memoryLimit,
        lockTimeoutMs: cfg.lockTimeoutMs,
        onLockWait: (holder) => ctx.log(`Waiting for the DuckDB file lock held by ${holder}`),
      });
      return new DuckDBIOManager(db, {
        schema: cfg.schema,
        format: cfg.format,
        parquetDir: cfg.parquetDir,
        partitionColumn: cfg.partitionColumn,
        loadAs: cfg.loadAs,
        previewRows: cfg.previewRows,
      });
    },
    teardown: (manager) => manager.db.close(),
  }).configure(config);
}
