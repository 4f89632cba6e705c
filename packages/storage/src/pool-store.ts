import type { Tx } from "./transaction.ts";

/**
 * Claims a pool slot inside a write transaction. Upserting the pool's own row first takes a lock
 * on it on every dialect (SQLite: the transaction's write lock; Postgres: the row lock), so the
 * count-then-insert below cannot interleave with another claimer of the same pool.
 */
export async function claimSlotInTx(tx: Tx, pool: string, limit: number, runId: string, stepKey: string, now: number): Promise<boolean> {
  await tx
    .insertInto("pools")
    .values({ pool, slot_limit: limit, updated_at: now })
    .onConflict((oc) => oc.column("pool").doUpdateSet({ slot_limit: limit, updated_at: now }))
    .execute();
  const held = await tx
    .selectFrom("pool_slots")
    .select("run_id")
    .where("pool", "=", pool)
    .where("run_id", "=", runId)
    .where("step_key", "=", stepKey)
    .executeTakeFirst();
  if (held) return true;
  const row = await tx
    .selectFrom("pool_slots")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("pool", "=", pool)
    .executeTakeFirstOrThrow();
  if (Number(row.n) >= limit) return false;
  await tx.insertInto("pool_slots").values({ pool, run_id: runId, step_key: stepKey, claimed_at: now }).execute();
  return true;
}
