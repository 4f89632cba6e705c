import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** What code links need from a git checkout: the web URL of the repository and the current commit. */
export interface GitInfo {
  /** Folder containing `.git` (paths in links are relative to it). */
  root: string;
  commit: string;
  /** e.g. `https://github.com/acme/platform` */
  webUrl: string;
  host: "github" | "gitlab" | "bitbucket" | "other";
}

/**
 * Reads `.git/HEAD`, refs (loose or packed) and the `origin` remote of the repository holding
 * `start`, without running git. Undefined when there is no repository, no commit or no remote.
 */
export function readGitInfo(start: string): GitInfo | undefined {
  let dir = resolve(start);
  let gitDir: string | undefined;
  for (;;) {
    const candidate = join(dir, ".git");
    if (existsSync(candidate)) {
      gitDir = statSync(candidate).isDirectory() ? candidate : resolve(dir, /^gitdir:\s*(.+)$/m.exec(readFileSync(candidate, "utf8"))?.[1]?.trim() ?? ".git");
      break;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  try {
    const commonDir = existsSync(join(gitDir, "commondir")) ? resolve(gitDir, readFileSync(join(gitDir, "commondir"), "utf8").trim()) : gitDir;
    const head = readFileSync(join(gitDir, "HEAD"), "utf8").trim();
    let commit: string | undefined;
    const ref = /^ref:\s*(.+)$/.exec(head)?.[1];
    if (!ref) commit = head;
    else {
      for (const d of [gitDir, commonDir]) {
        if (existsSync(join(d, ref))) {
          commit = readFileSync(join(d, ref), "utf8").trim();
          break;
        }
      }
      if (!commit && existsSync(join(commonDir, "packed-refs"))) {
        const line = readFileSync(join(commonDir, "packed-refs"), "utf8").split("\n").find((l) => l.endsWith(` ${ref}`));
        commit = line?.split(" ")[0];
      }
    }
    if (!commit || !/^[0-9a-f]{40,64}$/.test(commit)) return undefined;
    const config = readFileSync(join(commonDir, "config"), "utf8");
    const remote = /\[remote "origin"\]([\s\S]*?)(?:\n\[|$)/.exec(config)?.[1];
    const url = remote ? /^\s*url\s*=\s*(.+)$/m.exec(remote)?.[1]?.trim() : undefined;
    const web = url ? webUrlFor(url) : undefined;
    if (!web) return undefined;
    return { root: dir, commit, webUrl: web, host: hostKind(web) };
  } catch {
    return undefined;
  }
}

/** `git@github.com:acme/x.git`, `https://user@gitlab.com/acme/x.git`, `ssh://git@host/acme/x` → `https://host/acme/x`. */
export function webUrlFor(remote: string): string | undefined {
  const scp = /^(?:[\w.-]+@)?([\w.-]+):(?!\/\/)(.+?)(?:\.git)?\/?$/.exec(remote);
  if (scp && !remote.includes("://")) return `https://${scp[1]}/${scp[2]}`;
  const m = /^(?:https?|ssh|git):\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?\/(.+?)(?:\.git)?\/?$/.exec(remote);
  return m ? `https://${m[1]}/${m[2]}` : undefined;
}

function hostKind(web: string): GitInfo["host"] {
  const host = new URL(web).host;
  if (host.includes("github")) return "github";
  if (host.includes("gitlab")) return "gitlab";
  if (host.includes("bitbucket")) return "bitbucket";
  return "other";
}

/** The URL of `file` (absolute) at `line` on the git host, at the current commit. */
export function gitFileUrl(info: GitInfo, file: string, line?: number): string | undefined {
  const path = relative(info.root, file).split("\\").join("/");
  if (path.startsWith("..")) return undefined;
  const encoded = path.split("/").map(encodeURIComponent).join("/");
  switch (info.host) {
    case "gitlab":
      return `${info.webUrl}/-/blob/${info.commit}/${encoded}${line ? `#L${line}` : ""}`;
    case "bitbucket":
      return `${info.webUrl}/src/${info.commit}/${encoded}${line ? `#lines-${line}` : ""}`;
    default:
      return `${info.webUrl}/blob/${info.commit}/${encoded}${line ? `#L${line}` : ""}`;
  }
}
