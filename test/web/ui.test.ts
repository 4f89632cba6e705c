/**
 * The web UI in real Chromium against `strata ui` on the quickstart example (history in a temp
 * STRATA_HOME): catalog, lineage graph, launching a materialisation and watching it succeed
 * live, the asset page's metadata plot and check result. Saves screenshots to docs/screenshots.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Page } from "playwright-core";
import { REPO_ROOT, runCli, startCli } from "../helpers/run-cli.ts";
import { browserUnavailable, openUi, SHOTS, type UiSession } from "./browser.ts";

vi.setConfig({ testTimeout: 180_000, hookTimeout: 240_000 });

const skip = browserUnavailable();
const cwd = join(REPO_ROOT, "examples/quickstart");
const home = mkdtempSync(join(tmpdir(), "strata-web-"));
const env = { STRATA_HOME: home, FX_API_TOKEN: "web-secret-token-123" };

let ui: UiSession | undefined;
let page: Page;
let base = "";

beforeAll(async () => {
  if (skip) return;
  // history: two runs of everything, so the asset page has something to plot
  for (let i = 0; i < 2; i++) {
    const r = await runCli(["materialize", "--select", "*"], { cwd, env });
    expect(r.code, r.output).toBe(0);
  }
  ui = await openUi(() => startCli(["ui", "--port", "0"], { cwd, env }));
  ({ base, page } = ui);
});

afterAll(async () => {
  await ui?.close();
  rmSync(home, { recursive: true, force: true });
});

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });

describe.skipIf(Boolean(skip))("web UI in Chromium", () => {
  it("shows the overview with asset health and recent runs", async () => {
    await page.goto(base + "/");
    await page.getByTestId("overview").waitFor();
    await expect(page.getByText("Recent runs")).toBeTruthy();
    await page.getByRole("link", { name: /5\s*Assets/ }).waitFor();
    await page.getByTestId("live-state").getByText("Live updates").waitFor();
    await shot("overview");
  });

  it("lists every asset in the catalog and filters them as you type", async () => {
    await page.getByRole("link", { name: "Assets" }).first().click();
    await page.getByTestId("catalog-list").waitFor();
    expect(await page.getByTestId("asset-link").count()).toBe(5);
    await expect.poll(() => page.getByTestId("catalog-count").textContent()).toMatch(/^5 of 5/);
    await shot("catalog");
    await page.getByTestId("catalog-search").fill("gold");
    await expect.poll(() => page.getByTestId("asset-link").allTextContents()).toEqual(["gold/customer_revenue", "gold/daily_revenue"]);
    await page.getByTestId("catalog-search").fill("");
    await expect.poll(() => page.getByTestId("asset-link").count()).toBe(5);
  });

  it("draws the lineage graph, selects a node by search and opens its asset", async () => {
    await page.goto(base + "/graph");
    await page.getByTestId("graph-canvas").waitFor();
    await expect.poll(() => page.getByTestId("graph-info").textContent()).toMatch(/5 assets · \d+ edges/);
    const perf = await page.evaluate(() => window.__strataPerf?.graph);
    expect(perf?.nodes).toBe(5);
    expect(perf!.firstDrawMs).toBeGreaterThan(0);
    await shot("lineage");
    await page.getByTestId("graph-search").fill("silver/orders");
    await page.getByTestId("graph-search").press("Enter");
    await page.getByTestId("graph-panel").getByText("silver/orders").waitFor();
    await page.getByTestId("open-asset").click();
    await page.getByTestId("asset-detail").waitFor();
    expect(page.url()).toContain("/assets/silver%2Forders");
  });

  it("launches a materialisation from the UI and watches the run succeed live", async () => {
    await page.goto(base + "/assets/" + encodeURIComponent("gold/customer_revenue"));
    await page.getByTestId("materialize").click();
    await page.getByTestId("config-editor").fill("{ not json");
    await page.getByTestId("config-error").waitFor();
    expect(await page.getByTestId("launch-run").isDisabled()).toBe(true);
    await page.getByTestId("config-editor").fill("");
    await page.getByRole("textbox", { name: /Tags/ }).fill("source=browser-test");
    await page.getByTestId("launch-run").click();
    await page.getByTestId("run-detail").waitFor();
    expect(page.url()).toMatch(/\/runs\/\w+/);
    await page.getByTestId("run-status").getByText("Success").waitFor({ timeout: 120_000 });
    // the live log has the run's events, including the materialisation
    await expect.poll(() => page.locator('[data-type="RUN_SUCCESS"]').count(), { timeout: 30_000 }).toBe(1);
    await page.getByTestId("gantt").locator(".gantt-bar").first().waitFor();
    await shot("run");
    const runs = await (await fetch(`${base}/api/runs?tag=source=browser-test`)).json() as { runs: { status: string }[] };
    expect(runs.runs.map((r) => r.status)).toEqual(["SUCCESS"]);
  });

  it("shows an asset's metadata plot, table preview and check result", async () => {
    await page.goto(base + "/assets/" + encodeURIComponent("gold/customer_revenue"));
    await page.getByTestId("asset-detail").waitFor();
    await page.getByTestId("metadata-chart").waitFor();
    expect(await page.getByTestId("metadata-chart").getAttribute("aria-label")).toMatch(/3 points/);
    await page.getByTestId("metadata-table").first().waitFor();
    const check = page.getByTestId("check-row").first();
    await check.getByText("Passed").waitFor();
    await shot("asset");
  });

  it("reads well in the dark theme", async () => {
    await page.getByTestId("theme-toggle").click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
    await page.goto(base + "/graph");
    await page.getByTestId("graph-canvas").waitFor();
    await expect.poll(() => page.getByTestId("graph-info").textContent()).toMatch(/5 assets/);
    await shot("lineage-dark");
    await page.goto(base + "/runs");
    await page.getByTestId("run-row").first().waitFor();
    expect(await page.getByTestId("run-row").count()).toBe(3);
    await page.getByTestId("theme-toggle").click();
  });

  it("says how to define schedules and sensors and that no daemon runs under `strata ui`", async () => {
    await page.goto(base + "/automation");
    await page.getByText("No schedules", { exact: true }).waitFor();
    await page.getByText("No sensors", { exact: true }).waitFor();
    await page.getByTestId("daemon-not-running").waitFor();
    await page.goto(base + "/deployment");
    await page.getByTestId("reload").waitFor();
    await page.getByTestId("heartbeats-none").waitFor();
  });

  it("says how to define a concurrency pool when there is none, and shows the run queue's limits", async () => {
    await page.goto(base + "/deployment");
    await expect.poll(() => page.getByTestId("pools-empty").textContent()).toMatch(/defineDefinitions\(\{ pools: \{ warehouse: 2 \} \}\).*pool: "warehouse"/);
    await expect.poll(() => page.getByTestId("queue-max").textContent()).toBe("10");
  });
});
