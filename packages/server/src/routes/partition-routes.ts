import { assertDynamicPartitionsName, closest, describePartitions, keySpace } from "@strata/core";
import { loadDynamicPartitions } from "@strata/engine";
import { z } from "zod";
import { ApiError } from "../api-error.ts";
import type {
  DynamicPartitionKeysResponse,
  DynamicPartitionsChangeResponse,
  DynamicPartitionsResponse,
  PartitionKeysResponse,
} from "../api-types.ts";
import type { ServerContext } from "../context.ts";
import type { ApiApp } from "../hono-env.ts";
import type { RouteRegistry } from "../registry.ts";
import { parseBody } from "../validate.ts";

const keys = z.array(z.string().min(1).max(1000)).max(10_000);
const changeBody = z
  .object({ add: keys.optional(), remove: keys.optional() })
  .strict()
  .refine((b) => (b.add?.length ?? 0) + (b.remove?.length ?? 0) > 0, {
    message: "Give keys to add and/or remove",
  });

/** Dynamic partition set names an asset's definition uses (multi dimensions included). */
function dynamicNames(p: unknown, out: Set<string>): void {
  if (!p || typeof p !== "object") return;
  const def = p as { kind?: string; name?: string; dimensions?: { partitions: unknown }[] };
  if (def.kind === "dynamic" && def.name) out.add(def.name);
  if (def.kind === "multi") for (const d of def.dimensions ?? []) dynamicNames(d.partitions, out);
}

export function partitionRoutes(app: ApiApp, r: RouteRegistry, ctx: ServerContext): void {
  const usage = () => {
    const byName = new Map<string, string[]>();
    const graph = ctx.locations.graph();
    for (const a of graph?.assets() ?? []) {
      const names = new Set<string>();
      dynamicNames(a.partitions, names);
      for (const n of names) (byName.get(n) ?? byName.set(n, []).get(n)!).push(a.key);
    }
    return byName;
  };

  r.add({
    method: "get",
    path: "/api/assets/:key/partition-keys",
    tag: "partitions",
    summary: "An asset's partition definition (kind, description, dimensions) and every key in order, for pickers",
    response: "PartitionKeysResponse",
  });
  app.get("/api/assets/:key/partition-keys", async (c) => {
    const graph = ctx.graph();
    const key = c.req.param("key");
    if (!graph.has(key)) {
      const near = closest(key, graph.keys());
      throw new ApiError(404, "NOT_FOUND", `Unknown asset "${key}"`, near ? `Did you mean "${near}"?` : "List assets with GET /api/assets.");
    }
    const def = graph.partitionsOf(key);
    if (!def)
      throw new ApiError(400, "PARTITION_INVALID", `"${key}" is not partitioned`, "Launch it without a partition.");
    const pctx = { now: Date.now(), dynamic: await loadDynamicPartitions(ctx.storage, graph) };
    const space = keySpace(def, pctx);
    const body: PartitionKeysResponse = {
      assetKey: key,
      kind: def.kind,
      description: describePartitions(def, pctx, space),
      keys: space.keys(),
      ...(def.kind === "multi"
        ? {
            dimensions: def.dimensions.map((d) => ({
              name: d.name,
              kind: d.partitions.kind as "time_window" | "static" | "dynamic",
              keys: keySpace(d.partitions, pctx, true).keys(),
            })),
          }
        : {}),
    };
    return c.json(body);
  });

  r.add({
    method: "get",
    path: "/api/dynamic-partitions",
    tag: "partitions",
    summary: "Dynamic partition sets (stored or used by an asset), with key counts",
    response: "DynamicPartitionsResponse",
  });
  app.get("/api/dynamic-partitions", async (c) => {
    const used = usage();
    const stored = new Map(
      (await ctx.storage.listDynamicPartitionSets()).map((s) => [s.name, s.count] as const),
    );
    const names = [...new Set([...stored.keys(), ...used.keys()])].sort();
    return c.json({
      sets: names.map((name) => ({ name, count: stored.get(name) ?? 0, assets: used.get(name) ?? [] })),
    } satisfies DynamicPartitionsResponse);
  });

  r.add({
    method: "get",
    path: "/api/dynamic-partitions/:name",
    tag: "partitions",
    summary: "Keys of a dynamic partition set, in insertion order",
    response: "DynamicPartitionKeysResponse",
  });
  app.get("/api/dynamic-partitions/:name", async (c) => {
    const name = c.req.param("name");
    const keysOf = await ctx.storage.getDynamicPartitions(name);
    if (keysOf.length === 0 && !usage().has(name))
      throw new ApiError(
        404,
        "NOT_FOUND",
        `No dynamic partition set "${name}"`,
        "List them with GET /api/dynamic-partitions.",
      );
    return c.json({ name, keys: keysOf } satisfies DynamicPartitionKeysResponse);
  });

  r.add({
    method: "post",
    path: "/api/dynamic-partitions/:name",
    tag: "partitions",
    summary: "Add and/or remove keys of a dynamic partition set",
    body: changeBody,
    response: "DynamicPartitionsChangeResponse",
    mutation: true,
  });
  app.post("/api/dynamic-partitions/:name", async (c) => {
    const name = c.req.param("name");
    // Only sets an asset declares: a typo must not create a set nothing reads.
    const graph = ctx.graph();
    assertDynamicPartitionsName(
      name,
      [...graph.assets()].map((a) => graph.partitionsOf(a.key)),
    );
    const body = await parseBody(c, changeBody);
    const added = body.add?.length ? await ctx.storage.addDynamicPartitions(name, body.add) : 0;
    const removed = body.remove?.length ? await ctx.storage.deleteDynamicPartitions(name, body.remove) : 0;
    const count = (await ctx.storage.getDynamicPartitions(name)).length;
    return c.json({ name, added, removed, count } satisfies DynamicPartitionsChangeResponse);
  });
}
