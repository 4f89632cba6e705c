/**
 * The launch dialog's partition picker and the Deployment page's concurrency pools, in real
 * Chromium against `strata ui` on a small project: a daily asset (60 partitions), a
 * multi-partitioned one and two assets sharing a pool of one slot. Launches a range from the
 * picker and watches the backfill complete; sees a slot held and a step waiting for it; edits
 * the run queue's limits. Saves docs/screenshots/launch-partitions.png and deployment.png.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Page } from "playwright-core";
import { makeProject, type TempProject } from "../helpers/run-cli.ts";
import { browserUnavailable, openUi, SHOTS, type UiSession } from "./browser.ts";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 240_000 });

const skip = browserUnavailable();

const CONFIG = `import { asset, dailyPartitions, defineDefinitions, hourlyPartitions, multiPartitions, staticPartitions } from "strata";

const hold = async (ctx) => {
  for (let i = 0; i < 400 && !ctx.signal.aborted; i++) await new Promise((r) => setTimeout(r, 50));
  return 1;
};
export const loadA = asset({ key: "warehouse/load_a", group: "warehouse", pool: "warehouse" }, hold);
export const loadB = asset({ key: "warehouse/load_b", group: "warehouse", pool: "warehouse" }, hold);
export const events = asset({ key: "events", group: "daily", partitions: dailyPartitions({ start: "2024-01-01", end: "2024-03-01" }) }, (ctx) => ctx.partitionKey);
export const grid = asset(
  { key: "sales_grid", group: "daily", partitions: multiPartitions({ date: dailyPartitions({ start: "2024-01-01", end: "2024-01-04" }), region: staticPartitions(["eu", "us"]) }) },
  (ctx) => ctx.partitionKey,
);

export const ticks = asset({ key: "ticks", group: "hourly", partitions: hourlyPartitions({ start: "2020-01-01", end: new Date(Date.UTC(2020, 0, 1) + 50_000 * 3_600_000) }) }, (ctx) => ctx.partitionKey);

export default defineDefinitions({ assets: [loadA, loadB, events, grid, ticks], pools: { warehouse: 1 } });
`;

let project: TempProject | undefined;
let ui: UiSession | undefined;
let page: Page;
let base = "";

const api = async <T>(path: string, body?: unknown): Promise<T> =>
  (await (await fetch(base + path, body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })).json()) as T;

beforeAll(async () => {
  if (skip) return;
  project = makeProject({ "strata.config.ts": CONFIG }, { name: "web-launch" });
  ui = await openUi(() => project!.start(["ui", "--port", "0"]));
  ({ base, page } = ui);
});

afterAll(async () => {
  await ui?.close();
  project?.cleanup();
});

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });

describe.skipIf(Boolean(skip))("partition picker in Chromium", () => {
  it("shows the definition and status, rejects a key outside it, and launches a range as a backfill", async () => {
    await page.goto(base + "/assets/events");
    await page.getByTestId("materialize").click();
    const picker = page.getByTestId("partition-picker");
    await expect.poll(() => picker.getByTestId("partition-definition").textContent()).toMatch(/^60 partitions · valid keys run from 2024-01-01 to 2024-02-29 \(daily, UTC\)/);
    await picker.getByText("missing: 60").waitFor();
    await picker.getByRole("button", { name: "All missing (60)" }).waitFor();

    await page.getByLabel("First partition", { exact: true }).fill("2023-12-31");
    await expect.poll(() => picker.getByTestId("partition-error").textContent()).toBe('First key "2023-12-31" is not a partition: valid keys run from 2024-01-01 to 2024-02-29');
    expect(await page.getByTestId("launch-run").isDisabled()).toBe(true);

    await page.getByLabel("First partition", { exact: true }).fill("2024-01-1");
    await picker.getByRole("option", { name: "2024-01-10" }).click();
    await page.getByLabel("Last partition", { exact: true }).fill("2024-01-05");
    await expect.poll(() => picker.getByTestId("partition-error").textContent()).toMatch(/inverted/);
    await page.getByLabel("Last partition", { exact: true }).fill("2024-01-14");
    await expect.poll(() => picker.getByTestId("partition-summary").textContent()).toMatch(/^5 partitions, 2024-01-10 … 2024-01-14: launches a backfill/);
    expect(await page.getByTestId("launch-run").textContent()).toBe("Launch backfill");
    await page.getByTestId("launch-run").click();

    await page.getByTestId("backfill-detail").waitFor();
    const id = decodeURIComponent(page.url().split("/backfills/")[1]!);
    await page.locator('[data-testid="backfill-status"][data-status="COMPLETED"]').waitFor({ timeout: 90_000 });
    const detail = await api<{ backfill: { partitionSelection: unknown }; chunks: { partitionKeys: string[] }[] }>(`/api/backfills/${encodeURIComponent(id)}`);
    expect(detail.chunks.flatMap((c) => c.partitionKeys).sort()).toEqual(["2024-01-10", "2024-01-11", "2024-01-12", "2024-01-13", "2024-01-14"]);
    await expect.poll(() => page.getByTestId("backfill-chunks").getByRole("listitem").count()).toBe(detail.chunks.length);
    expect(await page.getByTestId("backfill-partitions").textContent()).toBe("2024-01-10 … 2024-01-14");
    const parts = await api<{ counts: Record<string, number> }>("/api/assets/events/partitions");
    expect(parts.counts).toMatchObject({ materialized: 5, missing: 55 });
  });

  it("picks a range by clicking the status bar, and launches one partition as a run", async () => {
    await page.goto(base + "/assets/events");
    await page.getByTestId("materialize").click();
    const picker = page.getByTestId("partition-picker");
    await picker.getByText("materialized: 5").waitFor();
    expect(await picker.locator('[data-testid="picker-bar"] > div').evaluateAll((els) => els.map((e) => e.getAttribute("data-status")))).toEqual(["missing", "materialized", "missing"]);
    await picker.locator('[data-testid="picker-bar"] > [data-status="materialized"]').click();
    expect(await page.getByLabel("First partition", { exact: true }).inputValue()).toBe("2024-01-10");
    expect(await page.getByLabel("Last partition", { exact: true }).inputValue()).toBe("2024-01-14");
    await page.getByLabel("First partition", { exact: true }).fill("2024-01-15");
    await page.getByLabel("Last partition", { exact: true }).fill("2024-02-14");
    await expect.poll(() => picker.getByTestId("partition-summary").textContent()).toMatch(/^31 partitions/);
    await page.getByRole("dialog").click({ position: { x: 20, y: 20 } }); // close the suggestions for the picture
    await shot("launch-partitions");
    await picker.getByRole("button", { name: "Latest" }).click();
    await expect.poll(() => picker.getByTestId("partition-summary").textContent()).toBe("Partition 2024-02-29: launches one run.");
    expect(await page.getByTestId("launch-run").textContent()).toBe("Launch run");
    await page.getByTestId("launch-run").click();
    await page.getByTestId("run-detail").waitFor();
    await page.getByTestId("run-status").getByText("Success").waitFor({ timeout: 60_000 });
    const runs = await api<{ runs: { partitionKey?: string }[] }>("/api/runs?tag=strata/partition=2024-02-29");
    expect(runs.runs.map((r) => r.partitionKey)).toEqual(["2024-02-29"]);
  });

  it("picks one dimension's values of a multi-partition, and counts all missing", async () => {
    await page.goto(base + "/assets/sales_grid");
    await page.getByTestId("materialize").click();
    const picker = page.getByTestId("partition-picker");
    await expect.poll(() => picker.getByTestId("partition-definition").textContent()).toMatch(/^6 partitions/);
    const region = picker.locator('[data-testid="dimension-row"][data-dimension="region"]');
    await region.getByRole("button", { name: "Values" }).click();
    await region.getByLabel("First region", { exact: true }).fill("asia");
    await expect.poll(() => picker.getByTestId("partition-error").textContent()).toBe('region: First key "asia" is not a partition: valid keys are eu, us');
    await region.getByLabel("First region", { exact: true }).fill("us");
    await expect.poll(() => picker.getByTestId("partition-summary").textContent()).toMatch(/^3 partitions, 2024-01-01\|us … 2024-01-03\|us/);
    await picker.getByRole("button", { name: "All missing (6)" }).click();
    await expect.poll(() => picker.getByTestId("partition-summary").textContent()).toBe("6 missing partitions: launches a backfill.");
    await picker.getByRole("button", { name: "Choose per dimension" }).click();
    await page.getByTestId("launch-run").click();
    await page.getByTestId("backfill-detail").waitFor();
    await page.locator('[data-testid="backfill-status"][data-status="COMPLETED"]').waitFor({ timeout: 90_000 });
    const parts = await api<{ counts: Record<string, number> }>("/api/assets/sales_grid/partitions");
    expect(parts.counts).toMatchObject({ materialized: 3, missing: 3 });
  });
});

describe.skipIf(Boolean(skip))("partition picker with 50,000 partitions", () => {
  it("draws a bounded number of elements and validates keys as you type", async () => {
    await page.goto(base + "/assets/ticks");
    await page.getByTestId("materialize").click();
    const picker = page.getByTestId("partition-picker");
    await expect.poll(() => picker.getByTestId("partition-definition").textContent(), { timeout: 30_000 }).toMatch(/^50,000 partitions · valid keys run from 2020-01-01-00:00 to 2025-09-14-07:00/);
    await picker.getByText("missing: 50,000").waitFor();
    await page.getByLabel("First partition", { exact: true }).fill("2024-02-29-1");
    expect(await picker.getByRole("option").count()).toBeGreaterThan(0);
    await page.getByLabel("First partition", { exact: true }).fill("2024-02-29-13:00");
    await page.getByLabel("Last partition", { exact: true }).fill("2025-09-14-08:00");
    await expect.poll(() => picker.getByTestId("partition-error").textContent()).toBe('Last key "2025-09-14-08:00" is not a partition: valid keys run from 2020-01-01-00:00 to 2025-09-14-07:00');
    await picker.getByRole("button", { name: "All 50,000" }).click();
    await expect.poll(() => picker.getByTestId("partition-summary").textContent()).toMatch(/^50,000 partitions/);
    // Ranges and suggestions, never one element per partition.
    expect(await page.evaluate(() => document.querySelectorAll('[data-testid="partition-picker"] *').length)).toBeLessThan(200);
    await page.keyboard.press("Escape");
  });
});

describe.skipIf(Boolean(skip))("concurrency pools on the Deployment page in Chromium", () => {
  it("shows the slot in use, by which run and step, and the step waiting for it", async () => {
    await page.goto(base + "/deployment");
    const row = page.locator('[data-testid="pool-row"][data-pool="warehouse"]');
    await expect.poll(() => row.getByTestId("pool-usage").textContent()).toBe("0 / 1");
    const launched = await api<{ runId: string }>("/api/runs", { selection: "group:warehouse" });
    try {
      await expect.poll(() => row.getByTestId("pool-usage").textContent(), { timeout: 30_000 }).toMatch(/^1 \/ 1/);
      await expect.poll(() => row.getByTestId("pool-holders").textContent()).toMatch(new RegExp(`${launched.runId.slice(-8)} · warehouse/load_[ab]`));
      await row.locator('[data-testid="pool-waiting"] [data-reason="slot"]').getByText("waiting for a slot").waitFor();
      await page.getByTestId("pools").scrollIntoViewIfNeeded();
      await shot("deployment");
    } finally {
      await api(`/api/runs/${launched.runId}/cancel`, {});
    }
    await expect.poll(() => row.getByTestId("pool-usage").textContent(), { timeout: 30_000 }).toBe("0 / 1");
  });

  it("edits the run queue's limits as `strata queue config` does", async () => {
    const queue = page.getByTestId("run-queue");
    await expect.poll(() => queue.getByTestId("queue-max").textContent()).toBe("10");
    await queue.getByTestId("queue-edit").click();
    await queue.getByLabel("Max concurrent runs").fill("-2");
    await queue.getByText("A whole number ≥ 0").waitFor();
    await queue.getByLabel("Max concurrent runs").fill("4");
    await queue.getByLabel("Tag limits").fill("team growth");
    await queue.getByText("Line 1: write key:limit or key=value:limit, e.g. team=growth:2").waitFor();
    expect(await queue.getByTestId("queue-save").isDisabled()).toBe(true);
    await queue.getByLabel("Tag limits").fill("team=growth:2");
    await queue.getByTestId("queue-save").click();
    await expect.poll(() => queue.getByTestId("queue-max").textContent()).toBe("4");
    await queue.getByTestId("queue-tag-limits").getByText("0 of 2 in progress").waitFor();
    const read = await api<{ queue: { maxConcurrentRuns: number; tagConcurrencyLimits: unknown[] } }>("/api/concurrency");
    expect(read.queue).toMatchObject({ maxConcurrentRuns: 4, tagConcurrencyLimits: [{ key: "team", value: "growth", limit: 2, inUse: 0 }] });
  });
});
