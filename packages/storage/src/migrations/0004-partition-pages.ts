import type { Migration } from "../migration.ts";
import { buildPartitionPages } from "../partition-pages.ts";

/**
 * The partition status summary (`asset_partition_pages`, see partition-pages.ts), built from the
 * existing `asset_partitions` rows; and what each backfill chunk needs from the chunks it depends
 * on (`backfill_chunks.needs`, JSON), so a chunk is skipped only when a partition it reads failed.
 */
export const migration0004PartitionPages: Migration = {
  version: 4,
  name: "partition_pages",
  async up(db, types) {
    await db.schema
      .createTable("asset_partition_pages")
      .addColumn("asset_key", "text", (c) => c.notNull())
      .addColumn("lo", "text", (c) => c.notNull())
      .addColumn("entries", "integer", (c) => c.notNull())
      .addColumn("max_materialized_at", types.bigint)
      .addColumn("body", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("asset_partition_pages_pk", ["asset_key", "lo"])
      .execute();
    await db.schema.alterTable("backfill_chunks").addColumn("needs", "text").execute();
    // Migrations run in one write transaction that holds the database: no row locks needed.
    // 999 bind parameters is the smallest limit of any supported database.
    await buildPartitionPages(db, { rowLocks: false, maxParameters: 999 });
  },
};
