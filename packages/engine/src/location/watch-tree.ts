import { watch, readdirSync, statSync, type Dirent, type FSWatcher } from "node:fs";
import { basename, extname, join, relative, sep } from "node:path";

/** Folders never watched: dependencies, instance data, build output, VCS metadata. */
export const IGNORED_DIRS: ReadonlySet<string> = new Set([
  "node_modules",
  ".strata",
  "target",
  ".git",
  "dist",
  "build",
  "coverage",
]);

/** Files whose change means the definitions may have changed. */
const SOURCE_EXTENSIONS = new Set([
  ".ts",
  ".tsx",
  ".mts",
  ".cts",
  ".js",
  ".jsx",
  ".mjs",
  ".cjs",
  ".json",
  ".yaml",
  ".yml",
  ".sql",
  ".env",
]);

export interface WatchTreeOptions {
  /** Extra absolute paths to ignore (e.g. an instance folder inside the project). */
  ignorePaths?: string[];
  /** Called with the absolute path of each changed source file (not debounced). */
  onChange: (file: string) => void;
}

export interface TreeWatcher {
  /** Number of folders watched (for diagnostics and tests). */
  readonly size: number;
  close(): void;
}

/**
 * Watches a project folder for source changes. One non-recursive `fs.watch` per folder, skipping
 * {@link IGNORED_DIRS} and dot-folders: `fs.watch(root, { recursive: true })` on Linux (Node 20)
 * walks and watches every file under `node_modules` and `.strata` too, which costs seconds and
 * thousands of inotify watches in a real project. New folders are picked up as they appear.
 *
 * @example
 * const w = watchTree("/my/project", { onChange: (f) => console.log("changed", f) });
 * w.close();
 */
export function watchTree(root: string, options: WatchTreeOptions): TreeWatcher {
  const watchers = new Map<string, FSWatcher>();
  const ignoredPaths = (options.ignorePaths ?? []).map((p) => p.replace(/[/\\]+$/, ""));
  let closed = false;

  const ignoredDir = (dir: string): boolean => {
    if (dir === root) return false;
    const name = basename(dir);
    if (IGNORED_DIRS.has(name) || name.startsWith(".")) return true;
    return ignoredPaths.some((p) => dir === p || dir.startsWith(p + sep));
  };
  const isSource = (file: string): boolean => {
    const name = basename(file);
    if (name === ".env" || name.startsWith(".env.")) return true;
    if (name.startsWith(".") || name.endsWith("~")) return false;
    return SOURCE_EXTENSIONS.has(extname(name));
  };
  const inIgnoredDir = (file: string): boolean =>
    relative(root, file)
      .split(sep)
      .slice(0, -1)
      .some((part) => IGNORED_DIRS.has(part) || part.startsWith(".")) ||
    ignoredPaths.some((p) => file.startsWith(p + sep));

  const addDir = (dir: string): void => {
    if (closed || watchers.has(dir) || ignoredDir(dir)) return;
    let w: FSWatcher;
    try {
      w = watch(dir, { persistent: true }, (_event, filename) => {
        if (closed || filename === null) return;
        const full = join(dir, filename.toString());
        if (inIgnoredDir(full)) return;
        let isDir = false;
        try {
          isDir = statSync(full).isDirectory();
        } catch {
          // Deleted: a folder's own watcher reports its removal with an error, handled below.
        }
        if (isDir) {
          addDir(full);
          return;
        }
        if (isSource(full)) options.onChange(full);
      });
    } catch {
      return; // vanished or unreadable meanwhile
    }
    w.on("error", () => {
      w.close();
      watchers.delete(dir);
    });
    watchers.set(dir, w);
    let entries: Dirent[] = [];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) addDir(join(dir, e.name));
  };

  addDir(root);
  return {
    get size() {
      return watchers.size;
    },
    close() {
      closed = true;
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
