import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { defineDefinitions, StrataError, type AssetsDefinition } from "@strata/core";
import { z } from "zod";
import { defineComponent } from "../component.ts";

const selection = z.union([z.string(), z.array(z.string())]);

const attributes = z.strictObject({
  /** Folder of the dbt project (dbt_project.yml), relative to the defs.yaml folder. */
  project_dir: z.string().min(1),
  /** profiles.yml target (default: the profile's `target:`); e.g. "{{ strata_env }}". */
  target: z.string().optional(),
  profiles_dir: z.string().optional(),
  vars: z.record(z.string(), z.unknown()).optional(),
  select: selection.optional(),
  exclude: selection.optional(),
  key_prefix: z.string().optional(),
  group: z.string().optional(),
  /** Resource with the warehouse connection (default: the profiles.yml target per run). */
  resource: z.string().optional(),
  /** Also define the project's sources as (external) assets. */
  include_sources: z.boolean().default(false),
});

interface SqlModule {
  dbtAssets(o: Record<string, unknown>): AssetsDefinition;
  dbtSourceAssets(o: Record<string, unknown>): AssetsDefinition[];
}

/**
 * `strata.sql_project`: a dbt-style SQL project run natively by `@strata/sql` (`dbtAssets`):
 * one subsettable multi-asset with a spec per model, seed and snapshot, tests as checks.
 * `@strata/sql` is imported only when a defs.yaml uses this type.
 */
export const sqlProjectComponent = defineComponent({
  type: "strata.sql_project",
  description: "A dbt project (models, seeds, snapshots, tests) run natively by @strata/sql; one asset per node, tests as checks.",
  attributes,
  example: { project_dir: "dbt" },
  async buildDefs(ctx) {
    const a = ctx.attributes;
    const projectDir = ctx.resolvePath(a.project_dir);
    if (!existsSync(join(projectDir, "dbt_project.yml"))) {
      const at = ctx.codeRef(["project_dir"]);
      throw new StrataError("SQL_PROJECT_INVALID", `project_dir: no dbt_project.yml in ${relative(ctx.projectRoot, projectDir) || "."}`, {
        where: `${relative(ctx.projectRoot, at.file)}:${at.line}:${at.column}`,
        hint: "project_dir is relative to the defs.yaml folder: point it at the folder that contains dbt_project.yml.",
      });
    }
    const specifier = "@strata/sql";
    const sql = (await import(specifier)) as SqlModule;
    const opts = {
      projectDir,
      ...(a.target ? { target: a.target } : {}),
      ...(a.profiles_dir ? { profilesDir: ctx.resolvePath(a.profiles_dir) } : {}),
      ...(a.vars ? { vars: a.vars } : {}),
      ...(a.select ? { select: a.select } : {}),
      ...(a.exclude ? { exclude: a.exclude } : {}),
      ...(a.key_prefix ? { keyPrefix: a.key_prefix } : {}),
      ...(a.group ? { group: a.group } : {}),
      ...(a.resource ? { resource: a.resource } : {}),
    };
    return defineDefinitions({ assets: [sql.dbtAssets(opts), ...(a.include_sources ? sql.dbtSourceAssets(opts) : [])] });
  },
});
