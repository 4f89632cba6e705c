import { describe, expect, it } from "vitest";
import { asset } from "../asset.ts";
import { dailyPartitions, dynamicPartitions, multiPartitions, multiRun, singleRun, staticPartitions, timeWindowMapping } from "../partitions/index.ts";
import { AutomationCondition as C } from "./condition.ts";
import { DAY, HOUR, Ticker, findNode, graphOf, node } from "./test-fixtures.ts";

const days = dailyPartitions({ start: "2024-01-01" });
const NOW = Date.parse("2024-03-10T12:00Z"); // latest complete day: 2024-03-09
const eager = C.eager();

describe("partition-aware evaluation", () => {
  it("eager on a daily asset requests only the latest partition, when its upstream partition updates", () => {
    const t = new Ticker(graphOf([node("r", [], { partitions: days }), node("a", ["r"], { partitions: days, automation: eager })]));
    t.tick(NOW);
    expect(t.requested()).toEqual([]);
    t.view.materialize("r", { partition: "2024-03-09", timestamp: NOW });
    t.view.materialize("r", { partition: "2024-03-01", timestamp: NOW }); // an old partition: not in the latest window
    t.tick(NOW + HOUR);
    expect(t.requested()).toEqual(["a[2024-03-09]"]);
    expect(t.last.evaluations[0]).toMatchObject({ assetKey: "a", requestedCount: 1, requestedRanges: [{ start: "2024-03-09", end: "2024-03-09" }] });
    const root = t.tree("a");
    expect(root.candidates).toBe(69); // 2024-01-01 … 2024-03-09
    expect(root.children[0]).toMatchObject({ type: "in_latest_time_window", trueCount: 1, trueRanges: [{ start: "2024-03-09", end: "2024-03-09" }] });
    t.tick(NOW + 2 * HOUR);
    expect(t.requested()).toEqual([]);
    // Next day: the new partition is missing upstream too → wait; then it arrives → request it.
    const next = NOW + DAY;
    t.tick(next);
    expect(t.requested()).toEqual([]);
    expect(findNode(t.tree("a"), "any_deps_missing")!.value).toBe(true);
    t.view.materialize("r", { partition: "2024-03-10", timestamp: next });
    t.tick(next + HOUR);
    expect(t.requested()).toEqual(["a[2024-03-10]"]);
  });

  it("a chain of daily eager assets becomes one run per partition", () => {
    const g = graphOf([
      node("r", [], { partitions: days }),
      node("a", ["r"], { partitions: days, automation: eager }),
      node("b", ["a"], { partitions: days, automation: eager }),
      node("c", ["b"], { partitions: days, automation: eager }),
    ]);
    const t = new Ticker(g);
    t.tick(NOW);
    t.view.materialize("r", { partition: "2024-03-09", timestamp: NOW });
    t.tick(NOW + HOUR);
    expect(t.last.requests).toEqual([{ assetKeys: ["a", "b", "c"], partitionKeys: ["2024-03-09"], requestKey: expect.any(String) }]);
  });

  it("will_be_requested only counts deps that can run in the same run (same partitions)", () => {
    const g = graphOf([
      node("r", [], { partitions: days }),
      node("d", ["r"], { partitions: days, automation: eager }),
      node("u", ["d"], { automation: eager }), // unpartitioned, depends on every day of d
    ]);
    const t = new Ticker(g);
    t.view.materializePartitions("d", [...Array(68)].map((_, i) => new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10)), NOW - DAY);
    t.view.materialize("u", { timestamp: NOW - DAY });
    t.tick(NOW);
    t.view.materialize("r", { partition: "2024-03-09", timestamp: NOW });
    t.tick(NOW + HOUR);
    expect(t.requested()).toEqual(["d[2024-03-09]"]);
    t.view.materialize("d", { partition: "2024-03-09", timestamp: NOW + HOUR });
    t.tick(NOW + 2 * HOUR);
    expect(t.requested()).toEqual(["u"]);
  });

  it("an unpartitioned upstream maps to every partition of a partitioned downstream", () => {
    const t = new Ticker(graphOf([node("u"), node("d", ["u"], { partitions: days, automation: eager })]));
    t.tick(NOW);
    t.view.materialize("u", { timestamp: NOW });
    t.tick(NOW + HOUR);
    expect(t.requested()).toEqual(["d[2024-03-09]"]);
  });

  it("follows partition mappings (yesterday's upstream partition)", () => {
    const yesterday = { asset: "r", partitionMapping: timeWindowMapping({ startOffset: -1, endOffset: -1 }) };
    const g = graphOf([node("r", [], { partitions: days }), asset({ key: "a", deps: [yesterday], partitions: days, automation: eager }, () => undefined)]);
    const t = new Ticker(g);
    t.tick(NOW);
    t.view.materialize("r", { partition: "2024-03-09", timestamp: NOW });
    t.tick(NOW + HOUR);
    expect(t.requested()).toEqual([]); // a[03-09] reads r[03-08]
    t.view.materialize("r", { partition: "2024-03-08", timestamp: NOW });
    t.tick(NOW + 2 * HOUR);
    expect(t.requested()).toEqual(["a[2024-03-09]"]);
    expect(findNode(t.tree("a"), "any_deps_updated")!.children[0]).toMatchObject({ assetKey: "r", trueRanges: [{ start: "2024-03-08", end: "2024-03-08" }] });
  });

  it("groups requested partitions by the assets' backfill policy", () => {
    const ten = dailyPartitions({ start: "2024-03-01" }); // 9 complete days at NOW
    const reqs = (policy?: ReturnType<typeof singleRun>) =>
      new Ticker(graphOf([node("x", [], { partitions: ten, automation: C.missing(), ...(policy ? { backfillPolicy: policy } : {}) })])).tick(NOW).requests;
    expect(reqs().map((r) => r.partitionKeys)).toHaveLength(9);
    expect(reqs(singleRun())).toEqual([{ assetKeys: ["x"], partitionKeys: expect.any(Array), partitionRange: { start: "2024-03-01", end: "2024-03-09" }, requestKey: expect.any(String) }]);
    expect(reqs(multiRun(4)).map((r) => r.partitionKeys!.length)).toEqual([4, 4, 1]);
  });

  it("compact trees: true subsets as key ranges", () => {
    const t = new Ticker(graphOf([node("x", [], { partitions: days, automation: C.missing().withLabel("gaps") })]));
    t.view.materializePartitions("x", ["2024-01-05", "2024-01-06", "2024-02-01"], NOW);
    t.tick(NOW);
    expect(t.tree("x")).toMatchObject({
      label: "gaps",
      trueCount: 66,
      trueRanges: [
        { start: "2024-01-01", end: "2024-01-04" },
        { start: "2024-01-07", end: "2024-01-31" },
        { start: "2024-02-02", end: "2024-03-09" },
      ],
    });
  });

  it("multi-partitions with a time dimension: the latest window is every region of the last day", () => {
    const multi = multiPartitions({ date: days, region: staticPartitions(["eu", "us"]) });
    const t = new Ticker(graphOf([node("m", [], { partitions: multi, automation: C.inLatestTimeWindow().and(C.missing()) })]));
    t.view.materialize("m", { partition: "2024-03-09|eu", timestamp: NOW });
    t.tick(NOW);
    expect(t.requested()).toEqual(["m[2024-03-09|us]"]);
  });

  it("dynamic partitions: memories are stored as keys and survive removals", () => {
    const files = dynamicPartitions("files");
    const t = new Ticker(graphOf([node("f", [], { partitions: files, automation: C.missing().newlyTrue() })]));
    t.view.setDynamicPartitions("files", ["a", "b"]);
    t.tick(NOW);
    expect(t.requested()).toEqual(["f[a]", "f[b]"]);
    expect(t.state!.assets.f!.memory).toEqual({ "r": { kind: "keys", keys: ["a", "b"] } });
    t.view.setDynamicPartitions("files", ["b", "c"]);
    t.tick(NOW + HOUR);
    expect(t.requested()).toEqual(["f[c]"]);
  });

  it("since memories of partitions outside the candidates are kept across ticks", () => {
    const st = staticPartitions(["p1", "p2", "p3"]);
    const cond = C.executionFailed().since(C.newlyUpdated());
    const t = new Ticker(graphOf([node("s", [], { partitions: st, automation: cond })]));
    t.tick(NOW);
    t.view.fail("s", "p1");
    t.view.fail("s", "p3");
    t.tick(NOW + HOUR);
    expect(t.requested()).toEqual(["s[p1]", "s[p3]"]);
    t.view.materialize("s", { partition: "p1", timestamp: NOW + HOUR });
    t.tick(NOW + 2 * HOUR);
    expect(t.requested()).toEqual(["s[p3]"]);
    expect(t.state!.assets.s!.memory).toEqual({ r: { kind: "ranges", ranges: [["p3", "p3"]] } });
  });

  it("a non-subsettable multi-asset is requested whole", async () => {
    const { multiAsset } = await import("../asset.ts");
    const m = multiAsset({ specs: [{ key: "m1", deps: ["r"], automation: eager }, { key: "m2" }] }, () => undefined);
    const t = new Ticker(graphOf([node("r"), m]));
    t.tick(NOW);
    t.view.materialize("r", { timestamp: NOW });
    t.tick(NOW + HOUR);
    expect(t.last.requests.map((r) => r.assetKeys)).toEqual([["m1", "m2"]]);
  });
});
