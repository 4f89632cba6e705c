import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Context } from "hono";

/** Where `npm run build -w @strata/web` puts the UI. */
// Resolved through the package (not import.meta.url) so it holds in the CLI's bundle too.
export const DEFAULT_WEB_DIST = resolve(dirname(fileURLToPath(import.meta.resolve("@strata/server/package.json"))), "..", "web", "dist");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".map": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".wasm": "application/wasm",
};

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Strata</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1f2937}
code{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}@media(prefers-color-scheme:dark){body{background:#111827;color:#e5e7eb}code{background:#1f2937}}</style>
</head><body><h1>Strata</h1>
<p>The API is running, but the web UI has not been built.</p>
<p>Build it with <code>npm run build -w @strata/web</code> and reload this page.</p>
<p>Meanwhile the API is at <a href="/api/overview"><code>/api/overview</code></a>; its description at <a href="/api/openapi.json"><code>/api/openapi.json</code></a>.</p>
</body></html>`;

/**
 * Serves the web build: files from `dist`, `index.html` for any other path (the UI routes on the
 * client), and a page saying how to build the UI when there is no build.
 */
export function staticUi(dist: string = DEFAULT_WEB_DIST): (c: Context) => Response {
  const root = resolve(dist);
  return (c) => {
    const index = join(root, "index.html");
    if (!existsSync(index)) return c.html(NOT_BUILT, 200);
    let path: string;
    try {
      path = decodeURIComponent(new URL(c.req.url).pathname);
    } catch {
      return c.text("Bad path", 400);
    }
    const file = normalize(join(root, path));
    const inside = file === root || file.startsWith(root + sep);
    if (inside && path !== "/" && isFile(file)) {
      const hashed = path.startsWith("/assets/");
      return new Response(readFileSync(file), {
        headers: {
          "content-type": TYPES[extname(file).toLowerCase()] ?? "application/octet-stream",
          "cache-control": hashed ? "public, max-age=31536000, immutable" : "no-cache",
        },
      });
    }
    return new Response(readFileSync(index), {
      headers: { "content-type": TYPES[".html"]!, "cache-control": "no-cache" },
    });
  };
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
