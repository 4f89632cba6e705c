import type { AssetGraph, DynamicPartitionsApi, DynamicPartitionsStore } from "@strata/core";
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

/** What `ctx.dynamicPartitions` does: reads and writes the instance's dynamic partition sets. */
export function storageDynamicPartitionsApi(storage: Storage): DynamicPartitionsApi {
  return {
    add: (name, keys) => storage.addDynamicPartitions(name, keys),
    remove: (name, keys) => storage.deleteDynamicPartitions(name, keys),
    keys: (name) => storage.getDynamicPartitions(name),
  };
}
