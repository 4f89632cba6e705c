import { describe, expect, it } from "vitest";
import { AutomationCondition as C, type AutomationConditionSnapshot } from "./condition.ts";
import { evaluateAutomation } from "./evaluate.ts";
import { MemoryAutomationView } from "./storage-view.ts";
import { DAY, HOUR, Ticker, findNode, graphOf, node } from "./test-fixtures.ts";

const T0 = Date.parse("2024-05-01T12:00Z");
const g = graphOf([node("up"), node("a", ["up"], { codeVersion: "1" })]);
const only = (cond: C) => new Map([["a", cond]]);
/** Runs one tick and says whether asset a was requested. */
const req = (t: Ticker, now: number) => t.tick(now).requests.some((r) => r.assetKeys.includes("a"));

describe("operands", () => {
  it("missing, in_progress, execution_failed read the storage view", () => {
    const m = new Ticker(g, undefined, only(C.missing()));
    expect(req(m, T0)).toBe(true);
    m.view.materialize("a", { timestamp: T0 });
    expect(req(m, T0 + HOUR)).toBe(false);

    const p = new Ticker(g, undefined, only(C.inProgress()));
    expect(req(p, T0)).toBe(false);
    p.view.startRun("a");
    expect(req(p, T0 + HOUR)).toBe(true);
    p.view.endRun("a");
    expect(req(p, T0 + 2 * HOUR)).toBe(false);

    const f = new Ticker(g, undefined, only(C.executionFailed()));
    f.view.fail("a");
    expect(req(f, T0)).toBe(true);
    f.view.materialize("a", { timestamp: T0 });
    expect(req(f, T0 + HOUR)).toBe(false);
  });

  it("newly_updated: materialised since the previous evaluation (never on the first)", () => {
    const t = new Ticker(g, undefined, only(C.newlyUpdated()));
    t.view.materialize("a", { timestamp: T0 - HOUR });
    expect(req(t, T0)).toBe(false);
    t.view.materialize("a", { timestamp: T0 + 1 });
    expect(req(t, T0 + HOUR)).toBe(true);
    expect(req(t, T0 + 2 * HOUR)).toBe(false);
  });

  it("newly_requested: requested by the previous evaluation", () => {
    const t = new Ticker(g, undefined, only(C.missing().and(C.newlyRequested().not())));
    expect([req(t, T0), req(t, T0 + HOUR), req(t, T0 + 2 * HOUR), req(t, T0 + 3 * HOUR)]).toEqual([true, false, true, false]);
    expect(findNode(t.tree("a"), "newly_requested")!.value).toBe(true);
  });

  it("code_version_changed: the definition's code version changed since the previous tick", () => {
    const t = new Ticker(g, undefined, only(C.codeVersionChanged()));
    t.view.materialize("a", { timestamp: T0, codeVersion: "1" });
    expect(req(t, T0)).toBe(false);
    expect(req(t, T0 + HOUR)).toBe(false);
    t.graph = graphOf([node("up"), node("a", ["up"], { codeVersion: "2" })]);
    expect(req(t, T0 + 2 * HOUR)).toBe(true);
    expect(req(t, T0 + 3 * HOUR)).toBe(false);
    // On a first evaluation, it compares with the code version of the last materialisation.
    const fresh = new Ticker(g, undefined, only(C.codeVersionChanged()));
    fresh.view.materialize("a", { timestamp: T0, codeVersion: "0" });
    expect(req(fresh, T0)).toBe(true);
    expect(req(fresh, T0 + HOUR)).toBe(false);
  });

  it("cron_tick_passed across the New York spring-forward (02:30 → 03:00 EDT)", () => {
    const t = new Ticker(g, undefined, only(C.cronTickPassed("30 2 * * *", "America/New_York")));
    const at = (s: string) => req(t, Date.parse(s));
    expect(at("2024-03-10T06:00Z")).toBe(false); // first evaluation
    expect(at("2024-03-10T06:59Z")).toBe(false);
    expect(at("2024-03-10T07:00Z")).toBe(true); // 03:00 EDT: the 02:30 tick of that day
    expect(at("2024-03-10T07:30Z")).toBe(false);
    expect(at("2024-03-11T06:29Z")).toBe(false);
    expect(at("2024-03-11T06:31Z")).toBe(true);
  });

  it("cron_tick_passed fires once at the Berlin fall-back repeated hour", () => {
    const t = new Ticker(g, undefined, only(C.cronTickPassed("30 2 * * *", "Europe/Berlin")));
    const at = (s: string) => req(t, Date.parse(s));
    expect(at("2024-10-27T00:00Z")).toBe(false);
    expect(at("2024-10-27T00:45Z")).toBe(false); // 02:45 CEST: the first 02:30 is not the tick
    expect(at("2024-10-27T01:31Z")).toBe(true); // 02:31 CET
    expect(at("2024-10-27T02:00Z")).toBe(false);
  });

  it("will_be_requested: a dep requested in the same evaluation", () => {
    const chain = graphOf([node("up"), node("a", ["up"]), node("b", ["a"])]);
    const t = new Ticker(chain, undefined, new Map([["a", C.missing()], ["b", C.anyDepsMatch(C.willBeRequested())]]));
    t.tick(T0);
    expect(t.last.requests).toEqual([{ assetKeys: ["a", "b"], requestKey: expect.any(String) }]);
  });

  it("initial_evaluation: the first tick, and the first after the condition changes", () => {
    const conds = new Map([["a", C.initialEvaluation()]]);
    const t = new Ticker(g, undefined, conds);
    expect([req(t, T0), req(t, T0 + HOUR)]).toEqual([true, false]);
    conds.set("a", C.initialEvaluation().withLabel("changed"));
    expect(req(t, T0 + 2 * HOUR)).toBe(true);
    expect(t.last.evaluations[0]!.initial).toBe(true);
  });

  it("any_downstream_conditions: true where a downstream condition is true on this asset", () => {
    const chain = graphOf([node("a"), node("b", ["a"])]);
    const t = new Ticker(chain, undefined, new Map([["a", C.anyDownstreamConditions()], ["b", C.executionFailed()]]));
    t.view.fail("a");
    t.tick(T0);
    expect(t.requested()).toEqual(["a"]);
    expect(t.tree("a").children[0]!.type).toBe("execution_failed");
  });
});

