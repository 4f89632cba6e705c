import type { EventRecord } from "@strata/core";
import type { Storage } from "@strata/storage";

export type HubListener = (events: readonly EventRecord[]) => void;

export interface EventHubOptions {
  /** Poll period while someone listens (default 250 ms). */
  intervalMs?: number;
  /** Events read per query; a backlog drains in consecutive queries without waiting. */
  batch?: number;
}

/**
 * One loop tailing the whole event log for every live client: each tick reads the events after
 * the last id seen (`getEventsAfter`, a primary-key range scan) and hands the batch to every
 * listener. Polls only while someone listens; starts at the log's end, so listeners get events
 * stored after they subscribed (they read older ones from storage themselves).
 *
 * @example
 * const hub = new EventHub(storage);
 * const stop = hub.subscribe((events) => send(events));
 */
export class EventHub {
  readonly #storage: Storage;
  readonly #intervalMs: number;
  readonly #batch: number;
  readonly #listeners = new Set<HubListener>();
  #cursor: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #closed = false;

  constructor(storage: Storage, options: EventHubOptions = {}) {
    this.#storage = storage;
    this.#intervalMs = options.intervalMs ?? 250;
    this.#batch = options.batch ?? 1000;
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  /** Id of the last event delivered (undefined before the first poll). */
  get cursor(): number | undefined {
    return this.#cursor;
  }

  /** Resolves once the hub knows where the log ends (so a new listener misses nothing after it). */
  async subscribe(fn: HubListener): Promise<() => void> {
    this.#listeners.add(fn);
    if (this.#cursor === undefined) this.#cursor = await this.#storage.getLastEventId();
    this.#schedule();
    return () => {
      this.#listeners.delete(fn);
      if (this.#listeners.size === 0) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
        // Next listener starts from the log's end again, not from a stale cursor.
        if (!this.#ticking) this.#cursor = undefined;
      }
    };
  }

  /** Polls at once (tests and actions that want live clients to see their events sooner). */
  async poll(): Promise<void> {
    if (this.#ticking) return this.#ticking;
    this.#ticking = this.#tick().finally(() => (this.#ticking = undefined));
    return this.#ticking;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#listeners.clear();
  }

  #schedule(): void {
    if (this.#closed || this.#timer || this.#listeners.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.poll().finally(() => this.#schedule());
    }, this.#intervalMs);
  }

  async #tick(): Promise<void> {
    if (this.#listeners.size === 0 || this.#cursor === undefined) return;
    try {
      for (;;) {
        const events = await this.#storage.getEventsAfter(this.#cursor, this.#batch);
        if (events.length === 0) return;
        this.#cursor = events.at(-1)!.id;
        for (const fn of this.#listeners) {
          try {
            fn(events);
          } catch {
            // One client's failure must not starve the others.
          }
        }
        if (events.length < this.#batch) return;
      }
    } catch {
      // Storage busy or closed: try again next tick.
    }
  }
}
