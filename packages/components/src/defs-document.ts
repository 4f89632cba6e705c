import { z } from "zod";
import { automationAttributeSchema, freshnessAttributeSchema } from "./automation-attributes.ts";

/** Attributes `post_processing` may apply to a selection of a component's assets. */
export const postProcessAttributesSchema = z.strictObject({
  group: z.string().min(1).optional(),
  tags: z.record(z.string(), z.string()).optional(),
  owners: z.array(z.string()).optional(),
  kinds: z.array(z.string()).max(3).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  description: z.string().optional(),
  /** `{ preset: eager }`, `{ preset: on_cron, cron, timezone }`, `{ preset: on_missing }` or `{{ automation.eager() }}`. */
  automation: automationAttributeSchema.optional(),
  /** `{ fail_after, warn_after }`, `{ deadline_cron, lower_bound, timezone }` or `{{ freshness.time_window(fail_after='24h') }}`. */
  freshness: freshnessAttributeSchema.optional(),
});

/**
 * The envelope of one YAML document in a `defs.yaml`:
 *
 * ```yaml
 * type: strata.duckdb_sql          # a registered component type
 * attributes: { ... }              # validated against the type's schema
 * requirements:
 *   env: [WAREHOUSE_TOKEN]         # needed at run time; missing ones fail only these assets
 * post_processing:
 *   assets:
 *     - target: "key:\"mart/*\""   # selection over this component's assets (default "*")
 *       attributes: { group: marts, tags: { tier: gold } }
 *     - target: "key:\"mart/orders\""
 *       attributes:
 *         automation: "{{ automation.eager() }}"   # or { preset: eager }
 *         freshness: { fail_after: 24h, warn_after: 12h }
 * ```
 */
export const defsDocumentSchema = z.strictObject({
  type: z.string().min(1),
  attributes: z.unknown().optional(),
  requirements: z.strictObject({ env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name")).optional() }).optional(),
  post_processing: z
    .strictObject({
      assets: z.array(z.strictObject({ target: z.string().min(1).default("*"), attributes: postProcessAttributesSchema })).optional(),
    })
    .optional(),
  description: z.string().optional(),
});

export type DefsDocument = z.output<typeof defsDocumentSchema>;

/** The file names that make a folder a component instance. */
export const DEFS_FILES = ["defs.yaml", "defs.yml"];
/** Per-folder template-vars module names. */
export const TEMPLATE_VARS_FILES = ["template_vars.ts", "template_vars.mts", "template_vars.js", "template_vars.mjs"];
