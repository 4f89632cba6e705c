/**
 * The dbt project in `dbt/` as Strata assets: one asset per model, seed and snapshot, its
 * tests as checks. Keys are the DuckDB relations (`silver/orders` is table `silver.orders`),
 * and the project's `shop` source maps onto the bronze assets that land it, so the lineage
 * runs bronze → staging → silver → gold without a gap.
 */
import { fileURLToPath } from "node:url";
import { dbtAssets, dbtSourceAssets, type DbtAssetsOptions } from "@strata/sql";
import { bronzeCustomers, bronzeOrders } from "./bronze.ts";

export const dbtProject: DbtAssetsOptions = {
  projectDir: fileURLToPath(new URL("../dbt", import.meta.url)),
  // Run on the warehouse resource (the same DuckDB file the I/O managers use). `strata sql build`
  // run by hand uses profiles.yml instead, which points at the same file.
  resource: "warehouse",
  // Asset key = relation: staging/stg_orders, silver/orders, gold/revenue_by_customer_day, ...
  nodeKey: (node) => [node.relation.schema, node.relation.identifier],
  // source('shop', 'orders') reads bronze.orders, which the bronze/orders asset produces.
  sourceKey: (_source, table) => ["bronze", table],
  name: "dbt_medallion",
};

export const dbtModels = dbtAssets(dbtProject);

/**
 * External assets for sources nobody in this project produces. Both `shop` tables are landed
 * by our own bronze assets, so this is empty here; a new source added to the YAML would show
 * up as an external asset until an ingestion asset takes it over.
 */
export const dbtSources = dbtSourceAssets(dbtProject, { except: [bronzeOrders.key, bronzeCustomers.key] });
