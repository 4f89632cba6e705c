/**
 * Shared by the browser tests and the web benchmark: Debian's chromium through playwright-core
 * (never a downloaded browser), and the web build made once, on demand.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { ensureWebBuild } from "@strata/web/build";

export const CHROMIUM = process.env.STRATA_CHROMIUM ?? "/usr/bin/chromium";

/** Why browser tests cannot run here, or undefined. In CI a missing chromium is a failure, not a skip. */
export function browserUnavailable(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const msg = `Browser tests need Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (set STRATA_CHROMIUM to use another binary)`;
  if (process.env.CI && process.env.CI !== "false") throw new Error(msg);
  console.warn(`SKIPPED: ${msg}`);
  return msg;
}

export async function buildWeb(): Promise<void> {
  await ensureWebBuild();
}

export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "strata-chromium-"));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What the UI exposes for measurement (packages/web/src/lib/perf.ts; read inside page.evaluate). */
declare global {
  interface Window {
    __strataPerf?: {
      graph?: { nodes: number; edges: number; layoutMs: number; firstDrawMs: number; requestedAt: number; drawnAt: number; lastDrawMs: number };
      frames: number[];
      catalogFilterMs?: number;
      catalogRows?: number;
      assetDetailPaintMs?: number;
    };
  }
}
