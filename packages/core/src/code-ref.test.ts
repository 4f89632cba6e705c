import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { captureCodeRef, formatCodeRef, registerInternalPath } from "./code-ref.ts";

const THIS_FILE = fileURLToPath(import.meta.url);

/** The line this function is called from, read from a real stack trace. */
function callerLine(): number {
  const frame = new Error().stack!.split("\n")[2]!;
  return Number(/:(\d+):\d+\)?$/.exec(frame)![1]);
}

describe("captureCodeRef", () => {
  it("points at the calling file and line, even for tests beside Strata's sources", () => {
    const [ref, line] = [captureCodeRef(), callerLine()];
    expect(ref).toBeDefined();
    expect(ref!.file).toBe(THIS_FILE);
    expect(ref!.line).toBe(line);
    expect(ref!.column).toBeGreaterThan(0);
  });

  it("skips frames of registered internal paths that are not test files", () => {
    // This file is under a registered fragment, but it is a test file, so it still counts.
    registerInternalPath("/packages/core/src/code-ref.test");
    registerInternalPath("/packages/core/src/code-ref.test"); // registering twice is harmless
    const ref = captureCodeRef();
    expect(ref?.file).toBe(THIS_FILE);
  });

  it("restores Error.stackTraceLimit", () => {
    const before = Error.stackTraceLimit;
    captureCodeRef();
    expect(Error.stackTraceLimit).toBe(before);
  });

  it("is cheap enough for 10,000 definitions", () => {
    const t0 = process.cpuUsage();
    for (let i = 0; i < 10_000; i++) captureCodeRef();
    // CPU time with a generous bound (source-mapped stacks under vitest); bench/ measures the real budget.
    const d = process.cpuUsage(t0);
    expect((d.user + d.system) / 1000).toBeLessThan(3000);
  });
});

describe("formatCodeRef", () => {
  it("formats file:line, relative to a root when inside it", () => {
    expect(formatCodeRef({ file: "/proj/src/assets.ts", line: 12, column: 3 })).toBe(
      "/proj/src/assets.ts:12",
    );
    expect(formatCodeRef({ file: "/proj/src/assets.ts", line: 12 }, "/proj")).toBe("src/assets.ts:12");
  });

  it("keeps the absolute path outside the root (no partial-prefix matches)", () => {
    expect(formatCodeRef({ file: "/project2/a.ts", line: 1 }, "/project")).toBe("/project2/a.ts:1");
    expect(formatCodeRef({ file: "/elsewhere/a.ts", line: 1 }, "/project")).toBe("/elsewhere/a.ts:1");
  });

  it("returns undefined without a ref", () => {
    expect(formatCodeRef(undefined, "/proj")).toBeUndefined();
  });
});
