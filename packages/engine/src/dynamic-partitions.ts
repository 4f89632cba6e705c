import { assertDynamicPartitionsName, type AssetGraph, type DynamicPartitionsApi, type DynamicPartitionsStore } from "@strata/core";
import type { Storage } from "@strata/storage";

/** Reads the dynamic partition sets a graph uses into a synchronous store for pure code. */
export async function loadDynamicPartitions(storage: Storage, graph: AssetGraph): Promise<DynamicPartitionsStore> {
  const names = new Set<string>();
  for (const a of graph.assets()) collectNames(a.partitions, names);
  const sets = new Map<string, { keys: string[]; set: Set<string> }>();
  for (const name of names) {
    const keys = await storage.getDynamicPartitions(name);
    sets.set(name, { keys, set: new Set(keys) });
  }
  return {
    getKeys: (name) => sets.get(name)?.keys ?? [],
    hasKey: (name, key) => sets.get(name)?.set.has(key) ?? false,
  };
}

function collectNames(p: unknown, names: Set<string>): void {
  if (!p || typeof p !== "object") return;
  const def = p as { kind?: string; name?: string; dimensions?: { partitions: unknown }[] };
  if (def.kind === "dynamic" && def.name) names.add(def.name);
  if (def.kind === "multi") for (const d of def.dimensions ?? []) collectNames(d.partitions, names);
}

/**
 * What `ctx.dynamicPartitions` does: reads and writes the instance's dynamic partition sets.
 * With a graph, a name no asset declares is a PARTITION_INVALID error naming the declared ones
 * (a typo would otherwise silently create a set nothing reads).
 */
export function storageDynamicPartitionsApi(storage: Storage, graph?: AssetGraph): DynamicPartitionsApi {
  const check = (name: string) => {
    if (graph) assertDynamicPartitionsName(name, [...graph.assets()].map((a) => graph.partitionsOf(a.key)));
  };
  return {
    add: async (name, keys) => {
      check(name);
      return storage.addDynamicPartitions(name, keys);
    },
    remove: async (name, keys) => {
      check(name);
      return storage.deleteDynamicPartitions(name, keys);
    },
    keys: async (name) => {
      check(name);
      return storage.getDynamicPartitions(name);
    },
  };
}
