import { describe, expect, it } from "vitest";
import { closest, editDistance } from "./suggest.ts";

describe("editDistance", () => {
  it.each([
    ["", "", 0],
    ["abc", "abc", 0],
    ["", "abc", 3],
    ["abc", "", 3],
    ["kitten", "sitting", 3],
    ["flaw", "lawn", 2],
    ["orders", "ordesr", 2],
    ["raw/orders", "raw/order", 1],
    ["a", "b", 1],
  ])("distance(%j, %j) = %i", (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe("closest", () => {
  const keys = ["raw/orders", "raw/customers", "mart/daily_totals", "stg/orders"];

  it("suggests the nearest candidate for a typo", () => {
    expect(closest("raw/ordrs", keys)).toBe("raw/orders");
    expect(closest("raw/customer", keys)).toBe("raw/customers");
    expect(closest("mart/daily_total", keys)).toBe("mart/daily_totals");
  });

  it("returns an exact match", () => {
    expect(closest("stg/orders", keys)).toBe("stg/orders");
  });

  it("prefers the smallest distance, the first candidate on ties", () => {
    expect(closest("ab", ["xy", "ax", "ab"])).toBe("ab");
    expect(closest("abc", ["abd", "abe"])).toBe("abd");
  });

  it("returns undefined when nothing is reasonably close", () => {
    expect(closest("zzzzzzzz", keys)).toBeUndefined();
    expect(closest("completely_different", ["orders"])).toBeUndefined();
  });

  it("returns undefined for no candidates", () => {
    expect(closest("orders", [])).toBeUndefined();
  });

  it("allows up to two edits for short words and half the length for long ones", () => {
    expect(closest("ab", ["xy"])).toBe("xy"); // distance 2 ≤ max(2, 1)
    expect(closest("ab", ["xyz"])).toBeUndefined(); // distance 3
    expect(closest("abcdefgh", ["abcdwxyz"])).toBe("abcdwxyz"); // 4 ≤ 8/2
    expect(closest("abcdefgh", ["abcvwxyz"])).toBeUndefined(); // 5 > 4
  });

  it("accepts any iterable, e.g. map keys", () => {
    const m = new Map([
      ["warehouse", 1],
      ["io_manager", 2],
    ]);
    expect(closest("warehose", m.keys())).toBe("warehouse");
  });
});
