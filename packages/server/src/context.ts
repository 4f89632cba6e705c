import type { AssetGraph } from "@strata/core";
import type { WorkspaceLocations } from "@strata/engine";
import type { Storage } from "@strata/storage";
import { ApiError } from "./api-error.ts";
import type { BackfillRunner } from "./backfill-runner.ts";
import type { EventHub } from "./event-hub.ts";
import type { RunLauncher } from "./run-launcher.ts";
import { readGitInfo, type GitInfo } from "./views/git-link.ts";

/** What every route handler works with. */
export interface ServerContext {
  storage: Storage;
  /** The code locations (one for a project, several for a workspace), seen together. */
  locations: WorkspaceLocations;
  instanceDir: string;
  hub: EventHub;
  launcher: RunLauncher;
  backfills: BackfillRunner;
  readOnly: boolean;
  /** Aborted when the app closes: long-lived responses (SSE) end. */
  closing: AbortSignal;
  /** The current (merged) graph, or a 409 when no location ever loaded. */
  graph(): AssetGraph;
  /**
   * The graph to launch runs from: a 409 while a single project's latest load failed (runs would
   * load the broken code). In a workspace the launcher refuses only the parts whose location is
   * broken, so the other locations stay launchable.
   */
  runnableGraph(): AssetGraph;
  /** Git facts of the project or workspace (re-read after each reload). */
  git(): GitInfo | undefined;
}

export function makeContext(parts: Omit<ServerContext, "graph" | "git" | "runnableGraph">): ServerContext {
  let git: { version: number; info: GitInfo | undefined } | undefined;
  return {
    ...parts,
    runnableGraph() {
      const s = parts.locations.state;
      if (!parts.locations.isWorkspace && s.status === "error") {
        throw new ApiError(
          409,
          "LOCATION_UNAVAILABLE",
          `The code location "${s.name}" failed to load, so runs cannot start: ${s.error?.message ?? "unknown error"}`,
          s.error?.hint ?? "Fix the error and reload the location.",
        );
      }
      return this.graph();
    },
    graph() {
      const g = parts.locations.graph();
      if (!g) {
        const s = parts.locations.state;
        throw new ApiError(
          409,
          "LOCATION_UNAVAILABLE",
          s.status === "error"
            ? `The code location "${s.name}" failed to load: ${s.error?.message ?? "unknown error"}`
            : `The code location "${s.name}" is still loading`,
          s.status === "error"
            ? (s.error?.hint ??
              "Fix the error; the location reloads when the file is saved (strata dev) or on POST /api/locations/:name/reload.")
            : "Retry in a moment.",
        );
      }
      return g;
    },
    git() {
      const v = parts.locations.version;
      if (git?.version !== v) git = { version: v, info: readGitInfo(parts.locations.root) };
      return git.info;
    },
  };
}
