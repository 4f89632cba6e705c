import { describe, expect, it } from "vitest";
import { checkKey, keyPath, prefixKey, toAssetKey } from "./asset-key.ts";
import { StrataError } from "./errors.ts";

function thrown(fn: () => unknown): StrataError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StrataError);
    return err as StrataError;
  }
  throw new Error("expected a StrataError");
}

describe("toAssetKey", () => {
  it("accepts a slash-joined string and returns it unchanged", () => {
    expect(toAssetKey("raw/orders")).toBe("raw/orders");
    expect(toAssetKey("orders")).toBe("orders");
  });

  it("joins parts with a slash", () => {
    expect(toAssetKey(["raw", "orders"])).toBe("raw/orders");
    expect(toAssetKey(["a"])).toBe("a");
  });

  it("allows letters, digits and _ . - [ ] @ in parts", () => {
    expect(toAssetKey(["a_b", "c.d", "e-f", "g[0]", "h@v2", "X9"])).toBe("a_b/c.d/e-f/g[0]/h@v2/X9");
  });

  it.each([[""], ["/a"], ["a/"], ["a//b"], [[] as string[]], [["a", ""]]])(
    "rejects empty parts in %j",
    (input) => {
      const err = thrown(() => toAssetKey(input, "defs.ts:3"));
      expect(err.code).toBe("DEFS_INVALID");
      expect(err.message).toContain("empty part");
      expect(err.message).toContain(JSON.stringify(input));
      expect(err.where).toBe("defs.ts:3");
      expect(err.hint).toContain('"/"');
    },
  );

  it.each(["a b", "a:b", "ä", "a*", "a,b", "a\\b"])(
    "rejects the invalid character in %j and names the part",
    (input) => {
      const err = thrown(() => toAssetKey(["ok", input]));
      expect(err.code).toBe("DEFS_INVALID");
      expect(err.message).toContain(`part "${input}"`);
      expect(err.hint).toContain("letters, digits");
    },
  );

  it("does not split parts given as an array", () => {
    // A slash inside a part is not a valid character, rather than silently becoming two parts.
    expect(() => toAssetKey(["a/b"])).toThrow(/part "a\/b"/);
  });

  it("leaves where undefined when not given", () => {
    expect(thrown(() => toAssetKey("a//b")).where).toBeUndefined();
  });
});

describe("keyPath", () => {
  it("splits a key into its parts", () => {
    expect(keyPath("raw/orders/2024")).toEqual(["raw", "orders", "2024"]);
    expect(keyPath("single")).toEqual(["single"]);
  });

  it("is the inverse of toAssetKey for arrays", () => {
    const parts = ["x", "y.z", "w"];
    expect(keyPath(toAssetKey(parts))).toEqual(parts);
  });
});

describe("prefixKey", () => {
  it("prepends a string or array prefix", () => {
    expect(prefixKey("raw", "orders")).toBe("raw/orders");
    expect(prefixKey(["warehouse", "raw"], "orders")).toBe("warehouse/raw/orders");
    expect(prefixKey("a/b", "c/d")).toBe("a/b/c/d");
  });

  it("returns the key unchanged for an absent or empty prefix", () => {
    expect(prefixKey(undefined, "orders")).toBe("orders");
    expect(prefixKey("", "orders")).toBe("orders");
    expect(prefixKey([], "orders")).toBe("orders");
  });

  it("validates the prefix", () => {
    expect(() => prefixKey("bad prefix", "orders")).toThrow(StrataError);
    expect(() => prefixKey(["ok", ""], "orders")).toThrow(/empty part/);
  });
});

describe("checkKey", () => {
  it("joins asset key and check name with a colon", () => {
    expect(checkKey("raw/orders", "not_empty")).toBe("raw/orders:not_empty");
  });
});
