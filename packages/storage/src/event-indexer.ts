import type { EventRecord } from "@strata/core";
import type { StorageDialect } from "./storage-dialect.ts";
import type { Tx } from "./transaction.ts";

/**
 * A derived index kept in step with the event log. `storeEvents` runs every indexer inside the
 * transaction that appended the events, so an index never disagrees with the log. New indexes
 * (the asset partition index) are added as one more indexer.
 */
export interface EventIndexer {
  readonly name: string;
  /** Folds `events` (stored, with ids, in log order) into the index. */
  apply(tx: Tx, events: readonly EventRecord[], dialect: StorageDialect): Promise<void>;
}
