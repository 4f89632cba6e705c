import { describe, expect, it } from "vitest";
import { StrataError } from "../errors.ts";
import { AutomationCondition as C, describeCondition, type AutomationConditionSnapshot } from "./condition.ts";

/** The structure without labels, e.g. "(missing & ~in_progress)". */
const strip = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(strip) : typeof v === "object" && v !== null ? Object.fromEntries(Object.entries(v).filter(([k]) => k !== "label").map(([k, x]) => [k, strip(x)])) : v;
const types = (s: AutomationConditionSnapshot): string => describeCondition(strip(s) as AutomationConditionSnapshot);

describe("AutomationCondition", () => {
  it("is frozen data with a JSON form that round-trips", () => {
    const c = C.missing().and(C.inProgress().not()).or(C.executionFailed());
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.snapshot)).toBe(true);
    const json = JSON.parse(JSON.stringify(c)) as AutomationConditionSnapshot;
    expect(json).toEqual({
      type: "or",
      operands: [{ type: "and", operands: [{ type: "missing" }, { type: "not", operand: { type: "in_progress" } }] }, { type: "execution_failed" }],
    });
    expect(C.from(json).snapshot).toEqual(c.snapshot);
    expect(() => (c.snapshot as { type: string }).type = "x").toThrow();
  });

  it("flattens unlabelled and/or chains like Dagster's & and |, but keeps labelled groups", () => {
    const flat = C.missing().and(C.inProgress()).and(C.executionFailed());
    expect(flat.snapshot).toMatchObject({ type: "and", operands: [{ type: "missing" }, { type: "in_progress" }, { type: "execution_failed" }] });
    const grouped = C.missing().and(C.inProgress()).withLabel("g").and(C.executionFailed());
    expect(grouped.snapshot).toMatchObject({ type: "and", operands: [{ type: "and", label: "g" }, { type: "execution_failed" }] });
    expect(C.or(C.missing(), C.or(C.inProgress(), C.newlyUpdated())).toString()).toBe("(missing | in_progress | newly_updated)");
  });

  it("has every operand of ANCHORS.md", () => {
    const all = [
      C.missing(), C.inProgress(), C.executionFailed(), C.newlyUpdated(), C.newlyRequested(), C.codeVersionChanged(),
      C.cronTickPassed("0 * * * *", "UTC"), C.inLatestTimeWindow(), C.willBeRequested(), C.initialEvaluation(), C.anyDownstreamConditions(),
    ];
    expect(all.map((c) => c.type)).toEqual([
      "missing", "in_progress", "execution_failed", "newly_updated", "newly_requested", "code_version_changed",
      "cron_tick_passed", "in_latest_time_window", "will_be_requested", "initial_evaluation", "any_downstream_conditions",
    ]);
  });

  it("since_last_handled = since(newly_requested | newly_updated | initial_evaluation)", () => {
    const c = C.missing().sinceLastHandled();
    expect(c.snapshot).toEqual({
      type: "since",
      trigger: { type: "missing" },
      reset: { type: "or", label: "handled", operands: [{ type: "newly_requested" }, { type: "newly_updated" }, { type: "initial_evaluation" }] },
    });
    expect(c.toString()).toBe("missing.since_last_handled()");
    expect(C.missing().since(C.newlyUpdated()).toString()).toBe("missing.since(newly_updated)");
    expect(C.missing().newlyTrue().toString()).toBe("missing.newly_true()");
  });

  it("eager() is exactly the ANCHORS.md preset", () => {
    const e = C.eager();
    expect(e.label).toBe("eager");
    expect(types(e.snapshot)).toBe(
      "(in_latest_time_window & (missing.newly_true() | any_deps_match((newly_updated | will_be_requested))).since(" +
        "(newly_requested | newly_updated | initial_evaluation)) & ~any_deps_match((missing & ~will_be_requested)) & ~any_deps_match(in_progress) & ~in_progress)",
    );
    // With labels, it reads like the ANCHORS.md line.
    expect(describeCondition({ ...e.snapshot, label: undefined } as AutomationConditionSnapshot)).toBe(
      "(in_latest_time_window & (newly_missing | any_deps_updated).since_last_handled() & ~any_deps_missing & ~any_deps_in_progress & ~in_progress)",
    );
    const ops = (e.snapshot as { operands: AutomationConditionSnapshot[] }).operands;
    const since = ops[1] as Extract<AutomationConditionSnapshot, { type: "since" }>;
    expect(types(since.trigger)).toBe("(missing.newly_true() | any_deps_match((newly_updated | will_be_requested)))");
    expect(types((ops[2] as { operand: AutomationConditionSnapshot }).operand)).toBe("any_deps_match((missing & ~will_be_requested))");
    expect(types((ops[3] as { operand: AutomationConditionSnapshot }).operand)).toBe("any_deps_match(in_progress)");
  });

  it("onCron() and onMissing() are exactly the ANCHORS.md presets", () => {
    const c = C.onCron("0 6 * * *", "Europe/Berlin");
    expect(c.label).toBe("on_cron(0 6 * * *, Europe/Berlin)");
    expect(describeCondition({ ...c.snapshot, label: undefined } as AutomationConditionSnapshot)).toBe(
      "(in_latest_time_window & cron_tick_passed(0 6 * * *, Europe/Berlin).since_last_handled() & all_deps_updated_since_cron)",
    );
    const all = (c.snapshot as { operands: AutomationConditionSnapshot[] }).operands[2]!;
    expect(types(all)).toBe("all_deps_match((newly_updated.since(cron_tick_passed(0 6 * * *, Europe/Berlin)) | will_be_requested))");
    expect(describeCondition({ ...C.onMissing().snapshot, label: undefined } as AutomationConditionSnapshot)).toBe(
      "(in_latest_time_window & missing.newly_true().since_last_handled() & ~any_deps_missing)",
    );
    expect(C.onCron("@daily").snapshot).toMatchObject({ operands: [{}, { trigger: { cron: "0 0 * * *", timezone: "UTC" } }, {}] });
  });

  it("allow/ignore apply to dep matches only and combine with or", () => {
    const c = C.anyDepsMatch(C.missing()).allow("group:bronze").allow(["raw/a"]).ignore("tag:skip");
    expect(c.snapshot).toMatchObject({ type: "any_deps_match", allow: '(group:bronze) or ("raw/a")', ignore: "tag:skip" });
    expect(() => C.missing().allow("x")).toThrow(/applies to anyDepsMatch/);
    expect(() => C.allDepsMatch(C.missing()).ignore("bad((")).toThrow(StrataError);
  });

  it("rejects an invalid cron or time zone with the caller's file:line", () => {
    const bad = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return err as StrataError;
      }
      throw new Error("did not throw");
    };
    const e1 = bad(() => C.cronTickPassed("0 25 * * *", "UTC"));
    expect(e1.code).toBe("DEFS_INVALID");
    expect(e1.message).toMatch(/hour 25 is outside 0-23/);
    expect(e1.where).toMatch(/condition\.test\.ts:\d+$/);
    const e2 = bad(() => C.onCron("0 6 * * *", "Mars/Olympus"));
    expect(e2.message).toMatch(/Unknown time zone "Mars\/Olympus"/);
    expect(e2.where).toMatch(/condition\.test\.ts:\d+$/);
  });

  it("validates untrusted JSON", () => {
    expect(() => C.from({ type: "nope" } as unknown as AutomationConditionSnapshot)).toThrow(/unknown type "nope"/);
    expect(() => C.from({ type: "and", operands: [] })).toThrow(/non-empty operands/);
    expect(() => C.from({ type: "not" } as unknown as AutomationConditionSnapshot)).toThrow(/at automation.operand/);
    expect(() => C.from({ type: "cron_tick_passed", cron: "x", timezone: "UTC" })).toThrow(/Invalid cron/);
    expect(() => C.from({ type: "missing", label: "" })).toThrow(/label/);
    expect(() => C.missing().withLabel("  ")).toThrow(/label/);
    expect(() => C.and()).toThrow(/at least one operand/);
  });
});
