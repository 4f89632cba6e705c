/**
 * Entry of a short-lived process that imports only the project's component modules and
 * prints the registry as JSON (`strata list components`, `schema defs`, `scaffold defs`), so
 * the CLI never imports user code. It also refreshes `.strata/component-schemas.json`.
 */
import { BUILTIN_COMPONENTS } from "./builtins/index.ts";
import { writeSchemaSnapshot } from "./load-defs-folder.ts";
import { loadRegistry } from "./registry.ts";
import { serializeError } from "@strata/core";

const root = process.argv[2]!;
try {
  const registry = await loadRegistry(root, BUILTIN_COMPONENTS);
  writeSchemaSnapshot(root, registry);
  process.stdout.write(JSON.stringify({ ok: true, types: registry.info() }));
} catch (err) {
  process.stdout.write(JSON.stringify({ ok: false, error: serializeError(err) }));
}
