import type { AutomationPartitionFact } from "@strata/core";
import type { AssetPartitionColumns } from "@strata/storage";

/** Lookups answered by scanning the keys before a key → row map is built. */
const SCANNED_LOOKUPS = 8;
const STATUS_OF_CODE: Readonly<Record<string, AutomationPartitionFact["status"]>> = {
  m: "materialized",
  f: "failed",
  i: "in_progress",
};

/**
 * One asset's partition index rows (storage columns) seen as the `ReadonlyMap` of facts the
 * automation evaluation reads. Nothing is built per row up front: the first lookups scan the keys
 * (a tick usually reads an asset's latest partition or two), later ones use a key → row map, and
 * facts are made when read.
 */
export class PartitionFactTable implements ReadonlyMap<string, AutomationPartitionFact> {
  private index: Map<string, number> | undefined;
  private lookups = 0;

  constructor(private readonly columns: AssetPartitionColumns) {}

  get size(): number {
    return this.columns.partitions.length;
  }

  get(partition: string): AutomationPartitionFact | undefined {
    const i = this.rowOf(partition);
    return i === undefined ? undefined : this.factAt(i);
  }

  has(partition: string): boolean {
    return this.rowOf(partition) !== undefined;
  }

  *entries(): MapIterator<[string, AutomationPartitionFact]> {
    const { partitions } = this.columns;
    for (let i = 0; i < partitions.length; i++) yield [partitions[i]!, this.factAt(i)];
  }

  *keys(): MapIterator<string> {
    yield* this.columns.partitions;
  }

  *values(): MapIterator<AutomationPartitionFact> {
    for (let i = 0; i < this.columns.partitions.length; i++) yield this.factAt(i);
  }

  [Symbol.iterator](): MapIterator<[string, AutomationPartitionFact]> {
    return this.entries();
  }

  forEach(
    fn: (
      value: AutomationPartitionFact,
      key: string,
      map: ReadonlyMap<string, AutomationPartitionFact>,
    ) => void,
    thisArg?: unknown,
  ): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }

  private rowOf(partition: string): number | undefined {
    if (this.index === undefined && ++this.lookups > SCANNED_LOOKUPS) {
      const index = new Map<string, number>();
      this.columns.partitions.forEach((p, i) => index.set(p, i));
      this.index = index;
    }
    const i =
      this.index === undefined
        ? this.columns.partitions.indexOf(partition)
        : (this.index.get(partition) ?? -1);
    return i < 0 ? undefined : i;
  }

  private factAt(i: number): AutomationPartitionFact {
    const status = STATUS_OF_CODE[this.columns.statuses[i]!]!;
    const eventId = this.columns.materializationEventIds[i]!;
    return Number.isNaN(eventId) ? { status } : { status, lastMaterializationEventId: eventId };
  }
}
