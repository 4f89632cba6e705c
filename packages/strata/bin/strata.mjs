#!/usr/bin/env node
// The `strata` command. TypeScript sources load directly through tsx: no build step.
// Heavy dependencies are imported before tsx's hooks are registered, since every file loaded
// through loader hooks pays a per-file cost (see ARCHITECTURE.md, "Start-up time").
import { register } from "tsx/esm/api";

await Promise.all([import("kysely"), import("zod"), import("commander")]).catch(() => undefined);
register();
await import("../src/cli/main.ts");
