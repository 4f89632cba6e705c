import type { Migration } from "../migration.ts";
import { migration0001Initial } from "./0001-initial.ts";

/**
 * Every schema migration, in version order. Append new ones (never edit a released one);
 * the asset partition index, for example, arrives as migration 2.
 */
export const MIGRATIONS: readonly Migration[] = [migration0001Initial];
