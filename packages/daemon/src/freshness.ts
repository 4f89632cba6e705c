import { evaluateFreshness, type FreshnessState } from "@strata/core";
import { graphOf, type DaemonContext } from "./context.ts";
import { crashPoint } from "./crash.ts";
import { KV } from "./keys.ts";

export interface FreshnessEntry {
  state: FreshnessState;
  since: number;
  reason: string;
}

/**
 * The freshness loop. The event log is the truth: a state change is ONE event
 * (ASSET_FRESHNESS_CHANGED, run id "") and the current states are rebuilt from those events at
 * start, so a crash either recorded the change or it is detected again — never twice, never
 * lost. The key-value `daemon/freshness` copy is a cache for `strata status` and the UI.
 */
export class FreshnessLoop {
  private states: Map<string, FreshnessEntry> | undefined;

  constructor(private readonly ctx: DaemonContext) {}

  private async load(): Promise<Map<string, FreshnessEntry>> {
    const m = new Map<string, FreshnessEntry>();
    const events = await this.ctx.storage.getEvents("", { types: ["ASSET_FRESHNESS_CHANGED"] });
    for (const e of events) {
      if (!e.assetKey) continue;
      const to = e.data?.to as FreshnessState | undefined;
      if (to) m.set(e.assetKey, { state: to, since: e.timestamp, reason: String(e.data?.reason ?? "") });
    }
    return m;
  }

  async tick(): Promise<number> {
    const { storage } = this.ctx;
    this.states ??= await this.load();
    const graph = graphOf(this.ctx);
    const withPolicy = [...graph.assets()].filter((a) => a.freshness !== undefined);
    if (withPolicy.length === 0) return 0;
    const records = new Map((await storage.getAssetRecords(withPolicy.map((a) => a.key))).map((r) => [r.assetKey, r] as const));
    const now = this.ctx.now();
    let changes = 0;
    for (const a of withPolicy) {
      const last = records.get(a.key)?.lastMaterialization?.timestamp;
      const ev = evaluateFreshness(a.freshness!, last, now);
      const prev = this.states.get(a.key);
      if (prev?.state === ev.state) continue;
      if (prev === undefined && ev.state === "unknown") continue;
      await storage.storeEvents([
        {
          runId: "",
          type: "ASSET_FRESHNESS_CHANGED",
          timestamp: now,
          level: ev.state === "fail" ? "error" : ev.state === "warn" ? "warn" : "info",
          message: `Asset ${a.key} is now ${ev.state} (was ${prev?.state ?? "unknown"}): ${ev.reason}`,
          assetKey: a.key,
          data: { from: prev?.state ?? "unknown", to: ev.state, reason: ev.reason },
        },
      ]);
      crashPoint("freshness:event_stored");
      this.states.set(a.key, { state: ev.state, since: now, reason: ev.reason });
      changes++;
    }
    await storage.setValue(KV.freshness, JSON.stringify(Object.fromEntries(this.states)));
    return changes;
  }
}
