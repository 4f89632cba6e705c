import {
  StrataError,
  resolveResourceConfig,
  serializeError,
  type Definitions,
  type IOManager,
  isIOManager,
  type ResourceDefinition,
} from "@strata/core";
import { FsJsonIOManager } from "./fs-io-manager.ts";
import type { Redactor } from "./redactor.ts";

/**
 * Creates resources lazily at run time, once per run, only for the steps that need them:
 * a missing env var fails just the assets that use that resource. Every secret resolved is
 * registered with the run's redactor before anything can print it.
 */
export class ResourcesRuntime {
  private readonly instances = new Map<string, Promise<unknown>>();
  private readonly created: { def: ResourceDefinition; value: unknown }[] = [];

  constructor(
    private readonly defs: Definitions,
    private readonly ctx: { instanceDir: string; runId: string; env: Record<string, string | undefined>; redactor: Redactor; log: (m: string) => void },
  ) {}

  /** Values for the named resources; throws a StrataError naming the resource that failed. */
  async get(names: readonly string[]): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const name of names) out[name] = await this.one(name);
    return out;
  }

  async ioManager(name: string): Promise<IOManager> {
    const v = await this.one(name);
    if (!isIOManager(v)) {
      throw new StrataError("IO_FAILED", `Resource "${name}" is used as an I/O manager but has no handleOutput/loadInput`, {
        hint: "Bind an I/O manager (an object with handleOutput and loadInput) to that resource key.",
      });
    }
    return v;
  }

  private one(name: string): Promise<unknown> {
    let p = this.instances.get(name);
    if (!p) {
      p = this.create(name);
      this.instances.set(name, p);
    }
    return p;
  }

  private async create(name: string): Promise<unknown> {
    const def = this.defs.resources[name];
    if (!def) {
      if (name === "io_manager") return new FsJsonIOManager();
      throw new StrataError("DEFS_UNKNOWN_RESOURCE", `Resource "${name}" is not defined`);
    }
    const { config, secrets } = resolveResourceConfig(name, def, this.ctx.env);
    this.ctx.redactor.add(secrets);
    try {
      const value = await def.create(config, { instanceDir: this.ctx.instanceDir, runId: this.ctx.runId, log: this.ctx.log });
      this.created.push({ def, value });
      return value;
    } catch (err) {
      const e = serializeError(err);
      throw new StrataError("USER_CODE", `Resource "${name}" failed to initialise: ${this.ctx.redactor.text(e.message)}`, {
        hint: "Check the resource's configuration and that the service it connects to is reachable.",
        cause: err,
      });
    }
  }

  /** Runs teardown hooks in reverse creation order; errors are reported, not thrown. */
  async teardown(report: (err: unknown) => void): Promise<void> {
    for (const { def, value } of this.created.reverse()) {
      try {
        await def.teardown?.(value);
      } catch (err) {
        report(err);
      }
    }
  }
}
