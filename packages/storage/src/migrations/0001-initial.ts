import type { Migration } from "../migration.ts";

/** The initial schema: runs, events, derived indexes, key-value and pools. */
export const migration0001Initial: Migration = {
  version: 1,
  name: "initial",
  async up(db, types) {
    const s = db.schema;
    await s
      .createTable("runs")
      .addColumn("id", types.id.type, types.id.modify)
      .addColumn("run_id", "text", (c) => c.notNull().unique())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("selection", "text", (c) => c.notNull())
      .addColumn("asset_keys", "text", (c) => c.notNull())
      .addColumn("check_keys", "text", (c) => c.notNull())
      .addColumn("tags", "text", (c) => c.notNull())
      .addColumn("location", "text", (c) => c.notNull())
      .addColumn("config", "text", (c) => c.notNull())
      .addColumn("parent_run_id", "text")
      .addColumn("root_run_id", "text")
      .addColumn("partition_key", "text")
      .addColumn("worker_pid", "integer")
      .addColumn("worker_host", "text")
      .addColumn("created_at", types.bigint, (c) => c.notNull())
      .addColumn("started_at", types.bigint)
      .addColumn("ended_at", types.bigint)
      .addColumn("updated_at", types.bigint, (c) => c.notNull())
      .addColumn("heartbeat_at", types.bigint)
      .execute();
    await s.createIndex("runs_created").on("runs").columns(["created_at", "id"]).execute();
    await s.createIndex("runs_status").on("runs").columns(["status", "created_at"]).execute();

    await s
      .createTable("run_tags")
      .addColumn("run_id", "text", (c) => c.notNull().references("runs.run_id").onDelete("cascade"))
      .addColumn("key", "text", (c) => c.notNull())
      .addColumn("value", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("run_tags_pk", ["run_id", "key"])
      .execute();
    await s.createIndex("run_tags_key_value").on("run_tags").columns(["key", "value", "run_id"]).execute();

    await s
      .createTable("run_assets")
      .addColumn("run_id", "text", (c) => c.notNull().references("runs.run_id").onDelete("cascade"))
      .addColumn("asset_key", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("run_assets_pk", ["run_id", "asset_key"])
      .execute();
    await s.createIndex("run_assets_asset").on("run_assets").columns(["asset_key", "run_id"]).execute();

    // No foreign key to runs: ASSET_WIPED and other run-less events are stored with run_id "".
    await s
      .createTable("event_logs")
      .addColumn("id", types.id.type, types.id.modify)
      .addColumn("run_id", "text", (c) => c.notNull())
      .addColumn("type", "text", (c) => c.notNull())
      .addColumn("timestamp", types.bigint, (c) => c.notNull())
      .addColumn("level", "text", (c) => c.notNull())
      .addColumn("message", "text", (c) => c.notNull())
      .addColumn("step_key", "text")
      .addColumn("asset_key", "text")
      .addColumn("check_key", "text")
      .addColumn("partition_key", "text")
      .addColumn("data", "text")
      .execute();
    await s.createIndex("event_logs_run").on("event_logs").columns(["run_id", "id"]).execute();
    // Partial indexes keep the many LOG/STEP events out of the asset and check lookups.
    await s
      .createIndex("event_logs_asset")
      .on("event_logs")
      .columns(["asset_key", "type", "id"])
      .where("asset_key", "is not", null)
      .execute();
    await s
      .createIndex("event_logs_check")
      .on("event_logs")
      .columns(["check_key", "type", "id"])
      .where("check_key", "is not", null)
      .execute();

    await s
      .createTable("asset_index")
      .addColumn("asset_key", "text", (c) => c.primaryKey())
      .addColumn("last_mat_event_id", types.bigint)
      .addColumn("last_mat_run_id", "text")
      .addColumn("last_mat_timestamp", types.bigint)
      .addColumn("last_planned_run_id", "text")
      .addColumn("last_run_id", "text")
      .addColumn("last_failed_run_id", "text")
      .addColumn("last_failed_at", types.bigint)
      .addColumn("wiped_at", types.bigint)
      .addColumn("wiped_event_id", types.bigint)
      .execute();

    await s
      .createTable("check_status")
      .addColumn("check_key", "text", (c) => c.primaryKey())
      .addColumn("asset_key", "text", (c) => c.notNull())
      .addColumn("last_event_id", types.bigint, (c) => c.notNull())
      .addColumn("last_run_id", "text", (c) => c.notNull())
      .addColumn("last_timestamp", types.bigint, (c) => c.notNull())
      .addColumn("passed", "integer", (c) => c.notNull())
      .addColumn("severity", "text", (c) => c.notNull())
      .execute();
    await s.createIndex("check_status_asset").on("check_status").column("asset_key").execute();

    await s
      .createTable("kv")
      .addColumn("key", "text", (c) => c.primaryKey())
      .addColumn("value", "text", (c) => c.notNull())
      .addColumn("updated_at", types.bigint, (c) => c.notNull())
      .execute();

    await s
      .createTable("pools")
      .addColumn("pool", "text", (c) => c.primaryKey())
      .addColumn("slot_limit", "integer", (c) => c.notNull())
      .addColumn("updated_at", types.bigint, (c) => c.notNull())
      .execute();
    await s
      .createTable("pool_slots")
      .addColumn("pool", "text", (c) => c.notNull())
      .addColumn("run_id", "text", (c) => c.notNull())
      .addColumn("step_key", "text", (c) => c.notNull())
      .addColumn("claimed_at", types.bigint, (c) => c.notNull())
      .addPrimaryKeyConstraint("pool_slots_pk", ["pool", "run_id", "step_key"])
      .execute();
    await s.createIndex("pool_slots_run").on("pool_slots").column("run_id").execute();
  },
};
