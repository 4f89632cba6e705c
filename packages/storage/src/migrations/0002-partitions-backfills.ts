import type { Migration } from "../migration.ts";

/**
 * The asset partition status index, dynamic partition sets, and backfills with their chunks.
 * `asset_partitions` needs no separate (asset_key) index: its primary key starts with it.
 */
export const migration0002PartitionsBackfills: Migration = {
  version: 2,
  name: "partitions_backfills",
  async up(db, types) {
    const s = db.schema;
    await s
      .createTable("asset_partitions")
      .addColumn("asset_key", "text", (c) => c.notNull())
      .addColumn("partition", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("last_materialized_at", types.bigint)
      .addColumn("last_materialization_event_id", types.bigint)
      .addColumn("last_materialization_run_id", "text")
      .addColumn("last_run_id", "text")
      .addColumn("last_failed_at", types.bigint)
      .addColumn("updated_at", types.bigint, (c) => c.notNull())
      .addPrimaryKeyConstraint("asset_partitions_pk", ["asset_key", "partition"])
      .execute();
    // When a run ends, the rows it left in_progress are found through this index.
    await s.createIndex("asset_partitions_run").on("asset_partitions").columns(["last_run_id", "status"]).execute();

    // `position` (auto-increment) keeps each set's keys in insertion order.
    await s
      .createTable("dynamic_partitions")
      .addColumn("position", types.id.type, types.id.modify)
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("partition_key", "text", (c) => c.notNull())
      .addColumn("added_at", types.bigint, (c) => c.notNull())
      .addUniqueConstraint("dynamic_partitions_name_key", ["name", "partition_key"])
      .execute();
    await s.createIndex("dynamic_partitions_order").on("dynamic_partitions").columns(["name", "position"]).execute();

    await s
      .createTable("backfills")
      .addColumn("id", types.id.type, types.id.modify)
      .addColumn("backfill_id", "text", (c) => c.notNull().unique())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("selection", "text", (c) => c.notNull())
      .addColumn("asset_keys", "text", (c) => c.notNull())
      .addColumn("partition_selection", "text", (c) => c.notNull())
      .addColumn("tags", "text", (c) => c.notNull())
      .addColumn("max_concurrent_runs", "integer", (c) => c.notNull())
      .addColumn("location", "text", (c) => c.notNull())
      .addColumn("created_at", types.bigint, (c) => c.notNull())
      .addColumn("updated_at", types.bigint, (c) => c.notNull())
      .addColumn("ended_at", types.bigint)
      .addColumn("error", "text")
      .execute();
    await s.createIndex("backfills_created").on("backfills").columns(["created_at", "id"]).execute();
    await s.createIndex("backfills_status").on("backfills").columns(["status", "created_at"]).execute();

    // No foreign key to runs: deleting a run must not fail because a backfill launched it.
    await s
      .createTable("backfill_chunks")
      .addColumn("backfill_id", "text", (c) => c.notNull().references("backfills.backfill_id").onDelete("cascade"))
      .addColumn("chunk_id", "integer", (c) => c.notNull())
      .addColumn("asset_keys", "text", (c) => c.notNull())
      .addColumn("partition_keys", "text", (c) => c.notNull())
      .addColumn("partition_range", "text")
      .addColumn("depends_on", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("run_id", "text")
      .addColumn("attempts", "integer", (c) => c.notNull())
      .addColumn("updated_at", types.bigint, (c) => c.notNull())
      .addPrimaryKeyConstraint("backfill_chunks_pk", ["backfill_id", "chunk_id"])
      .execute();
    await s.createIndex("backfill_chunks_status").on("backfill_chunks").columns(["backfill_id", "status"]).execute();
  },
};
