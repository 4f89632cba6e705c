export * from "./create-backfill.ts";
export * from "./reconcile.ts";
export * from "./run-backfill.ts";
export * from "./worker-pool.ts";
