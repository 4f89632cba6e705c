import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts", "integrations/*/src/**/*.test.ts", "integrations/*/test/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Many tests wait on child processes (CLI, workers); vitest's default (cores - 1) would
    // run one file at a time on a 2-core machine.
    maxWorkers: 2,
  },
});
