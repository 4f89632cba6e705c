import { describe, expect, it } from "vitest";
import {
  deserializeError,
  isStrataError,
  serializeError,
  StrataError,
  type SerializedError,
} from "./errors.ts";

describe("StrataError", () => {
  it("carries code, where, hint, assetKey, details and cause", () => {
    const cause = new Error("disk full");
    const e = new StrataError("STORAGE", "Could not write", {
      where: "defs.ts:4",
      hint: "Free some space",
      assetKey: "raw/orders",
      details: { bytes: 10 },
      cause,
    });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("StrataError");
    expect(e.message).toBe("Could not write");
    expect(e.code).toBe("STORAGE");
    expect(e.where).toBe("defs.ts:4");
    expect(e.hint).toBe("Free some space");
    expect(e.assetKey).toBe("raw/orders");
    expect(e.details).toEqual({ bytes: 10 });
    expect(e.cause).toBe(cause);
  });

  it("has no cause property when none is given", () => {
    expect("cause" in new StrataError("USAGE", "x")).toBe(false);
  });

  it("serialises to JSON through toJSON", () => {
    const e = new StrataError("DEFS_CYCLE", "a -> b -> a", { hint: "Remove one" });
    const parsed = JSON.parse(JSON.stringify(e)) as SerializedError;
    expect(parsed).toMatchObject({
      name: "StrataError",
      code: "DEFS_CYCLE",
      message: "a -> b -> a",
      hint: "Remove one",
    });
    expect(parsed.stack).toContain("a -> b -> a");
    expect("where" in parsed).toBe(false);
  });
});

describe("isStrataError", () => {
  it("checks the class and optionally the code", () => {
    const e = new StrataError("ENV_MISSING", "x");
    expect(isStrataError(e)).toBe(true);
    expect(isStrataError(e, "ENV_MISSING")).toBe(true);
    expect(isStrataError(e, "CONFIG_INVALID")).toBe(false);
    expect(isStrataError(new Error("x"))).toBe(false);
    expect(isStrataError({ code: "ENV_MISSING", message: "x" })).toBe(false);
  });
});

describe("serializeError", () => {
  it("keeps every field of a StrataError and drops undefined ones", () => {
    const e = new StrataError("DEFS_UNKNOWN_DEP", "unknown", { where: "a.ts:1", assetKey: "a" });
    const s = serializeError(e);
    expect(s).toEqual({
      name: "StrataError",
      code: "DEFS_UNKNOWN_DEP",
      message: "unknown",
      where: "a.ts:1",
      assetKey: "a",
      stack: e.stack,
    });
    expect(Object.keys(s)).not.toContain("hint");
  });

  it("gives plain errors the USER_CODE code, keeping name and stack", () => {
    const e = new TypeError("x is not a function");
    expect(serializeError(e)).toEqual({
      name: "TypeError",
      code: "USER_CODE",
      message: "x is not a function",
      stack: e.stack,
    });
  });

  it("keeps a string code of a system error", () => {
    const e = Object.assign(new Error("ENOENT: no such file"), { code: "ENOENT" });
    expect(serializeError(e).code).toBe("ENOENT");
    const numeric = Object.assign(new Error("x"), { code: 42 });
    expect(serializeError(numeric).code).toBe("USER_CODE");
  });

  it("serialises values that are not errors", () => {
    expect(serializeError("boom")).toEqual({ name: "Error", code: "USER_CODE", message: "boom" });
    expect(serializeError({ a: 1 })).toEqual({ name: "Error", code: "USER_CODE", message: '{"a":1}' });
    expect(serializeError(undefined).message).toBe("undefined");
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(serializeError(circular).message).toBe("[object Object]");
  });

  it("follows the cause chain, at most four levels deep", () => {
    let e: unknown = new Error("level 0");
    for (let i = 1; i <= 7; i++) e = new StrataError("INTERNAL", `level ${i}`, { cause: e });
    let s: SerializedError | undefined = serializeError(e);
    const messages: string[] = [];
    while (s) {
      messages.push(s.message);
      s = s.cause;
    }
    expect(messages).toEqual(["level 7", "level 6", "level 5", "level 4", "level 3"]);
  });
});

describe("deserializeError", () => {
  it("round-trips code, where, hint, assetKey, details, stack and cause", () => {
    const root = new StrataError("ENV_MISSING", "TOKEN is not set", {
      hint: "Set TOKEN",
      where: "resources.ts:9",
    });
    const err = new StrataError("USER_CODE", "Asset failed", {
      where: "assets.ts:12",
      hint: "See the cause",
      assetKey: "raw/orders",
      details: { attempt: 2 },
      cause: root,
    });
    const wire = JSON.parse(JSON.stringify(serializeError(err))) as SerializedError;
    const back = deserializeError(wire);
    expect(back).toBeInstanceOf(StrataError);
    expect(back.code).toBe("USER_CODE");
    expect(back.message).toBe("Asset failed");
    expect(back.where).toBe("assets.ts:12");
    expect(back.hint).toBe("See the cause");
    expect(back.assetKey).toBe("raw/orders");
    expect(back.details).toEqual({ attempt: 2 });
    expect(back.stack).toBe(err.stack);
    const cause = back.cause as StrataError;
    expect(cause).toBeInstanceOf(StrataError);
    expect(cause.code).toBe("ENV_MISSING");
    expect(cause.where).toBe("resources.ts:9");
    expect(cause.hint).toBe("Set TOKEN");
    expect(cause.stack).toBe(root.stack);
    expect(serializeError(back)).toEqual(wire);
  });

  it("keeps the code, message and stack of a plain error cause", () => {
    const user = new RangeError("bad index");
    const back = deserializeError(serializeError(new StrataError("USER_CODE", "failed", { cause: user })));
    const cause = back.cause as StrataError;
    expect(cause.code).toBe("USER_CODE");
    expect(cause.message).toBe("bad index");
    expect(cause.stack).toBe(user.stack);
  });

  it("keeps its own stack when none was sent", () => {
    const back = deserializeError({ name: "StrataError", code: "RUN_NOT_FOUND", message: "no run" });
    expect(back.code).toBe("RUN_NOT_FOUND");
    expect(back.stack).toContain("no run");
    expect(back.cause).toBeUndefined();
  });
});
