import type { RunStatus } from "@strata/core";
import { startLocation, type LocationHandle } from "../location/location-client.ts";
import type { ProjectConfig } from "../location/project.ts";

/**
 * Up to `size` code-location processes that execute runs one after another (user code is
 * imported once per worker, not once per run). Workers run in their own process group: when
 * the command that owns the pool is interrupted, each finishes its current run and exits.
 */
export class WorkerPool {
  private readonly idle: LocationHandle[] = [];
  private readonly all: LocationHandle[] = [];
  private starting = 0;
  private readonly waiters: ((w: LocationHandle) => void)[] = [];
  private closed = false;

  constructor(
    private readonly project: ProjectConfig,
    private readonly instanceDir: string,
    private readonly size: number,
    private readonly onOutput?: (text: string) => void,
    /** The workers' environment (a workspace location's own `.env` merged in); default this process's. */
    private readonly env?: NodeJS.ProcessEnv,
  ) {}

  /** Executes a stored run on a free worker; resolves with its final status. */
  async run(runId: string): Promise<RunStatus> {
    const worker = await this.acquire();
    try {
      return await worker.execute(runId);
    } catch (err) {
      this.discard(worker);
      throw err;
    } finally {
      if (this.all.includes(worker)) this.release(worker);
    }
  }

  private async acquire(): Promise<LocationHandle> {
    if (this.closed) throw new Error("The worker pool is closed");
    const free = this.idle.pop();
    if (free) return free;
    if (this.all.length + this.starting < this.size) {
      this.starting++;
      try {
        const w = await startLocation(this.project, {
          instanceDir: this.instanceDir,
          detached: true,
          ...(this.onOutput ? { onOutput: this.onOutput } : {}),
          ...(this.env ? { env: this.env } : {}),
        });
        if (this.closed) {
          // Closed while this worker was starting (e.g. the backfill was canceled): a worker
          // nobody closes keeps the command alive forever, so close it and run nothing.
          w.close();
          throw new Error("The worker pool is closed");
        }
        this.all.push(w);
        return w;
      } finally {
        this.starting--;
      }
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(w: LocationHandle): void {
    const next = this.waiters.shift();
    if (next) next(w);
    else this.idle.push(w);
  }

  private discard(w: LocationHandle): void {
    this.all.splice(this.all.indexOf(w), 1);
    const i = this.idle.indexOf(w);
    if (i >= 0) this.idle.splice(i, 1);
    w.kill();
  }

  /** Lets workers exit once their current run (if any) is done. */
  close(): void {
    this.closed = true;
    for (const w of this.all) w.close();
    this.all.length = 0;
    this.idle.length = 0;
  }
}
