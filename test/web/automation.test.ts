/**
 * The Automation page in real Chromium against `strata ui` on a small project with a schedule
 * and a sensor: start and stop a schedule from the UI, asserting the API's state follows, and
 * open a sensor's tick history. Saves docs/screenshots/automation.png.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Page } from "playwright-core";
import { openSqliteStorage } from "@strata/storage";
import { makeProject, type TempProject } from "../helpers/run-cli.ts";
import { browserUnavailable, openUi, SHOTS, type UiSession } from "./browser.ts";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 240_000 });

const skip = browserUnavailable();

const CONFIG = `import { asset, AutomationCondition, defineDefinitions, freshnessPolicy, schedule, sensor } from "strata";

export const orders = asset({ key: "orders", group: "mart" }, () => [1, 2, 3]);
export const summary = asset({ key: "mart/summary", group: "mart", deps: ["orders"], automation: AutomationCondition.eager(), freshness: freshnessPolicy.timeWindow({ warnAfter: "12h", failAfter: "1d" }) }, () => 1);
export const nightly = schedule({ name: "nightly_refresh", cron: "0 3 * * *", timezone: "UTC", target: "*", description: "Rebuild everything at 03:00 UTC" });
export const inbox = sensor({ name: "inbox_files", intervalSeconds: 30, target: [orders], defaultStatus: "RUNNING" }, () => ({ skipReason: "no new files" }));

export default defineDefinitions({ assets: [orders, summary], schedules: [nightly], sensors: [inbox] });
`;

let project: TempProject | undefined;
let ui: UiSession | undefined;
let page: Page;
let base = "";

interface Schedules {
  schedules: { name: string; status: string; nextTickAt?: number }[];
}
const scheduleStatus = async () => ((await (await fetch(`${base}/api/schedules`)).json()) as Schedules).schedules[0]!;

beforeAll(async () => {
  if (skip) return;
  project = makeProject({ "strata.config.ts": CONFIG }, { name: "web-automation" });
  ui = await openUi(() => project!.start(["ui", "--port", "0"]));
  ({ base, page } = ui);
});

afterAll(async () => {
  await ui?.close();
  project?.cleanup();
});

describe.skipIf(Boolean(skip))("automation page in Chromium", () => {
  it("starts and stops a schedule from the UI", async () => {
    expect(await scheduleStatus()).toMatchObject({ name: "nightly_refresh", status: "STOPPED" });
    await page.goto(base + "/automation");
    await page.getByTestId("automation").waitFor();
    const row = page.locator('[data-testid="instigator-row"][data-name="nightly_refresh"]');
    await row.waitFor();
    await row.getByText("stopped").first().waitFor();
    // strata ui runs no daemon: the page says so
    await page.getByTestId("daemon-not-running").waitFor();

    await row.getByTestId("start-instigator").click();
    await page.locator('[data-testid="instigator-row"][data-name="nightly_refresh"][data-status="RUNNING"]').waitFor();
    await expect.poll(async () => (await scheduleStatus()).status).toBe("RUNNING");
    expect(new Date((await scheduleStatus()).nextTickAt!).getUTCHours()).toBe(3);
    await expect.poll(() => row.getByTestId("next-tick").textContent()).toMatch(/^in \d+[smhd]$/);
    await shot(page, "automation");

    await row.getByTestId("stop-instigator").click();
    await page.locator('[data-testid="instigator-row"][data-name="nightly_refresh"][data-status="STOPPED"]').waitFor();
    await expect.poll(async () => (await scheduleStatus()).status).toBe("STOPPED");
    await row.getByTestId("start-instigator").waitFor();
  });

  it("lists sensors and expands a tick history", async () => {
    const row = page.locator('[data-testid="instigator-row"][data-name="inbox_files"]');
    await row.waitFor();
    expect(await row.getAttribute("data-status")).toBe("RUNNING");
    await row.getByTestId("toggle-ticks").click();
    await page.getByText("No ticks yet.").waitFor();
    await row.getByTestId("toggle-ticks").click();
    await expect.poll(() => page.getByText("No ticks yet.").count()).toBe(0);
  });
});

describe.skipIf(Boolean(skip))("asset page: health, freshness and automation in Chromium", () => {
  it("shows the condition tree of the latest evaluation, its history, freshness and health", async () => {
    // Two evaluations as the daemon's automation loop stores them (strata ui runs no daemon).
    const storage = await openSqliteStorage(join(project!.home, "strata.db"));
    const leaf = (label: string, value: boolean) => ({ type: "missing", label, candidates: 1, trueCount: value ? 1 : 0, value, children: [] });
    const tree = (requested: boolean) => ({
      type: "and", candidates: 1, trueCount: requested ? 1 : 0, value: requested,
      children: [leaf("in_latest_time_window", true), { type: "not", candidates: 1, trueCount: requested ? 1 : 0, value: requested, children: [leaf("any_deps_missing", !requested)] }],
    });
    const now = Date.now();
    for (const [i, requested] of [[1, false], [2, true]] as const)
      await storage.storeAutomationEvaluations([{ tickId: `t${i}`, assetKey: "mart/summary", evaluatedAt: now - (3 - i) * 60_000, requestedCount: requested ? 1 : 0, evaluation: { assetKey: "mart/summary", requestedCount: requested ? 1 : 0, initial: i === 1, tree: tree(requested) } }]);
    await storage.close();

    await page.goto(base + "/assets/" + encodeURIComponent("mart/summary"));
    const panel = page.getByTestId("automation-panel");
    await panel.getByTestId("condition-tree").waitFor();
    expect(await panel.locator('[data-testid="condition-tree"] li').count()).toBe(4);
    expect(await panel.locator('[data-testid="condition-tree"] > li').getAttribute("data-value")).toBe("true");
    await panel.getByText("in_latest_time_window").waitFor();
    expect(await panel.locator('[data-testid="evaluation-history"] tr').count()).toBe(2);
    expect(await panel.getByTestId("freshness").getAttribute("data-state")).toBe("unknown");
    await panel.getByText("materialised within 1d (warn after 12h)").waitFor();
    expect(await panel.getByTestId("asset-health").getAttribute("data-status")).toBe("unknown");
    await shot(page, "asset-automation");

    await page.goto(base + "/assets/orders");
    await page.getByTestId("automation-none").waitFor();
    await page.getByTestId("freshness-none").waitFor();
  });

  it("lists a late asset on the overview and flags it in the catalog", async () => {
    // The freshness loop's record, as the daemon writes it (strata ui runs no daemon).
    const storage = await openSqliteStorage(join(project!.home, "strata.db"));
    await storage.setValue("daemon/freshness", JSON.stringify({ "mart/summary": { state: "fail", since: Date.now() - 60_000, reason: "not materialised within 1d" } }));
    await storage.close();
    await page.goto(base + "/");
    const late = page.getByRole("row").filter({ hasText: "mart/summary" });
    await late.getByText("Late", { exact: true }).waitFor();
    await page.goto(base + "/assets");
    await expect.poll(() => page.getByTestId("freshness-flag").allTextContents()).toEqual([" · late"]);
  });
});

const shot = (p: Page, name: string) => p.screenshot({ path: join(SHOTS, `${name}.png`) });
