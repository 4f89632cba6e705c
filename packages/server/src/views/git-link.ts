import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

/** What the server knows of the git repository holding a project (read from `.git` files, no `git` process). */
export interface GitInfo {
  /** Repository root (the folder holding `.git`). */
  root: string;
  /** Browsable https base of the remote, e.g. `https://github.com/acme/data` (credentials stripped). */
  webUrl?: string;
  host?: "github" | "gitlab" | "bitbucket";
  /** Branch name, or the commit sha when HEAD is detached. */
  ref?: string;
}

/** Reads `.git` (walking up from `start`); undefined outside a git repository. Never throws. */
export function readGitInfo(start: string): GitInfo | undefined {
  try {
    let dir = resolve(start);
    for (;;) {
      const dotGit = join(dir, ".git");
      if (existsSync(dotGit)) return describeRepo(dir, gitDirOf(dotGit));
      const parent = dirname(dir);
      if (parent === dir) return undefined;
      dir = parent;
    }
  } catch {
    return undefined;
  }
}

/** A link to `file:line` on the git host, when the remote is a known host. */
export function gitFileUrl(info: GitInfo | undefined, file: string, line: number): string | undefined {
  if (!info?.webUrl || !info.ref || !isAbsolute(file)) return undefined;
  const rel = relative(info.root, file);
  if (rel.startsWith("..")) return undefined;
  const path = rel.split(sep).map(encodeURIComponent).join("/");
  const ref = encodeURIComponent(info.ref);
  switch (info.host) {
    case "gitlab":
      return `${info.webUrl}/-/blob/${ref}/${path}#L${line}`;
    case "bitbucket":
      return `${info.webUrl}/src/${ref}/${path}#lines-${line}`;
    default:
      return `${info.webUrl}/blob/${ref}/${path}#L${line}`;
  }
}

/** `git@github.com:o/r.git`, `ssh://git@host/o/r`, `https://user:tok@host/o/r.git` → `https://host/o/r`. */
export function remoteToWebUrl(remote: string): { webUrl: string; host: GitInfo["host"] } | undefined {
  let host: string;
  let path: string;
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/)(.+)$/.exec(remote);
  if (/^[a-z+]+:\/\//i.test(remote)) {
    let u: URL;
    try {
      u = new URL(remote);
    } catch {
      return undefined;
    }
    host = u.hostname;
    path = u.pathname;
  } else if (scp) {
    host = scp[1]!;
    path = scp[2]!;
  } else {
    return undefined;
  }
  path = path
    .replace(/^\/+/, "")
    .replace(/\.git\/?$/, "")
    .replace(/\/+$/, "");
  if (!path.includes("/")) return undefined;
  const kind =
    host === "bitbucket.org"
      ? "bitbucket"
      : host.includes("gitlab")
        ? "gitlab"
        : host.includes("github")
          ? "github"
          : undefined;
  if (!kind) return undefined;
  return { webUrl: `https://${host}/${path}`, host: kind };
}

function gitDirOf(dotGit: string): string {
  if (statSync(dotGit).isDirectory()) return dotGit;
  // Worktrees and submodules: `.git` is a file saying `gitdir: <path>`.
  const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, "utf8"));
  return m ? resolve(dirname(dotGit), m[1]!.trim()) : dotGit;
}

function describeRepo(root: string, gitDir: string): GitInfo {
  const common = existsSync(join(gitDir, "commondir"))
    ? resolve(gitDir, readFileSync(join(gitDir, "commondir"), "utf8").trim())
    : gitDir;
  const info: GitInfo = { root };
  const config = existsSync(join(common, "config")) ? readFileSync(join(common, "config"), "utf8") : "";
  const remotes = parseRemotes(config);
  const remote = remotes.get("origin") ?? [...remotes.values()][0];
  const web = remote ? remoteToWebUrl(remote) : undefined;
  if (web) {
    info.webUrl = web.webUrl;
    if (web.host) info.host = web.host;
  }
  const head = existsSync(join(gitDir, "HEAD")) ? readFileSync(join(gitDir, "HEAD"), "utf8").trim() : "";
  const branch = /^ref:\s*refs\/heads\/(.+)$/.exec(head);
  if (branch) info.ref = branch[1]!;
  else if (/^[0-9a-f]{40}$/.test(head)) info.ref = head;
  return info;
}

function parseRemotes(config: string): Map<string, string> {
  const out = new Map<string, string>();
  let current: string | undefined;
  for (const raw of config.split(/\r?\n/)) {
    const line = raw.trim();
    const section = /^\[\s*remote\s+"([^"]+)"\s*\]$/.exec(line);
    if (section) {
      current = section[1];
      continue;
    }
    if (line.startsWith("[")) {
      current = undefined;
      continue;
    }
    const kv = /^url\s*=\s*(.+)$/.exec(line);
    if (current && kv && !out.has(current)) out.set(current, kv[1]!.trim());
  }
  return out;
}
