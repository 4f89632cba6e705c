/**
 * Helpers for users' own tests.
 *
 * @example
 * import { materialize } from "strata/testing";
 * const result = await materialize([orders], { resources: { api: fakeApi } });
 */
export { materialize, type MaterializeOptions, type MaterializeTestResult, type CheckOutcome } from "@strata/engine";
