import type { Hono } from "hono";

/** The Hono app type every route module registers on. */
export type ApiApp = Hono;
