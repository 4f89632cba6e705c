import { describe, expect, it } from "vitest";
import { FINISHED_STATUSES, IN_PROGRESS_STATUSES, isFinished, newRunId, type RunStatus } from "./run.ts";

describe("newRunId", () => {
  it("is 17 lowercase base36 characters", () => {
    expect(newRunId()).toMatch(/^[0-9a-z]{17}$/);
    expect(newRunId(0, () => 0)).toBe("0".repeat(17));
  });

  it("starts with the time, so ids sort by creation time", () => {
    const times = [0, 1, 35, 36, 1_000, 1_700_000_000_000, 1_700_000_000_001, 4_102_444_800_000];
    // Random parts that would sort the other way round if the time did not come first.
    const ids = times.map((t, i) => newRunId(t, () => (times.length - i) / (times.length + 1)));
    expect([...ids].sort()).toEqual(ids);
    expect(ids[5]!.slice(0, 9)).toBe((1_700_000_000_000).toString(36).padStart(9, "0"));
  });

  it("takes its random part from the given source", () => {
    expect(newRunId(0, () => 0.999999).slice(9)).toBe("zzzzzzzz");
    let i = 0;
    const seq = [0, 1 / 36, 2 / 36, 10 / 36, 35 / 36, 0, 0, 0];
    expect(newRunId(0, () => seq[i++]!).slice(9)).toBe("012az000");
  });

  it("is unique across many ids made in the same millisecond", () => {
    const now = Date.now();
    const ids = new Set(Array.from({ length: 10_000 }, () => newRunId(now)));
    expect(ids.size).toBe(10_000);
  });

  it("is unique and time-ordered for ids made one after another", () => {
    const a = newRunId();
    const later = newRunId(Date.now() + 1);
    expect(a).not.toBe(later);
    expect(a < later).toBe(true);
  });
});

describe("run statuses", () => {
  it("knows which statuses are finished", () => {
    const all: RunStatus[] = [
      "QUEUED",
      "NOT_STARTED",
      "STARTING",
      "STARTED",
      "SUCCESS",
      "FAILURE",
      "CANCELING",
      "CANCELED",
    ];
    expect(all.filter(isFinished)).toEqual(["SUCCESS", "FAILURE", "CANCELED"]);
    expect([...FINISHED_STATUSES].some((s) => IN_PROGRESS_STATUSES.has(s))).toBe(false);
    expect([...IN_PROGRESS_STATUSES].sort()).toEqual(["CANCELING", "STARTED", "STARTING"]);
  });
});
