import { describe, expect, it } from "vitest";
import { keyMatcher } from "./key-pattern.ts";

describe("keyMatcher", () => {
  it("matches exactly without a wildcard", () => {
    expect(keyMatcher("raw/orders")("raw/orders")).toBe(true);
    expect(keyMatcher("raw/orders")("raw/orders2")).toBe(false);
  });

  it("lets * span slashes and match nothing", () => {
    const m = keyMatcher("raw/*");
    expect(m("raw/orders")).toBe(true);
    expect(m("raw/a/b/c")).toBe(true);
    expect(m("raw/")).toBe(true);
    expect(m("raw")).toBe(false);
    expect(m("stg/raw/x")).toBe(false);
  });

  it("anchors both ends and supports several wildcards", () => {
    expect(keyMatcher("*orders")("mart/orders")).toBe(true);
    expect(keyMatcher("*orders")("mart/orders_v2")).toBe(false);
    expect(keyMatcher("*/ord*/*")("a/b/orders/x")).toBe(true);
    expect(keyMatcher("*")("anything/at/all")).toBe(true);
  });

  it("treats regex characters literally", () => {
    expect(keyMatcher("a.b*")("a.bc")).toBe(true);
    expect(keyMatcher("a.b*")("axbc")).toBe(false);
    expect(keyMatcher("x[1]*")("x[1]y")).toBe(true);
    expect(keyMatcher("(a|b)*")("a")).toBe(false);
  });
});
