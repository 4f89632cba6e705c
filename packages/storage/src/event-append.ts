import type { EventRecord, StrataEvent } from "@strata/core";
import { assetIndexer } from "./asset-index.ts";
import { checkStatusIndexer } from "./check-status-index.ts";
import type { EventIndexer } from "./event-indexer.ts";
import { EVENT_COLUMNS, eventToRow } from "./event-rows.ts";
import { validateEvents } from "./event-validation.ts";
import { partitionIndexer } from "./partition-index.ts";
import type { StorageDialect } from "./storage-dialect.ts";
import { chunksFor, type Tx } from "./transaction.ts";

/** The derived indexes `storeEvents` maintains, applied in this order. */
export const EVENT_INDEXERS: readonly EventIndexer[] = [assetIndexer, checkStatusIndexer, partitionIndexer];

/**
 * Appends `events` inside `tx` with multi-row `INSERT ... RETURNING id` and updates every
 * derived index in the same transaction. Ids are assigned in row order within a statement on
 * every supported dialect, so sorted returned ids pair with the input order.
 */
export async function appendEvents(tx: Tx, dialect: StorageDialect, events: readonly StrataEvent[]): Promise<EventRecord[]> {
  validateEvents(events);
  const stored: EventRecord[] = [];
  for (const chunk of chunksFor(events, EVENT_COLUMNS, dialect)) {
    const rows = await tx.insertInto("event_logs").values(chunk.map(eventToRow)).returning("id").execute();
    const ids = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    chunk.forEach((e, i) => stored.push({ ...e, id: ids[i] as number }));
  }
  for (const indexer of EVENT_INDEXERS) await indexer.apply(tx, stored, dialect);
  return stored;
}
