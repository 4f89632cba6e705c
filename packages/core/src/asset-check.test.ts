import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { asset, multiAsset } from "./asset.ts";
import { assetCheck, isAssetCheckDefinition } from "./asset-check.ts";
import { StrataError } from "./errors.ts";

const THIS_FILE = fileURLToPath(import.meta.url);
const pass = () => true;

function callerLine(): number {
  const frame = new Error().stack!.split("\n")[2]!;
  return Number(/:(\d+):\d+\)?$/.exec(frame)![1]);
}

function thrown(fn: () => unknown): StrataError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StrataError);
    return err as StrataError;
  }
  throw new Error("expected a StrataError");
}

const orders = asset({ key: "raw/orders" }, () => []);

describe("assetCheck", () => {
  it("defaults to a non-blocking ERROR check with no resources", () => {
    const c = assetCheck({ asset: orders, name: "not_empty" }, pass);
    expect(c).toMatchObject({
      kind: "check",
      asset: "raw/orders",
      name: "not_empty",
      blocking: false,
      severity: "ERROR",
      resources: [],
    });
    expect(c.description).toBeUndefined();
    expect(c.fn).toBe(pass);
    expect(isAssetCheckDefinition(c)).toBe(true);
  });

  it("keeps every option and accepts keys as the asset", () => {
    const c = assetCheck(
      {
        asset: ["raw", "orders"],
        name: "fresh.v2-x",
        blocking: true,
        severity: "WARN",
        description: "Recent data",
        resources: ["warehouse"],
      },
      pass,
    );
    expect(c).toMatchObject({
      asset: "raw/orders",
      name: "fresh.v2-x",
      blocking: true,
      severity: "WARN",
      description: "Recent data",
      resources: ["warehouse"],
    });
  });

  it("is frozen, with a frozen copy of its resources", () => {
    const resources = ["a"];
    const c = assetCheck({ asset: "x", name: "c", resources }, pass);
    resources.push("b");
    expect(c.resources).toEqual(["a"]);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.resources)).toBe(true);
  });

  it("captures the file and line of the call", () => {
    const [c, line] = [assetCheck({ asset: orders, name: "here" }, pass), callerLine()];
    expect(c.codeRef).toMatchObject({ file: THIS_FILE, line });
  });

  it.each(["", "has space", "a:b", "a/b"])("rejects the name %j", (name) => {
    const [err, line] = [thrown(() => assetCheck({ asset: orders, name }, pass)), callerLine()];
    expect(err.code).toBe("DEFS_INVALID");
    expect(err.message).toBe(`Invalid check name ${JSON.stringify(name)}`);
    expect(err.where).toBe(`${THIS_FILE}:${line}`);
    expect(err.hint).toContain("letters, digits");
  });

  it("rejects an unknown severity", () => {
    const err = thrown(() => assetCheck({ asset: orders, name: "c", severity: "INFO" as never }, pass));
    expect(err.message).toBe('Check "c" severity must be "WARN" or "ERROR"');
  });

  it("rejects a multi-asset as the asset", () => {
    const m = multiAsset({ specs: [{ key: "a" }, { key: "b" }] }, () => undefined);
    expect(thrown(() => assetCheck({ asset: m, name: "c" }, pass)).hint).toBe("Use one of: a, b");
  });

  it("isAssetCheckDefinition rejects other values", () => {
    expect(isAssetCheckDefinition(orders)).toBe(false);
    expect(isAssetCheckDefinition(undefined)).toBe(false);
  });
});
