import { z } from "zod";

/** One documented route: the OpenAPI description is built from these, so it lists every route. */
export interface RouteDoc {
  method: "get" | "post";
  /** Hono path, e.g. `/api/runs/:id`. */
  path: string;
  summary: string;
  tag: string;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Name of the response type in `api-types.ts` (the UI's contract). */
  response: string;
  /** Success status (default 200). */
  status?: number;
  /** Mutation: needs the token when one is set, refused in read-only mode. */
  mutation?: boolean;
}

export class RouteRegistry {
  readonly routes: RouteDoc[] = [];

  add(doc: RouteDoc): void {
    this.routes.push(doc);
  }

  /** OpenAPI 3.1: request shapes from the zod schemas, responses named after api-types. */
  openApi(version: string): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const r of this.routes) {
      const path = r.path.replace(/:([A-Za-z]+)/g, "{$1}");
      const params: Record<string, unknown>[] = [...r.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
        name: m[1],
        in: "path",
        required: true,
        schema: { type: "string" },
        ...(m[1] === "key" ? { description: "Asset key, URL-encoded (mart%2Forders)" } : {}),
      }));
      if (r.query) {
        const js = z.toJSONSchema(r.query, { io: "input", unrepresentable: "any" }) as {
          properties?: Record<string, unknown>;
          required?: string[];
        };
        for (const [name, schema] of Object.entries(js.properties ?? {})) {
          params.push({ name, in: "query", required: js.required?.includes(name) ?? false, schema });
        }
      }
      const status = String(r.status ?? 200);
      (paths[path] ??= {})[r.method] = {
        summary: r.summary,
        tags: [r.tag],
        operationId: `${r.method}${r.path.replace(/[/:]+([a-z])/gi, (_m, c: string) => c.toUpperCase()).replace(/[^A-Za-z]/g, "")}`,
        ...(params.length ? { parameters: params } : {}),
        ...(r.body
          ? {
              requestBody: {
                required: true,
                content: {
                  "application/json": {
                    schema: z.toJSONSchema(r.body, { io: "input", unrepresentable: "any" }),
                  },
                },
              },
            }
          : {}),
        ...(r.mutation ? { security: [{ bearer: [] }] } : {}),
        responses: {
          [status]: {
            description: `${r.response} (see packages/server/src/api-types.ts)`,
            content: {
              [r.path === "/api/stream" ? "text/event-stream" : "application/json"]: {
                schema: { $ref: `#/components/schemas/${r.response}` },
              },
            },
          },
          "4XX": {
            description: "ApiErrorBody: { error: { code, message, hint?, where?, details? } }",
            content: { "application/json": { schema: { $ref: "#/components/schemas/ApiErrorBody" } } },
          },
        },
      };
    }
    const names = new Set(this.routes.map((r) => r.response));
    const schemas: Record<string, unknown> = {
      ApiErrorBody: {
        type: "object",
        required: ["error"],
        properties: {
          error: {
            type: "object",
            required: ["code", "message"],
            properties: {
              code: { type: "string" },
              message: { type: "string" },
              hint: { type: "string" },
              where: { type: "string" },
              details: { type: "object" },
            },
          },
        },
      },
    };
    for (const n of names)
      schemas[n] ??= {
        type: "object",
        description: `TypeScript type ${n} in @strata/server (src/api-types.ts).`,
      };
    return {
      openapi: "3.1.0",
      info: {
        title: "Strata HTTP API",
        version,
        description:
          "JSON API of `strata ui` / `strata dev`. Asset keys in paths are URL-encoded. When the server has a token (STRATA_TOKEN), send `Authorization: Bearer <token>` (or `?token=` for EventSource).",
      },
      components: { schemas, securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      paths,
    };
  }
}
