import type { Cron } from "./cron.ts";
import type { Zone } from "./timezone.ts";

// Local copies: module-namespace reads of imported constants are slow in hot loops.
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * Cron ticks as UTC instants, in order, from `from` (inclusive), in a time zone.
 *
 * DST rules (they follow Dagster's documented schedule behaviour):
 * - a wall time skipped by spring-forward: schedules that fire every hour drop it (the hourly
 *   partitions of that day are 23); other schedules fire at the first instant after the gap;
 * - a wall time that happens twice at fall-back: schedules that fire every hour fire at both
 *   instants (25 hourly partitions); other schedules fire once, at the later instant.
 *
 * @example
 * const s = new TickStream(parseCron("0 * * * *"), zone("America/New_York"), Date.UTC(2024, 2, 10, 5));
 * s.next(); // 2024-03-10T05:00Z (00:00 EST)
 */
export class TickStream {
  private cursor: number;
  private readonly pending: number[] = [];
  private frontier = -Infinity;
  private last = -Infinity;

  constructor(
    private readonly cron: Cron,
    private readonly zone: Zone,
    private readonly from: number,
  ) {
    // Start early enough that a fold's first instance of the first tick is not missed.
    this.cursor = zone.toNaive(from) - 3 * HOUR_MS - MINUTE_MS;
  }

  next(): number {
    for (;;) {
      if (this.pending.length > 0 && this.pending[0]! < this.frontier) {
        const out = this.pending.shift()!;
        if (out > this.last && out >= this.from) {
          this.last = out;
          return out;
        }
        continue;
      }
      const naive = this.cron.nextAfter(this.cursor);
      this.cursor = naive;
      const fast = this.zone.uniqueInstant(naive);
      if (!Number.isNaN(fast)) {
        this.push(fast, fast);
        continue;
      }
      const r = this.zone.resolve(naive);
      if (r.kind === "unique") this.push(r.instant, r.instant);
      else if (r.kind === "fold") {
        if (this.cron.everyHour) this.push(r.first, r.first);
        this.push(r.second, this.cron.everyHour ? r.first : r.second);
      } else if (!this.cron.everyHour) this.push(r.transition, r.transition);
    }
  }

  /**
   * `earliest` is the smallest instant of the wall time just read. Wall times only grow, and so
   * do their earliest instants, so every pending tick before it is final.
   */
  private push(instant: number, earliest: number): void {
    if (earliest > this.frontier) this.frontier = earliest;
    const n = this.pending.length;
    if (n === 0 || this.pending[n - 1]! < instant) {
      this.pending.push(instant);
      return;
    }
    let i = n;
    while (i > 0 && this.pending[i - 1]! > instant) i--;
    if (this.pending[i - 1] !== instant) this.pending.splice(i, 0, instant);
  }
}

/**
 * The last tick strictly before `instant` (for windows before a definition's start), found by
 * streaming forward from progressively earlier points so DST rules stay identical to `TickStream`.
 */
export function tickBefore(cron: Cron, zone: Zone, instant: number): number {
  for (let span = DAY_MS; span < 400 * 366 * DAY_MS; span *= 2) {
    const s = new TickStream(cron, zone, instant - span);
    let best: number | undefined;
    for (let t = s.next(); t < instant; t = s.next()) best = t;
    if (best !== undefined) return best;
  }
  return -Infinity;
}
