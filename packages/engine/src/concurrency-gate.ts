import type { ExecutorSettings, PlanStep } from "@strata/core";
import type { Storage } from "@strata/storage";

/**
 * Decides whether a ready step may start: the run's max concurrency, tag limits within the
 * run, and named pools whose slots are shared by every run of the instance (claimed in storage).
 */
export class ConcurrencyGate {
  private readonly tagCounts = new Map<string, number>();
  pendingPoolClaims = 0;

  constructor(
    private readonly executor: ExecutorSettings,
    private readonly pools: Record<string, number>,
    private readonly storage: Storage,
    private readonly runId: string,
  ) {}

  /** "ok" reserves the step's tag slots; "full" means no step can start; "blocked" means this one can't. */
  tryAdmit(step: PlanStep, running: number): "ok" | "full" | "blocked" {
    if (running >= this.executor.maxConcurrent) return "full";
    const limits = this.matchingLimits(step);
    for (const l of limits) if ((this.tagCounts.get(l.id) ?? 0) >= l.limit) return "blocked";
    for (const l of limits) this.tagCounts.set(l.id, (this.tagCounts.get(l.id) ?? 0) + 1);
    return "ok";
  }

  /** Claims the step's pool slot; false (and tag slots returned) when the pool is full. */
  async acquire(step: PlanStep): Promise<boolean> {
    const limit = step.pool ? this.pools[step.pool] : undefined;
    if (!step.pool || limit === undefined) return true;
    this.pendingPoolClaims++;
    try {
      const ok = await this.storage.claimPoolSlot(step.pool, limit, this.runId, step.key);
      if (!ok) this.releaseTags(step);
      return ok;
    } finally {
      this.pendingPoolClaims--;
    }
  }

  async release(step: PlanStep): Promise<void> {
    this.releaseTags(step);
    if (step.pool && this.pools[step.pool] !== undefined) {
      await this.storage.freePoolSlot(step.pool, this.runId, step.key);
    }
  }

  private releaseTags(step: PlanStep): void {
    for (const l of this.matchingLimits(step)) this.tagCounts.set(l.id, (this.tagCounts.get(l.id) ?? 1) - 1);
  }

  private matchingLimits(step: PlanStep): { id: string; limit: number }[] {
    const out: { id: string; limit: number }[] = [];
    for (const l of this.executor.tagConcurrencyLimits) {
      const v = step.tags[l.key];
      if (v === undefined) continue;
      if (l.value !== undefined && l.value !== v) continue;
      out.push({ id: `${l.key}=${l.value ?? "*"}`, limit: l.limit });
    }
    return out;
  }
}
