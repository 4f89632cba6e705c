/** GET /api/assets/:key/automation through app.request(): condition, evaluation trees, freshness, health. */
import { evaluateAutomation } from "@strata/core";
import { StorageAutomationView } from "@strata/daemon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AssetAutomationResponse, AssetsResponse } from "../src/index.ts";
import { enc, openFixture, type Fixture } from "./fixture.ts";

const CONFIG = `import { asset, AutomationCondition, defineDefinitions, freshnessPolicy } from "strata";

export const src = asset({ key: "src/orders", group: "raw" }, () => [1, 2, 3]);
export const mart = asset(
  { key: "mart/orders", group: "mart", deps: ["src/orders"], automation: AutomationCondition.eager(), freshness: freshnessPolicy.timeWindow({ warnAfter: "12h", failAfter: "1d" }) },
  () => 1,
);
export default defineDefinitions({ assets: [src, mart] });
`;

let f: Fixture;

beforeAll(async () => {
  f = await openFixture({ files: { "strata.config.ts": CONFIG } });
  // One real evaluation, stored the way the daemon's automation loop stores it.
  const graph = f.server.ctx.graph();
  const view = new StorageAutomationView(f.storage, graph);
  await view.refresh();
  const result = evaluateAutomation(graph, undefined, view, undefined, Date.now());
  await f.storage.storeAutomationEvaluations(
    result.evaluations.map((e) => ({
      tickId: "tick-1",
      assetKey: e.assetKey,
      evaluatedAt: result.evaluatedAt,
      requestedCount: e.requestedCount,
      evaluation: e as unknown as Record<string, unknown>,
    })),
  );
}, 60_000);
afterAll(() => f?.close());

describe("GET /api/assets/:key/automation", () => {
  it("returns the condition, the evaluation tree with a label on every node, computed freshness and health", async () => {
    const { status, body, text } = await f.get<AssetAutomationResponse>(`/api/assets/${enc("mart/orders")}/automation`);
    expect(status, text).toBe(200);
    expect(body.assetKey).toBe("mart/orders");
    expect(body.condition?.label).toBeTruthy();
    expect(body.condition?.snapshot.type).toBeTruthy();
    expect(body.evaluations).toHaveLength(1);
    const ev = body.evaluations[0]!;
    expect(ev).toMatchObject({ tickId: "tick-1", initial: true });
    expect(typeof ev.requestedCount).toBe("number");
    const labels: string[] = [];
    const walk = (n: NonNullable<typeof ev.tree>): void => {
      expect(n.label).toBeTruthy();
      expect(typeof n.value).toBe("boolean");
      expect(n.candidates).toBeGreaterThanOrEqual(0);
      labels.push(n.label!);
      n.children.forEach(walk);
    };
    walk(ev.tree!);
    expect(labels.length).toBeGreaterThan(1);
    expect(body.freshness).toMatchObject({
      policy: { kind: "time_window", failAfterMs: 86_400_000, warnAfterMs: 43_200_000 },
      source: "computed",
    });
    expect(body.freshness!.label).toContain("1d");
    expect(body.health).toEqual({ status: "unknown", reasons: ["never materialised"] });
  });

  it("uses the daemon's recorded freshness state, which drives health", async () => {
    await f.storage.setValue("daemon/freshness", JSON.stringify({ "mart/orders": { state: "fail", since: 1000, reason: "not materialised within 1d" } }));
    const { body } = await f.get<AssetAutomationResponse>(`/api/assets/${enc("mart/orders")}/automation`);
    expect(body.freshness).toMatchObject({ state: "fail", since: 1000, reason: "not materialised within 1d", source: "daemon" });
    expect(body.health.status).toBe("degraded");
    expect(body.health.reasons).toContain("freshness policy failed");
    const catalog = await f.get<AssetsResponse>("/api/assets");
    expect(catalog.body.assets.find((a) => a.key === "mart/orders")!.health).toBe("degraded");
    expect(catalog.body.assets.find((a) => a.key === "src/orders")!.health).toBe("unknown");
    // The catalog and the overview's "late" list read the recorded state; no policy, no field.
    expect(catalog.body.assets.find((a) => a.key === "mart/orders")!.freshness).toBe("fail");
    expect(catalog.body.assets.find((a) => a.key === "src/orders")!.freshness).toBeUndefined();
  });

  it("has tidy empty parts for an asset without condition or policy, a limit, and a 404", async () => {
    const { status, body } = await f.get<AssetAutomationResponse>(`/api/assets/${enc("src/orders")}/automation?limit=5`);
    expect(status).toBe(200);
    expect(body.condition).toBeUndefined();
    expect(body.freshness).toBeUndefined();
    expect(Array.isArray(body.evaluations)).toBe(true);
    expect((await f.get(`/api/assets/${enc("src/orderz")}/automation`)).status).toBe(404);
    expect((await f.get(`/api/assets/${enc("src/orders")}/automation?limit=0`)).status).toBe(400);
  });

  it("is in the OpenAPI description", async () => {
    const { body } = await f.get<{ paths: Record<string, unknown> }>("/api/openapi.json");
    expect(body.paths["/api/assets/{key}/automation"]).toBeTruthy();
  });
});