describe("operators", () => {
  it("not / and / or, with a tree of sub-results and skipped operands", () => {
    const t = new Ticker(g, undefined, only(C.and(C.missing(), C.inProgress().not()).or(C.executionFailed())));
    t.view.startRun("a");
    t.tick(T0);
    const tree = t.tree("a");
    expect(tree).toMatchObject({ type: "or", value: false, candidates: 1 });
    const and = tree.children[0]!;
    expect(and.children.map((c) => [c.type, c.value])).toEqual([["missing", true], ["not", false]]);
    expect(and.children[1]!.children[0]).toMatchObject({ type: "in_progress", value: true });
    const t2 = new Ticker(g, undefined, only(C.inProgress().and(C.missing())));
    t2.tick(T0);
    expect(t2.tree("a").children[1]).toMatchObject({ type: "missing", skipped: true, candidates: 0 });
    // A skipped compound node has no children to show: it is labelled with its structure.
    const t3 = new Ticker(g, undefined, only(C.inProgress().and(C.anyDepsMissing().not(), C.missing().or(C.executionFailed()))));
    t3.tick(T0);
    expect(t3.tree("a").children.slice(1).map((c) => [c.type, c.label, c.skipped])).toEqual([
      ["not", "~any_deps_missing", true],
      ["or", "(missing | execution_failed)", true],
    ]);
  });

  it("newly_true: true on the tick a condition becomes true", () => {
    const t = new Ticker(g, undefined, only(C.missing().newlyTrue()));
    expect(req(t, T0)).toBe(true);
    expect(req(t, T0 + HOUR)).toBe(false);
    t.view.materialize("a", { timestamp: T0 });
    expect(req(t, T0 + 2 * HOUR)).toBe(false);
    t.view.wipe("a");
    expect(req(t, T0 + 3 * HOUR)).toBe(true);
    expect(req(t, T0 + 4 * HOUR)).toBe(false);
  });

  it("a.since(b): true from a tick where a is true until one where b is", () => {
    const t = new Ticker(g, undefined, only(C.executionFailed().since(C.newlyUpdated())));
    t.view.materialize("a", { timestamp: T0 });
    expect(req(t, T0)).toBe(false);
    t.view.fail("a");
    expect(req(t, T0 + HOUR)).toBe(true);
    t.view.startRun("a"); // no longer "failed", but since remembers
    expect(req(t, T0 + 2 * HOUR)).toBe(true);
    t.view.materialize("a", { timestamp: T0 + 2 * HOUR });
    expect(req(t, T0 + 3 * HOUR)).toBe(false);
    expect(req(t, T0 + 4 * HOUR)).toBe(false);
  });

  it("since: the reset wins when both are true on the same tick", () => {
    const t = new Ticker(g, undefined, only(C.missing().since(C.initialEvaluation())));
    expect([req(t, T0), req(t, T0 + HOUR)]).toEqual([false, true]);
  });

  it("since_last_handled: never on the first tick; reset by a request or an update", () => {
    const t = new Ticker(g, undefined, only(C.missing().sinceLastHandled()));
    expect([req(t, T0), req(t, T0 + HOUR), req(t, T0 + 2 * HOUR), req(t, T0 + 3 * HOUR)]).toEqual([false, true, false, true]);
    const u = new Ticker(g, undefined, only(C.executionFailed().newlyTrue().sinceLastHandled()));
    u.tick(T0);
    u.view.fail("a");
    expect(req(u, T0 + HOUR)).toBe(true);
    expect(req(u, T0 + 2 * HOUR)).toBe(false); // handled by the request
  });

  it("any_deps_match / all_deps_match with allow and ignore", () => {
    const gg = graphOf([node("x", [], { group: "g1" }), node("y", [], { group: "g2" }), node("c", ["x", "y"]), node("root")]);
    const conds = new Map<string, C>();
    const t = new Ticker(gg, undefined, conds);
    t.view.materialize("x", { timestamp: T0 });
    t.view.materialize("c", { timestamp: T0 });
    const check = (cond: C, key = "c") => {
      conds.clear();
      conds.set(key, cond);
      return t.tick(T0).requests.length > 0;
    };
    expect(check(C.anyDepsMatch(C.missing()))).toBe(true);
    expect(check(C.anyDepsMatch(C.missing()).ignore("y"))).toBe(false);
    expect(check(C.anyDepsMatch(C.missing()).allow("group:g1"))).toBe(false);
    expect(check(C.allDepsMatch(C.missing()))).toBe(false);
    expect(check(C.allDepsMatch(C.missing()).allow(["y"]))).toBe(true);
    expect(check(C.allDepsMatch(C.missing()).ignore("x"))).toBe(true);
    expect(check(C.allDepsMatch(C.missing()), "root")).toBe(true); // no deps: vacuously true
    expect(check(C.anyDepsMatch(C.missing()), "root")).toBe(false);
    conds.clear();
    conds.set("c", C.anyDepsMatch(C.missing()));
    t.tick(T0);
    expect(t.tree("c").children.map((ch) => [ch.assetKey, ch.value])).toEqual([["x", false], ["y", true]]);
  });
});

