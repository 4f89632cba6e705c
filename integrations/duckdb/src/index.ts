/**
 * `@strata/duckdb`: DuckDB for Strata — a resource ({@link duckdbResource}) giving a
 * {@link DuckDBClient}, an I/O manager ({@link duckdbIOManager}) storing outputs as tables or
 * parquet with automatic metadata, and helpers for hand-written DuckDB assets.
 */
export { DuckDBClient, openDuckDB, type DuckDBClientOptions } from "./client.ts";
export { duckdbResource, duckdbConfigSchema, defaultWarehousePath, type DuckDBResourceConfig } from "./resource.ts";
export { duckdbIOManager, duckdbIOManagerConfigSchema, type DuckDBIOManagerConfig } from "./io-manager-resource.ts";
export { DuckDBIOManager, type DuckDBIOManagerOptions } from "./io-manager.ts";
export { DuckDBRelation } from "./relation.ts";
export { tablePreviewMetadata, type TableMetadataOptions } from "./table-metadata.ts";
export { quoteIdent, quoteLiteral, qualified, parseTableRef, type TableRef } from "./identifiers.ts";
export { assetTable, parquetPath } from "./asset-location.ts";
export { inferColumns } from "./append.ts";
export { truncateSql } from "./errors.ts";
export { isArrowLike, type ArrowLikeTable } from "./output-value.ts";
export { openDatabasePaths } from "./database-cache.ts";
export type { AppendOptions, ColumnInfo, DuckDBQueryable, Row, SqlParams } from "./types.ts";
export type { JsValue } from "./convert.ts";
