import type { EventRecord, StrataEvent } from "@strata/core";
import type { Storage } from "@strata/storage";
import type { Redactor } from "./redactor.ts";

/**
 * Collects a run's events and stores them in batches (one transaction per flush), so a run of
 * 1,000 steps does not pay a commit per event. Events are redacted before they are stored or
 * handed to listeners. Flushes are serialised to keep the log in order.
 */
export class EventWriter {
  private buffer: StrataEvent[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private scheduled = false;
  private failure: unknown;

  constructor(
    private readonly storage: Storage,
    private readonly redactor: Redactor,
    private readonly listener?: (e: StrataEvent) => void,
  ) {}

  emit(event: StrataEvent): void {
    const e = this.redactor.active ? this.redactor.value(event) : event;
    this.buffer.push(e);
    this.listener?.(e);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
  }

  /** Stores everything emitted so far; rejects if any earlier write failed. */
  flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length > 0) {
      this.flushing = this.flushing.then(async () => {
        try {
          await this.storage.storeEvents(batch);
        } catch (err) {
          this.failure ??= err;
        }
      });
    }
    return this.flushing.then(() => {
      if (this.failure) throw this.failure;
    });
  }

  /** Stores events immediately (after everything before them), returning their records. */
  async storeNow(events: StrataEvent[]): Promise<EventRecord[]> {
    await this.flush();
    const red = events.map((e) => (this.redactor.active ? this.redactor.value(e) : e));
    red.forEach((e) => this.listener?.(e));
    return this.storage.storeEvents(red);
  }
}
