import type { PartitionFact, PartitionFactList } from "@strata/core";
import type { Kysely } from "kysely";
import type { StrataDatabase } from "./schema.ts";
import type { StorageDialect } from "./storage-dialect.ts";
import { chunksFor, type Tx } from "./transaction.ts";

/**
 * `asset_partition_pages`: the partition status summary, a compact copy of what partition status
 * needs from `asset_partitions` (status and last materialisation time per partition), packed
 * into pages of at most {@link MAX_ENTRIES} partitions so that an asset's 50,000 partitions are
 * read as a few hundred rows instead of 50,000.
 *
 * A page holds the partitions whose keys sort (code point order) from its `lo` key up to
 * the next page's `lo`; an asset's first page has `lo` = "" and lives as long as the asset has
 * pages. A page that grows past {@link MAX_ENTRIES} is split in halves; an emptied page (other
 * than the first) is deleted. `max_materialized_at` lets staleness reads skip pages with nothing
 * newer than the downstream's oldest materialisation.
 *
 * The pages are written by the partition indexer from the final state of the rows it folded, in
 * the same transaction as `asset_partitions`, so the two never disagree.
 */

/** What page maintenance needs from the dialect (a migration passes limits of its own). */
export type PageDialect = Pick<StorageDialect, "rowLocks" | "maxParameters">;

/** Entries per page before it is split in two. */
export const MAX_ENTRIES = 256;

/** The new state of one partition's index row; null = the row is gone (missing). */
export type PageChange = { status: PartitionFact["status"]; lastMaterializedAt: number | null } | null;

interface Entry {
  status: PartitionFact["status"];
  at: number | null;
}

const CODE: Record<PartitionFact["status"], string> = { materialized: "m", failed: "f", in_progress: "i" };
const STATUS: Record<string, PartitionFact["status"]> = { m: "materialized", f: "failed", i: "in_progress" };

/** One line per partition: status letter, last materialisation (ms, may be empty), tab, key (\\ and newline escaped). */
function encodeLine(key: string, e: Entry): string {
  const k = key.includes("\\") || key.includes("\n") ? key.replaceAll("\\", "\\\\").replaceAll("\n", "\\n") : key;
  return `${CODE[e.status]}${e.at === null ? "" : e.at}\t${k}`;
}

function decodeKey(raw: string): string {
  return raw.includes("\\") ? raw.replace(/\\(\\|n)/g, (_m, c: string) => (c === "n" ? "\n" : "\\")) : raw;
}

function parseBody(body: string, into: Map<string, Entry>): void {
  if (body.length === 0) return;
  for (const line of body.split("\n")) {
    const tab = line.indexOf("\t");
    into.set(decodeKey(line.slice(tab + 1)), { status: STATUS[line[0]!]!, at: tab > 1 ? Number(line.slice(1, tab)) : null });
  }
}

/**
 * Code point order, which is how the database orders text (SQLite BINARY compares UTF-8 bytes):
 * JavaScript's `<` compares UTF-16 units, which differs for characters above U+FFFF. Pages are
 * found both here and by `lo <= key` queries, so both must agree.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return fixUp(x) - fixUp(y);
  }
  return a.length - b.length;
}

/** Moves surrogates (D800–DFFF) above E000–FFFF so UTF-16 units compare in code point order. */
function fixUp(c: number): number {
  return c >= 0xd800 && c <= 0xdfff ? c + 0x2000 : c >= 0xe000 ? c - 0x800 : c;
}

