/**
 * Shared by the browser tests and the web benchmark: Debian's chromium through playwright-core
 * (never a downloaded browser), and the web build made once, on demand.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { ensureWebBuild } from "@strata/web/build";
import { REPO_ROOT, type CliProcess } from "../helpers/run-cli.ts";

/** Where the browser tests save the README's screenshots. */
export const SHOTS = join(REPO_ROOT, "docs", "screenshots");

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

/** A `strata ui` server and a Chromium page on it. */
export interface UiSession {
  base: string;
  page: Page;
  /** Closes the browser, then stops the server (SIGTERM) and waits for it. */
  close(): Promise<void>;
}

/** Builds the web UI if needed, starts the server with `start` (`strata ui --port 0`), and opens a page on it. */
export async function openUi(start: () => CliProcess): Promise<UiSession> {
  await buildWeb();
  const server = start();
  const stop = async () => {
    server.child.kill("SIGTERM");
    await server.done;
  };
  try {
    const base = (await server.waitFor(/Strata UI on (http:\/\/[^\s]+)/, 120_000))[1]!;
    const browser = await launchBrowser();
    const page = await browser.context.newPage();
    mkdirSync(SHOTS, { recursive: true });
    return {
      base,
      page,
      close: async () => {
        await browser.close();
        await stop();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
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