describe("presets", () => {
  const chainGraph = () => graphOf([node("root"), node("a", ["root"], { automation: C.eager() }), node("b", ["a"], { automation: C.eager() }), node("c", ["b"], { automation: C.eager() })]);

  it("eager: a chain whose root updates becomes ONE run", () => {
    const t = new Ticker(chainGraph());
    expect(t.tick(T0).requests).toEqual([]); // first evaluation: nothing, even though a/b/c are missing
    t.view.materialize("root", { timestamp: T0 + 1 });
    const r = t.tick(T0 + 60_000);
    expect(r.requests).toEqual([{ assetKeys: ["a", "b", "c"], requestKey: expect.stringMatching(/^[0-9a-f]{8}$/) }]);
    expect(findNode(t.tree("b"), "any_deps_updated")!.children[0]).toMatchObject({ assetKey: "a", value: true });
    // Requested → handled: the next tick asks for nothing (the run is queued).
    for (const k of ["a", "b", "c"]) t.view.startRun(k);
    expect(t.tick(T0 + 120_000).requests).toEqual([]);
    // The run materialises a, b, c: newly_updated resets too, nothing more.
    for (const k of ["a", "b", "c"]) t.view.materialize(k, { timestamp: T0 + 130_000 });
    expect(t.tick(T0 + 180_000).requests).toEqual([]);
    // The root updates again: one run again.
    t.view.materialize("root", { timestamp: T0 + 200_000 });
    expect(t.tick(T0 + 240_000).requests.map((x) => x.assetKeys)).toEqual([["a", "b", "c"]]);
  });

  it("eager waits while a dep is missing or in progress, then fires once", () => {
    const gg = graphOf([node("r1"), node("r2"), node("m", ["r1", "r2"], { automation: C.eager() })]);
    const t = new Ticker(gg);
    t.tick(T0);
    t.view.materialize("r1", { timestamp: T0 });
    t.tick(T0 + HOUR);
    expect(t.requested()).toEqual([]); // r2 missing
    expect(findNode(t.tree("m"), "any_deps_missing")!.value).toBe(true);
    t.view.startRun("r2");
    t.view.materialize("r2", { timestamp: T0 + HOUR });
    t.view.startRun("r1");
    t.tick(T0 + 2 * HOUR);
    expect(t.requested()).toEqual([]); // r1 in progress again
    t.view.endRun("r1");
    t.tick(T0 + 3 * HOUR);
    expect(t.requested()).toEqual(["m"]); // remembered since r1/r2 updated, now unblocked
    t.tick(T0 + 4 * HOUR);
    expect(t.requested()).toEqual([]);
  });

  it("eager re-materialises an asset that newly goes missing (wiped)", () => {
    const gg = graphOf([node("r"), node("m", ["r"], { automation: C.eager() })]);
    const t = new Ticker(gg);
    t.view.materialize("r", { timestamp: T0 });
    t.view.materialize("m", { timestamp: T0 });
    t.tick(T0);
    t.tick(T0 + HOUR);
    expect(t.requested()).toEqual([]);
    t.view.wipe("m");
    t.tick(T0 + 2 * HOUR);
    expect(t.requested()).toEqual(["m"]);
  });

  it("onCron: once per tick, after every dep updated since the tick", () => {
    const gg = graphOf([node("r"), node("s"), node("daily", ["r", "s"], { automation: C.onCron("0 6 * * *", "UTC") })]);
    const t = new Ticker(gg);
    const day = Date.parse("2024-05-01T00:00Z");
    t.view.materialize("r", { timestamp: day });
    t.view.materialize("s", { timestamp: day });
    t.tick(day + 5 * HOUR);
    t.tick(day + 6 * HOUR + 60_000); // the cron ticked, but no dep updated since
    expect(t.requested()).toEqual([]);
    t.view.materialize("r", { timestamp: day + 6.5 * HOUR });
    t.tick(day + 7 * HOUR);
    expect(t.requested()).toEqual([]); // s not yet
    t.view.materialize("s", { timestamp: day + 7.5 * HOUR });
    t.tick(day + 8 * HOUR);
    expect(t.requested()).toEqual(["daily"]);
    t.view.materialize("r", { timestamp: day + 8.5 * HOUR });
    t.view.materialize("s", { timestamp: day + 8.5 * HOUR });
    t.tick(day + 9 * HOUR);
    expect(t.requested()).toEqual([]); // handled until the next cron tick
    t.tick(day + DAY + 6 * HOUR + 1);
    t.view.materialize("r", { timestamp: day + DAY + 7 * HOUR });
    t.view.materialize("s", { timestamp: day + DAY + 7 * HOUR });
    t.tick(day + DAY + 8 * HOUR);
    expect(t.requested()).toEqual(["daily"]);
  });

  it("onCron on a root asset requests at each tick", () => {
    const t = new Ticker(graphOf([node("r", [], { automation: C.onCron("@hourly") })]));
    expect([0, 1, 2, 3].map((i) => t.tick(T0 + i * 20 * 60_000).requests.length)).toEqual([0, 0, 0, 1]);
  });

  it("onMissing: requests what goes missing, once, when deps are present", () => {
    const gg = graphOf([node("r"), node("m", ["r"], { automation: C.onMissing() })]);
    const t = new Ticker(gg);
    t.view.materialize("m", { timestamp: T0 });
    t.tick(T0);
    t.view.wipe("m");
    t.tick(T0 + HOUR);
    expect(t.requested()).toEqual([]); // r is missing
    t.view.materialize("r", { timestamp: T0 + HOUR });
    t.tick(T0 + 2 * HOUR);
    expect(t.requested()).toEqual(["m"]);
    t.tick(T0 + 3 * HOUR);
    expect(t.requested()).toEqual([]);
  });
});