/** Index of the page holding `key`: the last page whose lo ≤ key (page 0 has lo ""). */
function pageFor(los: readonly string[], key: string): number {
  let lo = 0;
  let hi = los.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (compareCodePoints(los[mid]!, key) <= 0) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Batches touching more keys than this read the asset's page directory instead of one lookup per key. */
const DIRECTORY_AFTER = 16;

/**
 * The pages that may hold one of `keys`: their `lo`s (sorted, starting with "", the first page)
 * and, when a per-key lookup read it already, their body.
 */
async function pagesHolding(tx: Tx, asset: string, keys: readonly string[]): Promise<{ los: string[]; bodies: Map<string, string> }> {
  const bodies = new Map<string, string>();
  let los: string[];
  if (keys.length > DIRECTORY_AFTER) {
    los = (await tx.selectFrom("asset_partition_pages").select("lo").where("asset_key", "=", asset).execute()).map((r) => r.lo);
  } else {
    for (const key of keys) {
      const row = await tx
        .selectFrom("asset_partition_pages")
        .select(["lo", "body"])
        .where("asset_key", "=", asset)
        .where("lo", "<=", key)
        .orderBy("lo", "desc")
        .limit(1)
        .executeTakeFirst();
      if (row) bodies.set(row.lo, row.body);
    }
    los = [...bodies.keys()];
  }
  los.sort(compareCodePoints);
  if (los[0] !== "") los.unshift("");
  return { los, bodies };
}

/**
 * Applies the final state of changed index rows to the asset's pages (inside the indexer's
 * transaction). `wiped` assets lose all their pages first; their later changes start afresh.
 */
export async function writePartitionPages(
  tx: Tx,
  dialect: StorageDialect,
  changes: ReadonlyMap<string, ReadonlyMap<string, PageChange>>,
  wiped: ReadonlySet<string>,
): Promise<void> {
  for (const chunk of chunksFor([...wiped].sort(), 1, dialect)) {
    await tx.deleteFrom("asset_partition_pages").where("asset_key", "in", chunk).execute();
  }
  for (const asset of [...changes.keys()].sort()) {
    const assetChanges = changes.get(asset)!;
    if (assetChanges.size > 0) await writeAssetPages(tx, dialect, asset, assetChanges);
  }
}

async function writeAssetPages(tx: Tx, dialect: PageDialect, asset: string, changes: ReadonlyMap<string, PageChange>): Promise<void> {
  if (dialect.rowLocks) {
    // Writers of one asset serialise on its first page (SQLite's write lock already does).
    await tx
      .insertInto("asset_partition_pages")
      .values({ asset_key: asset, lo: "", entries: 0, max_materialized_at: null, body: "" })
      .onConflict((oc) => oc.columns(["asset_key", "lo"]).doNothing())
      .execute();
    await tx.selectFrom("asset_partition_pages").select("lo").where("asset_key", "=", asset).where("lo", "=", "").forUpdate().execute();
  }
  // Routing a key among a subset of the pages is exact when the subset holds the key's own page.
  const { los, bodies } = await pagesHolding(tx, asset, [...changes.keys()]);
  // Route each change to its page.
  const byPage = new Map<string, [string, PageChange][]>();
  for (const [key, change] of changes) {
    const lo = los[pageFor(los, key)]!;
    const list = byPage.get(lo);
    if (list) list.push([key, change]);
    else byPage.set(lo, [[key, change]]);
  }
  const pages = new Map<string, Map<string, Entry>>();
  for (const lo of byPage.keys()) {
    const entries = new Map<string, Entry>();
    pages.set(lo, entries);
    const body = bodies.get(lo);
    if (body !== undefined) parseBody(body, entries);
  }
  const unread = [...byPage.keys()].filter((lo) => !bodies.has(lo)).sort(compareCodePoints);
  for (const chunk of chunksFor(unread, 1, dialect, dialect.maxParameters - 1)) {
    const rows = await tx.selectFrom("asset_partition_pages").select(["lo", "body"]).where("asset_key", "=", asset).where("lo", "in", chunk).execute();
    for (const r of rows) parseBody(r.body, pages.get(r.lo)!);
  }
  const upserts: { asset_key: string; lo: string; entries: number; max_materialized_at: number | null; body: string }[] = [];
  const deletes: string[] = [];
  for (const [lo, list] of byPage) {
    const entries = pages.get(lo)!;
    // Entries were parsed in key order; only new keys need a sort.
    let added = false;
    for (const [key, change] of list) {
      if (change === null) entries.delete(key);
      else {
        if (!added && !entries.has(key)) added = true;
        entries.set(key, { status: change.status, at: change.lastMaterializedAt });
      }
    }
    const keys = [...entries.keys()];
    if (added) keys.sort(compareCodePoints);
    if (keys.length === 0 && lo !== "") {
      deletes.push(lo);
      continue;
    }
    // An oversized page is split into half-full pages (the first keeps `lo`; the others start at their first key).
    const size = keys.length > MAX_ENTRIES ? MAX_ENTRIES / 2 : Math.max(keys.length, 1);
    for (let i = 0; i === 0 || i < keys.length; i += size) {
      const part = keys.slice(i, i + size);
      let max: number | null = null;
      const lines = new Array<string>(part.length);
      for (let j = 0; j < part.length; j++) {
        const e = entries.get(part[j]!)!;
        if (e.at !== null && (max === null || e.at > max)) max = e.at;
        lines[j] = encodeLine(part[j]!, e);
      }
      upserts.push({ asset_key: asset, lo: i === 0 ? lo : part[0]!, entries: part.length, max_materialized_at: max, body: lines.join("\n") });
    }
  }
  for (const chunk of chunksFor(deletes, 1, dialect, dialect.maxParameters - 1)) {
    await tx.deleteFrom("asset_partition_pages").where("asset_key", "=", asset).where("lo", "in", chunk).execute();
  }
  for (const chunk of chunksFor(upserts, 5, dialect)) {
    await tx
      .insertInto("asset_partition_pages")
      .values(chunk)
      .onConflict((oc) =>
        oc.columns(["asset_key", "lo"]).doUpdateSet((eb) => ({
          entries: eb.ref("excluded.entries"),
          max_materialized_at: eb.ref("excluded.max_materialized_at"),
          body: eb.ref("excluded.body"),
        })),
      )
      .execute();
  }
}

/**
 * The asset's partition facts from its pages (status and last materialisation per key), keys in
 * page order: sorted, except that pages follow the database's text order.
 * `materializedAfter`: only partitions last materialised strictly after that time (ms), reading
 * only the pages that hold one.
 */
export async function queryPartitionFacts(db: Kysely<StrataDatabase>, assetKey: string, materializedAfter?: number): Promise<PartitionFactList> {
  let q = db.selectFrom("asset_partition_pages").select("body").where("asset_key", "=", assetKey);
  if (materializedAfter !== undefined) q = q.where("max_materialized_at", ">", materializedAfter);
  const rows = await q.orderBy("lo").execute();
  const keys: string[] = [];
  const facts: PartitionFact[] = [];
  // Partitions with the same status and time (a range run's) share one fact object.
  const shared = [new Map<number, PartitionFact>(), new Map<number, PartitionFact>(), new Map<number, PartitionFact>()];
  const plain = [{ status: "materialized" }, { status: "failed" }, { status: "in_progress" }] as const satisfies PartitionFact[];
  const after = materializedAfter ?? -Infinity;
  let lastAt = NaN;
  let lastCode = -1;
  let lastFact: PartitionFact | undefined;
  for (const { body } of rows) {
    // Scanned by position (no line strings): status letter, digits, tab, key, newline.
    const escaped = body.includes("\\");
    const end = body.length;
    let pos = 0;
    while (pos < end) {
      let nl = body.indexOf("\n", pos);
      if (nl < 0) nl = end;
      const letter = body.charCodeAt(pos);
      const code = letter === 109 /* m */ ? 0 : letter === 102 /* f */ ? 1 : 2;
      let i = pos + 1;
      let at = 0;
      let digits = true;
      let c = body.charCodeAt(i);
      const timed = c !== 9; /* tab */
      while (c !== 9) {
        if (c < 48 || c > 57) digits = false;
        at = at * 10 + (c - 48);
        c = body.charCodeAt(++i);
      }
      // Anything but plain digits (a negative or fractional time) is parsed as written.
      if (!digits) at = Number(body.slice(pos + 1, i));
      if (timed ? at > after : materializedAfter === undefined) {
        let fact: PartitionFact;
        if (!timed) fact = plain[code]!;
        else if (at === lastAt && code === lastCode) fact = lastFact!;
        else {
          // Consecutive partitions usually share a time (one range run): reuse the last fact.
          fact = shared[code]!.get(at) ?? (shared[code]!.set(at, { status: plain[code]!.status, lastMaterializedAt: at }).get(at) as PartitionFact);
          lastAt = at;
          lastCode = code;
          lastFact = fact;
        }
        const raw = body.slice(i + 1, nl);
        keys.push(escaped ? decodeKey(raw) : raw);
        facts.push(fact);
      }
      pos = nl + 1;
    }
  }
  return { keys, facts };
}

/**
 * Builds every asset's pages from `asset_partitions` (migration 0004, for databases indexed
 * before the pages existed). Reads one asset at a time.
 */
export async function buildPartitionPages(tx: Tx, dialect: PageDialect): Promise<void> {
  const assets = await tx.selectFrom("asset_partitions").select("asset_key").distinct().execute();
  for (const { asset_key } of assets) {
    const rows = await tx
      .selectFrom("asset_partitions")
      .select(["partition", "status", "last_materialized_at"])
      .where("asset_key", "=", asset_key)
      .execute();
    const changes = new Map<string, PageChange>();
    for (const r of rows) {
      const at = r.last_materialized_at === null ? null : Number(r.last_materialized_at);
      changes.set(r.partition, { status: r.status as PartitionFact["status"], lastMaterializedAt: at });
    }
    await writeAssetPages(tx, dialect, asset_key, changes);
  }
}
