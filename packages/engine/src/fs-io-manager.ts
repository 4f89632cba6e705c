import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { StrataError, type InputContext, type IOManager, type OutputContext, MetadataValue } from "@strata/core";

/**
 * The default I/O manager: stores each asset's returned value as JSON at
 * `<instance>/storage/<key path>.json` (per partition: `<key path>/<partition>.json`) and
 * loads it for downstream typed inputs. Writes are atomic (temp file + rename).
 *
 * Partitioned inputs: one upstream partition loads its value; several (a weekly asset reading
 * its 7 days) load `{ [partitionKey]: value }`; none (yesterday of the first day) loads undefined.
 */
export class FsJsonIOManager implements IOManager {
  constructor(private readonly baseDir?: string) {}

  private pathFor(instanceDir: string, key: string, partition: string | undefined): string {
    const base = join(this.baseDir ?? join(instanceDir, "storage"), ...key.split("/"));
    return partition === undefined ? `${base}.json` : join(base, `${encodeURIComponent(partition)}.json`);
  }

  handleOutput(ctx: OutputContext, value: unknown) {
    let json: string;
    try {
      json = JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
    } catch (err) {
      throw new StrataError("IO_FAILED", `The value returned by "${ctx.assetKey}" cannot be stored as JSON: ${(err as Error).message}`, {
        assetKey: ctx.assetKey,
        hint: "Return JSON-serialisable data, or set `io` to an I/O manager that can store this type.",
      });
    }
    if (json === undefined) return;
    const path = this.pathFor(ctx.instanceDir, ctx.assetKey, ctx.partitionKey);
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, json);
    renameSync(tmp, path);
    return { path: MetadataValue.path(path) };
  }

  loadInput(ctx: InputContext) {
    const partitions = ctx.upstreamPartitionKeys;
    if (partitions !== undefined) {
      // No upstream partition (e.g. "yesterday" of the first day): nothing to load.
      if (partitions.length === 0) return undefined;
      if (partitions.length === 1) return this.read(ctx, partitions[0]);
      const out: Record<string, unknown> = {};
      for (const p of partitions) out[p] = this.read(ctx, p);
      return out;
    }
    return this.read(ctx, undefined);
  }

  private read(ctx: InputContext, partition: string | undefined): unknown {
    const path = this.pathFor(ctx.instanceDir, ctx.upstreamKey, partition);
    if (!existsSync(path)) {
      throw new StrataError("IO_MISSING_INPUT", `No stored value for "${ctx.upstreamKey}"${partition ? ` partition ${partition}` : ""} (input "${ctx.inputName}" of "${ctx.assetKey}")`, {
        assetKey: ctx.assetKey,
        hint: `Materialize "${ctx.upstreamKey}" first (e.g. strata materialize --select '+${ctx.assetKey}'), and make sure it returns a value.`,
      });
    }
    return JSON.parse(readFileSync(path, "utf8"));
  }
}
