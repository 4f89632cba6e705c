import type { Migration } from "../migration.ts";
import { migration0001Initial } from "./0001-initial.ts";
import { migration0002PartitionsBackfills } from "./0002-partitions-backfills.ts";
import { migration0003Automation } from "./0003-automation.ts";
import { migration0004PartitionPages } from "./0004-partition-pages.ts";

/** Every schema migration, in version order. Append new ones; never edit a released one. */
export const MIGRATIONS: readonly Migration[] = [migration0001Initial, migration0002PartitionsBackfills, migration0003Automation, migration0004PartitionPages];
