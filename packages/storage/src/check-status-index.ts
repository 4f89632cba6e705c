import type { EventRecord } from "@strata/core";
import type { Insertable } from "kysely";
import type { CheckStatusTable } from "./schema.ts";
import type { EventIndexer } from "./event-indexer.ts";
import { chunksFor } from "./transaction.ts";

type CheckStatusRow = Insertable<CheckStatusTable>;
const COLUMNS = ["asset_key", "last_event_id", "last_run_id", "last_timestamp", "passed", "severity"] as const;

/**
 * Maintains `check_status`: the latest ASSET_CHECK_EVALUATION per check key. ASSET_WIPED of an
 * asset forgets its checks' status (their history stays in the log, hidden by the wipe).
 */
export const checkStatusIndexer: EventIndexer = {
  name: "check_status",
  async apply(tx, events, dialect) {
    const latest = new Map<string, CheckStatusRow>();
    const wiped = new Set<string>();
    for (const e of events) {
      if (e.type === "ASSET_CHECK_EVALUATION" && e.checkKey && e.assetKey) {
        latest.set(e.checkKey, toRow(e, e.checkKey, e.assetKey));
      } else if (e.type === "ASSET_WIPED" && e.assetKey) {
        wiped.add(e.assetKey);
        for (const [k, row] of latest) if (row.asset_key === e.assetKey) latest.delete(k);
      }
    }
    // Deletes first: evaluations later in the batch than the wipe are in `latest` and survive.
    for (const chunk of chunksFor([...wiped], 1, dialect)) {
      await tx.deleteFrom("check_status").where("asset_key", "in", chunk).execute();
    }
    const rows = [...latest.values()].sort((a, b) => (a.check_key < b.check_key ? -1 : a.check_key > b.check_key ? 1 : 0));
    for (const chunk of chunksFor(rows, COLUMNS.length + 1, dialect)) {
      await tx
        .insertInto("check_status")
        .values(chunk)
        .onConflict((oc) =>
          oc.column("check_key").doUpdateSet((eb) => Object.fromEntries(COLUMNS.map((c) => [c, eb.ref(`excluded.${c}`)]))),
        )
        .execute();
    }
  },
};

function toRow(e: EventRecord, check_key: string, asset_key: string): CheckStatusRow {
  return {
    check_key,
    asset_key,
    last_event_id: e.id,
    last_run_id: e.runId,
    last_timestamp: e.timestamp,
    passed: e.data?.check?.passed === true ? 1 : 0,
    severity: e.data?.check?.severity ?? "ERROR",
  };
}