describe("robustness", () => {
  it("one broken condition is reported; the others still evaluate", () => {
    const broken = { type: "any_deps_match", operand: { type: "missing" }, allow: "a and (" } as AutomationConditionSnapshot;
    const view = new MemoryAutomationView();
    const r = evaluateAutomation(g, new Map<string, AutomationConditionSnapshot>([["a", broken], ["up", C.missing().snapshot]]), view, undefined, T0);
    expect(r.requests.map((x) => x.assetKeys)).toEqual([["up"]]);
    const bad = r.evaluations.find((e) => e.assetKey === "a")!;
    expect(bad.error?.code).toBe("SELECTION_SYNTAX");
    expect(bad.requestedCount).toBe(0);
  });

  it("state is plain JSON and small", () => {
    const t = new Ticker(graphOf([node("root"), node("a", ["root"], { automation: C.eager() })]));
    t.tick(T0);
    t.view.materialize("root", { timestamp: T0 });
    t.tick(T0 + HOUR);
    expect(t.state).toMatchObject({ version: 1, evaluatedAt: T0 + HOUR, eventId: 1, assets: { a: { requested: 1 } } });
    expect(Object.entries(t.state!.conditions)).toEqual([[expect.stringMatching(/^[0-9a-f]{8}$/), ["a"]]]);
    expect(JSON.stringify(t.state).length).toBeLessThan(300);
  });

  it("accepts a Date for now and conditions from the graph by default", () => {
    const r = evaluateAutomation(graphOf([node("x", [], { automation: C.missing() })]), undefined, new MemoryAutomationView(), undefined, new Date(T0));
    expect(r.evaluatedAt).toBe(T0);
    expect(r.requests).toHaveLength(1);
  });
});
