import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pc from "picocolors";
import { StrataError } from "@strata/core";

// Through the package (not import.meta.url) so this holds when the CLI runs from its bundle.
const STRATA_DIR = dirname(fileURLToPath(import.meta.resolve("strata/package.json")));
const STRATA_SRC = join(STRATA_DIR, "src", "index.ts");
const TESTING_SRC = join(STRATA_DIR, "src", "testing.ts");

/** `strata init <dir>`: a working project, offline (no install needed: the CLI provides `strata`). */
export function initCommand(dir: string, flags: { force?: boolean }): number {
  const root = resolve(dir);
  if (existsSync(root) && readdirSync(root).length > 0 && !flags.force) {
    throw new StrataError("USAGE", `${root} is not empty`, { hint: "Choose a new folder, or pass --force to add the files anyway." });
  }
  mkdirSync(root, { recursive: true });
  const name = basename(root).replace(/[^a-z0-9-_]/gi, "-").toLowerCase() || "strata-project";
  const files: Record<string, string> = {
    "package.json": JSON.stringify(
      {
        name,
        private: true,
        type: "module",
        strata: { entry: "strata.config.ts" },
        scripts: { check: "strata check", materialize: "strata materialize --select '*'" },
      },
      null,
      2,
    ) + "\n",
    "strata.config.ts": CONFIG,
    "assets.test.ts": TEST,
    ".env.example": "# Copy to .env; values here are read when a run starts.\nGREETING_API_TOKEN=change-me\n",
    ".gitignore": ".strata/\n.env\nnode_modules/\n",
    "tsconfig.json": JSON.stringify(
      {
        compilerOptions: {
          target: "ES2023",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          allowImportingTsExtensions: true,
          skipLibCheck: true,
          // Lets editors find `strata` without installing it (the CLI provides it at run time).
          paths: { strata: [STRATA_SRC], "strata/testing": [TESTING_SRC] },
        },
      },
      null,
      2,
    ) + "\n",
    "README.md": README.replaceAll("NAME", name),
  };
  for (const [file, content] of Object.entries(files)) {
    const path = join(root, file);
    if (existsSync(path) && flags.force) continue;
    writeFileSync(path, content);
  }
  process.stdout.write(
    `${pc.green("✓")} Created a Strata project in ${root}\n\nNext:\n  cd ${dir}\n  strata check\n  strata list\n  strata materialize --select '*'\n  strata runs\n`,
  );
  return 0;
}

const CONFIG = `import { asset, assetCheck, defineDefinitions, env, MaterializeResult, MetadataValue, resource, z } from "strata";

/** A resource configured from the environment; secret values never appear in logs or the UI. */
const greetingApi = resource({
  description: "Pretend API client",
  config: z.object({ token: z.string(), greeting: z.string().default("hello") }),
  create: ({ greeting }) => ({ greet: (who: string) => \`\${greeting}, \${who}\` }),
});

/** Raw data: returned values are stored (JSON under .strata/storage) for downstream inputs. */
export const people = asset({ key: "raw/people", group: "bronze", kinds: ["json"] }, () => [
  { name: "Ada", team: "data" },
  { name: "Grace", team: "platform" },
  { name: "Linus", team: "data" },
]);

/** A typed input: \`people\` is loaded through the I/O manager. */
export const greetings = asset(
  { name: "greetings", group: "silver", ins: { people }, resources: ["greeting_api"] },
  (ctx, { people }) => {
    const api = ctx.resource<{ greet: (who: string) => string }>("greeting_api");
    const rows = people.map((p) => ({ ...p, message: api.greet(p.name) }));
    ctx.log.info("greeted everyone", { count: rows.length });
    return new MaterializeResult({
      value: rows,
      metadata: { row_count: rows.length, preview: MetadataValue.table(rows) },
    });
  },
);

/** A blocking check: if it fails, assets downstream of \`greetings\` are skipped in that run. */
export const everyoneGreeted = assetCheck({ asset: greetings, name: "everyone_greeted", blocking: true }, async (ctx) => {
  const rows = await ctx.loadAssetValue<{ message: string }[]>();
  const missing = rows.filter((r) => !r.message).length;
  return { passed: missing === 0, metadata: { missing } };
});

export default defineDefinitions({
  assets: [people, greetings],
  checks: [everyoneGreeted],
  resources: { greeting_api: greetingApi.configure({ token: env("GREETING_API_TOKEN", { secret: true, default: "dev-token" }) }) },
});
`;

const TEST = `// Run with: npx vitest run (install vitest in this project first), or adapt to your test runner.
import { materialize } from "strata/testing";
import { people, greetings } from "./strata.config.ts";

const result = await materialize([people, greetings], {
  resources: { greeting_api: { greet: (who: string) => \`hi \${who}\` } },
});
if (!result.success) throw new Error("materialization failed");
console.log(result.output("greetings"));
`;

const README = `# NAME

A Strata project. Definitions live in \`strata.config.ts\`.

    strata check                      # load and validate the definitions
    strata list                       # the assets
    strata materialize --select '*'   # run everything
    strata runs                       # history
    strata logs <run-id>              # one run's log

History is kept in \`.strata/\` (set STRATA_HOME to move it). Environment variables can go in \`.env\`.
`;
