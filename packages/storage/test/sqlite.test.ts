import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { openInMemoryStorage, openSqliteStorage } from "../src/index.ts";
import { runStorageConformance } from "../src/conformance/index.ts";

const root = mkdtempSync(join(tmpdir(), "strata-storage-"));
let n = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

runStorageConformance("sqlite file", () => openSqliteStorage(join(root, `db${++n}`, "nested", "strata.db")));
runStorageConformance("sqlite in-memory", () => openInMemoryStorage());
