import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { MIGRATIONS, SqlStorage, sqliteDialect, type Migration } from "../src/index.ts";
import { makeRun } from "../src/conformance/index.ts";

const root = mkdtempSync(join(tmpdir(), "strata-migrations-"));
let n = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));
const freshPath = () => join(root, `m${++n}.db`);

const addNotes: Migration = {
  version: MIGRATIONS.length + 1,
  name: "add_notes",
  async up(db, types) {
    await db.schema
      .createTable("notes")
      .addColumn("id", types.id.type, types.id.modify)
      .addColumn("body", "text")
      .execute();
  },
};

function versions(path: string): { version: number; name: string }[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("select version, name from migrations order by version").all() as { version: number; name: string }[];
  } finally {
    db.close();
  }
}

describe("migrations", () => {
  it("records every applied migration on a fresh database", async () => {
    const path = freshPath();
    await (await SqlStorage.open(sqliteDialect({ path }))).close();
    expect(versions(path)).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    // Re-opening applies nothing new.
    await (await SqlStorage.open(sqliteDialect({ path }))).close();
    expect(versions(path)).toHaveLength(MIGRATIONS.length);
  });

  it("migrates an older database forward, keeping its data", async () => {
    const path = freshPath();
    const old = await SqlStorage.open(sqliteDialect({ path }));
    const run = makeRun();
    await old.createRun(run);
    await old.close();
    const upgraded = await SqlStorage.open(sqliteDialect({ path }), { migrations: [...MIGRATIONS, addNotes] });
    expect(await upgraded.getRun(run.runId)).toStrictEqual(run);
    await upgraded.close();
    expect(versions(path).at(-1)).toEqual({ version: addNotes.version, name: "add_notes" });
    const db = new Database(path, { readonly: true });
    expect(db.prepare("select count(*) as n from notes").get()).toEqual({ n: 0 });
    db.close();
  });

  it("builds the partition status summary (0004) from the index rows of an older database", async () => {
    const path = freshPath();
    await (await SqlStorage.open(sqliteDialect({ path }), { migrations: MIGRATIONS.filter((m) => m.version < 4) })).close();
    // Rows as version 3 indexed them: 1,300 partitions of one asset (several pages), every status.
    const db = new Database(path);
    const insert = db.prepare(
      "insert into asset_partitions (asset_key, partition, status, last_materialized_at, last_run_id, updated_at) values (?, ?, ?, ?, 'r', 1)",
    );
    db.transaction(() => {
      for (let i = 0; i < 1300; i++) {
        const status = i % 10 === 3 ? "failed" : i % 10 === 4 ? "in_progress" : "materialized";
        insert.run("big", `p${String(i).padStart(4, "0")}`, status, status === "failed" ? null : 1000 + i);
      }
      insert.run("other", "line\nbreak", "materialized", 5);
    })();
    db.close();
    const upgraded = await SqlStorage.open(sqliteDialect({ path }));
    try {
      for (const asset of ["big", "other"]) {
        const rows = await upgraded.getAssetPartitions(asset);
        const { keys, facts } = await upgraded.getPartitionFacts(asset);
        expect(keys).toEqual(rows.map((r) => r.partition));
        expect(facts).toEqual(rows.map((r) => (r.lastMaterializedAt !== undefined ? { status: r.status, lastMaterializedAt: r.lastMaterializedAt } : { status: r.status })));
      }
      const pages = new Database(path, { readonly: true });
      expect((pages.prepare("select count(*) as n from asset_partition_pages where asset_key = 'big'").get() as { n: number }).n).toBeGreaterThan(2);
      pages.close();
    } finally {
      await upgraded.close();
    }
  });

  it("refuses a database written by a newer Strata, saying to upgrade", async () => {
    const path = freshPath();
    await (await SqlStorage.open(sqliteDialect({ path }), { migrations: [...MIGRATIONS, addNotes] })).close();
    const err = await SqlStorage.open(sqliteDialect({ path })).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: "STORAGE",
      message: expect.stringContaining(`schema version ${addNotes.version}`),
      hint: expect.stringContaining("Upgrade Strata"),
    });
  });

  it("rolls back a failing migration entirely", async () => {
    const path = freshPath();
    await (await SqlStorage.open(sqliteDialect({ path }))).close();
    const broken: Migration = {
      version: MIGRATIONS.length + 1,
      name: "broken",
      async up(db) {
        await db.schema.createTable("half_done").addColumn("x", "text").execute();
        await db.schema.createTable("runs").addColumn("x", "text").execute();
      },
    };
    await expect(SqlStorage.open(sqliteDialect({ path }), { migrations: [...MIGRATIONS, broken] })).rejects.toMatchObject({
      code: "STORAGE",
      message: expect.stringContaining("migrate the schema"),
    });
    expect(versions(path)).toHaveLength(MIGRATIONS.length);
    const db = new Database(path, { readonly: true });
    expect(db.prepare("select name from sqlite_master where name = 'half_done'").all()).toEqual([]);
    db.close();
  });

  it("rejects a misnumbered migration list", async () => {
    const skip: Migration = { ...addNotes, version: MIGRATIONS.length + 2 };
    await expect(SqlStorage.open(sqliteDialect({ path: ":memory:" }), { migrations: [...MIGRATIONS, skip] })).rejects.toMatchObject({
      code: "INTERNAL",
    });
  });
});
