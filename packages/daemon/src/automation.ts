import { createHash } from "node:crypto";
import { evaluateAutomation, parseEvaluationState, type AssetConditionEvaluation, type AutomationEvaluationResult } from "@strata/core";
import type { PlannedRun } from "./build-run.ts";
import { graphOf, type DaemonContext } from "./context.ts";
import { crashPoint } from "./crash.ts";
import { KV } from "./keys.ts";
import { StorageAutomationView } from "./storage-view.ts";
import { completeTick, intentOf, unfinishedTicks } from "./tick-runner.ts";

export const AUTOMATION = "automation";

/** Evaluates the conditions without writing anything (`strata automation preview`). */
export async function previewAutomation(ctx: DaemonContext, view?: StorageAutomationView): Promise<AutomationEvaluationResult> {
  const v = view ?? new StorageAutomationView(ctx.storage, graphOf(ctx));
  await v.refresh();
  const previous = parseEvaluationState(await ctx.storage.getValue(KV.automationState));
  return evaluateAutomation(graphOf(ctx), undefined, v, previous, ctx.now());
}

/**
 * One automation tick: evaluate every condition against the storage view, write the tick with
 * its planned runs (run key `automation:<tickId>:<requestKey>`) and the next evaluation state
 * BEFORE creating runs; then create them, persist the state and the evaluations, and end the
 * tick. A tick left STARTED is completed on the next pass (same runs, same state).
 */
export class AutomationLoop {
  private readonly lastStored = new Map<string, string>();
  private view: StorageAutomationView | undefined;
  lastDurationMs = 0;

  constructor(private readonly ctx: DaemonContext) {}

  async tick(): Promise<AutomationEvaluationResult | undefined> {
    const { storage } = this.ctx;
    const graph = graphOf(this.ctx);
    for (const t of await unfinishedTicks(storage, AUTOMATION)) {
      await completeTick(storage, graph, t, AUTOMATION, "automation");
      const state = intentOf(t).nextState;
      if (state !== undefined) await storage.setValue(KV.automationState, JSON.stringify(state));
    }
    if (![...graph.assets()].some((a) => a.automation !== undefined)) return undefined;
    const t0 = performance.now();
    this.view ??= new StorageAutomationView(storage, graph);
    const result = await previewAutomation(this.ctx, this.view);
    this.lastDurationMs = performance.now() - t0;
    const tickId = `automation:${result.evaluatedAt}`;
    const runs: PlannedRun[] = result.requests.map((r) => ({
      runKey: `${tickId}:${r.requestKey}`,
      assetKeys: r.assetKeys,
      ...(r.partitionRange ? { partitionRange: r.partitionRange } : r.partitionKeys?.length === 1 ? { partitionKey: r.partitionKeys[0]! } : {}),
      tags: { "strata/automation_tick": tickId },
    }));
    const now = Date.now();
    const record = {
      tickId,
      instigatorName: AUTOMATION,
      instigatorType: "automation" as const,
      status: "STARTED" as const,
      runIds: [],
      runKeys: runs.map((r) => r.runKey),
      data: { runs, nextState: result.nextState },
      createdAt: now,
      updatedAt: now,
    };
    if (runs.length === 0) {
      // Nothing to launch: only the state moves on (no tick row per idle evaluation).
      await storage.setValue(KV.automationState, JSON.stringify(result.nextState));
    } else {
      if (!(await storage.createTick(record))) return result;
      crashPoint("automation:tick_created");
      await completeTick(storage, graph, record, AUTOMATION, "automation");
      await storage.setValue(KV.automationState, JSON.stringify(result.nextState));
    }
    await this.storeEvaluations(tickId, result.evaluations, result.evaluatedAt);
    return result;
  }

  /**
   * Stores an asset's evaluation when it differs from the last one stored (keeps history small).
   * Remembers a digest of each, not the JSON: 10,000 trees are ~25 MB of text.
   */
  private async storeEvaluations(tickId: string, evaluations: AssetConditionEvaluation[], evaluatedAt: number): Promise<void> {
    const changed = [];
    for (const e of evaluations) {
      // Serialized once: the digest and the stored row share the text.
      const json = JSON.stringify(e);
      const digest = createHash("sha1").update(json).digest("base64");
      if (this.lastStored.get(e.assetKey) === digest) continue;
      this.lastStored.set(e.assetKey, digest);
      changed.push({ tickId, assetKey: e.assetKey, evaluatedAt, requestedCount: e.requestedCount, evaluation: json });
    }
    await this.ctx.storage.storeAutomationEvaluations(changed, { keepPerAsset: 50 });
  }
}
