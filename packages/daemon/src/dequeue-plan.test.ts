import { describe, expect, it } from "vitest";
import type { RunRecord } from "@strata/core";
import { planDequeue, queueOrder } from "./dequeue-plan.ts";

const run = (id: string, createdAt: number, tags: Record<string, string> = {}): RunRecord => ({
  runId: id, status: "QUEUED", selection: "a", assetKeys: ["a"], checkKeys: [], tags, location: "l", createdAt, updatedAt: createdAt, config: {},
});

describe("planDequeue", () => {
  it("orders by priority, then FIFO", () => {
    const order = queueOrder([run("a", 1), run("b", 2, { "strata/priority": "5" }), run("c", 0), run("d", 3, { "strata/priority": "-1" })]);
    expect(order.map((r) => r.runId)).toEqual(["b", "c", "a", "d"]);
  });

  it("respects max concurrent runs and tag limits, and says why runs wait", () => {
    const inProgress = [{ ...run("x", 0, { team: "a" }), status: "STARTED" as const }];
    const plan = planDequeue([run("1", 1, { team: "a" }), run("2", 2, { team: "b" }), run("3", 3), run("4", 4)], inProgress, {
      maxConcurrentRuns: 3,
      tagConcurrencyLimits: [{ key: "team", value: "a", limit: 1 }],
    });
    expect(plan.map((d) => [d.run.runId, d.dequeue])).toEqual([["1", false], ["2", true], ["3", true], ["4", false]]);
    expect(plan[0]!.reason).toMatch(/tag limit team=a: 1 of 1/);
    expect(plan[3]!.reason).toMatch(/3 of 3 concurrent runs/);
  });
});
