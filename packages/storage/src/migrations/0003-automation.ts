import type { Migration } from "../migration.ts";

/**
 * Daemon state: instigator ticks (schedules, sensors, automation) with their intent, run keys
 * (idempotency keys, unique per instigator), and stored automation evaluations.
 */
export const migration0003Automation: Migration = {
  version: 3,
  name: "automation",
  async up(db, types) {
    const s = db.schema;
    await s
      .createTable("ticks")
      .addColumn("id", types.id.type, types.id.modify)
      .addColumn("tick_id", "text", (c) => c.notNull().unique())
      .addColumn("instigator_name", "text", (c) => c.notNull())
      .addColumn("instigator_type", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("scheduled_at", types.bigint)
      .addColumn("run_ids", "text", (c) => c.notNull())
      .addColumn("run_keys", "text", (c) => c.notNull())
      .addColumn("cursor", "text")
      .addColumn("skip_reason", "text")
      .addColumn("error", "text")
      .addColumn("data", "text")
      .addColumn("created_at", types.bigint, (c) => c.notNull())
      .addColumn("updated_at", types.bigint, (c) => c.notNull())
      .addColumn("ended_at", types.bigint)
      .execute();
    await s.createIndex("ticks_instigator").on("ticks").columns(["instigator_name", "id"]).execute();
    await s.createIndex("ticks_status").on("ticks").columns(["status", "id"]).execute();

    // No foreign key to runs: a deleted run's key stays used (it never launches again).
    await s
      .createTable("run_keys")
      .addColumn("instigator", "text", (c) => c.notNull())
      .addColumn("run_key", "text", (c) => c.notNull())
      .addColumn("run_id", "text", (c) => c.notNull())
      .addColumn("created_at", types.bigint, (c) => c.notNull())
      .addPrimaryKeyConstraint("run_keys_pk", ["instigator", "run_key"])
      .execute();

    await s
      .createTable("automation_evaluations")
      .addColumn("id", types.id.type, types.id.modify)
      .addColumn("tick_id", "text", (c) => c.notNull())
      .addColumn("asset_key", "text", (c) => c.notNull())
      .addColumn("evaluated_at", types.bigint, (c) => c.notNull())
      .addColumn("requested_count", "integer", (c) => c.notNull())
      .addColumn("evaluation", "text", (c) => c.notNull())
      .execute();
    await s.createIndex("automation_evaluations_asset").on("automation_evaluations").columns(["asset_key", "id"]).execute();
    await s.createIndex("automation_evaluations_tick").on("automation_evaluations").columns(["tick_id"]).execute();
  },
};
