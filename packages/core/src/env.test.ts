import { describe, expect, it } from "vitest";
import { env, isEnvVar } from "./env.ts";

describe("env", () => {
  it("makes a frozen, non-secret reference by default", () => {
    const v = env("WAREHOUSE_URL");
    expect(v).toEqual({ kind: "env", name: "WAREHOUSE_URL", secret: false });
    expect("default" in v).toBe(false);
    expect(Object.isFrozen(v)).toBe(true);
  });

  it("keeps a default and the secret flag", () => {
    expect(env("TOKEN", { secret: true, default: "dev" })).toEqual({
      kind: "env",
      name: "TOKEN",
      default: "dev",
      secret: true,
    });
  });

  it("keeps an empty-string default", () => {
    expect(env("X", { default: "" }).default).toBe("");
  });
});

describe("isEnvVar", () => {
  it("recognises env references", () => {
    expect(isEnvVar(env("A"))).toBe(true);
    expect(isEnvVar({ kind: "env", name: "B" })).toBe(true);
  });

  it.each([null, undefined, "A", 1, {}, { kind: "env" }, { kind: "resource", name: "A" }])(
    "rejects %j",
    (v) => {
      expect(isEnvVar(v)).toBe(false);
    },
  );
});
