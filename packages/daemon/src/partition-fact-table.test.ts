import { describe, expect, it } from "vitest";
import { PartitionFactTable } from "./partition-fact-table.ts";

const table = () =>
  new PartitionFactTable({
    partitions: ["2024-01-02", "2024-01-01", "2024-01-03"],
    statuses: "mfi",
    materializationEventIds: Float64Array.from([7, 3, Number.NaN]),
  });

describe("PartitionFactTable", () => {
  it("answers lookups like a map of facts, by scanning and then through an index", () => {
    const t = table();
    // More lookups than are answered by scanning: the later ones go through the key → row map.
    for (let i = 0; i < 20; i++) {
      expect(t.get("2024-01-02")).toEqual({ status: "materialized", lastMaterializationEventId: 7 });
      expect(t.get("2024-01-01")).toEqual({ status: "failed", lastMaterializationEventId: 3 });
      expect(t.get("2024-01-03")).toEqual({ status: "in_progress" });
      expect(t.get("2024-01-04")).toBeUndefined();
      expect(t.has("2024-01-03")).toBe(true);
      expect(t.has("nope")).toBe(false);
    }
    expect(t.size).toBe(3);
  });

  it("iterates every row", () => {
    const t = table();
    expect(new Map(t)).toEqual(
      new Map([
        ["2024-01-02", { status: "materialized", lastMaterializationEventId: 7 }],
        ["2024-01-01", { status: "failed", lastMaterializationEventId: 3 }],
        ["2024-01-03", { status: "in_progress" }],
      ]),
    );
    expect([...t.keys()]).toEqual(["2024-01-02", "2024-01-01", "2024-01-03"]);
    expect([...t.values()].map((f) => f.status)).toEqual(["materialized", "failed", "in_progress"]);
    const seen: string[] = [];
    t.forEach((f, k) => seen.push(`${k}=${f.status}`));
    expect(seen).toEqual(["2024-01-02=materialized", "2024-01-01=failed", "2024-01-03=in_progress"]);
  });
});
