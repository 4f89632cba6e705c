/**
 * `ingestion.api_extract`: a component type written in this project (registered because it is
 * in components/). One asset `raw/<endpoint>` per endpoint, loaded into the DuckDB warehouse.
 * In this demo `base_url: file:<folder>` reads `<folder>/<endpoint>.json` instead of calling
 * an HTTP API; the token is still required, as a real API would require it.
 */
import { readFileSync } from "node:fs";
import { asset, defineDefinitions, z } from "strata";
import { defaultWarehouse, defineComponent, envString, DEFAULT_WAREHOUSE_RESOURCE } from "@strata/components";
import type { DuckDBClient } from "@strata/duckdb";

export const apiExtract = defineComponent({
  type: "ingestion.api_extract",
  description: "One raw/<endpoint> asset per API endpoint, loaded into DuckDB (file: URLs read local JSON in demos).",
  attributes: z.strictObject({
    /** `https://...` or, for demos, `file:<folder relative to the project>`. */
    base_url: z.string().min(1),
    /** API token; use {{ secret('NAME') }} so it is resolved at run time and redacted. */
    token: envString(),
    endpoints: z.array(z.string().regex(/^[a-z_]+$/)).min(1),
  }),
  example: { base_url: "file:data/api", token: "{{ secret('EVENTS_API_TOKEN') }}", endpoints: ["events"] },
  buildDefs(context) {
    const { base_url, token, endpoints } = context.attributes;
    return defineDefinitions({
      assets: endpoints.map((endpoint, i) =>
        asset(
          {
            key: ["raw", endpoint],
            group: "raw",
            kinds: ["api", "duckdb"],
            owners: ["team:ingestion"],
            resources: [DEFAULT_WAREHOUSE_RESOURCE],
            codeRef: context.codeRef(["endpoints", i]),
          },
          async (ctx) => {
            context.assertRequirements();
            const secret = context.resolveEnv(token); // throws ENV_MISSING naming the variable
            ctx.log.info(`GET ${base_url}/${endpoint} (token of ${secret.length} characters)`);
            const rows = base_url.startsWith("file:")
              ? (JSON.parse(readFileSync(`${context.projectRoot}/${base_url.slice(5)}/${endpoint}.json`, "utf8")) as Record<string, unknown>[])
              : ((await (await fetch(`${base_url}/${endpoint}`, { headers: { authorization: `Bearer ${secret}` }, signal: ctx.signal })).json()) as Record<string, unknown>[]);
            const db = ctx.resource<DuckDBClient>(DEFAULT_WAREHOUSE_RESOURCE);
            await db.exec(`create schema if not exists raw; drop table if exists raw.${endpoint}`);
            await db.appendRows(`raw.${endpoint}`, rows);
            ctx.addMetadata({ row_count: rows.length });
          },
        ),
      ),
      resources: { [DEFAULT_WAREHOUSE_RESOURCE]: defaultWarehouse() },
    });
  },
});
