/**
 * `strata dev` memory and the run log at scale:
 * 1. RSS of every process of `strata dev` (CLI + code location + daemon + workers, read from
 *    /proc/<pid>/status for the whole process tree) idle on a generated 10,000-asset project
 *    (15,000 edges); target ≤ 400 MB.
 * 2. A run with 100,000 LOG events written straight through `storage.storeEvents` into a temp
 *    instance, its page opened in headless Chromium against `strata ui`: time to the first log
 *    rows, to the whole log loaded, and frame intervals while scrolling the virtualised list.
 */
import { join } from "node:path";
import { openSqliteStorage } from "@strata/storage";
import { makeProject, type CliProcess } from "../test/helpers/run-cli.ts";
import { browserUnavailable, buildWeb, launchBrowser } from "../test/web/browser.ts";
import { fmtMs, processTreeRss, row, startResult } from "./lib.ts";

const N = 10_000;
const EDGES = 15_000;
const FILES = 20;
const result = startResult("dev-rss", "strata dev RSS (10,000 assets) and the run log with 100,000 lines");
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function projectFiles(): Record<string, string> {
  let seed = 7;
  const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const deps: string[][] = Array.from({ length: N }, () => []);
  let edges = 0;
  while (edges < EDGES) {
    const b = 1 + Math.floor(rnd() * (N - 1));
    const a = Math.max(0, b - 1 - Math.floor(rnd() * Math.min(b, rnd() < 0.8 ? 40 : N)));
    const k = `g${Math.floor(a / 500)}/a${a}`;
    if (deps[b]!.includes(k)) continue;
    deps[b]!.push(k);
    edges++;
  }
  const files: Record<string, string> = {};
  const per = N / FILES;
  for (let f = 0; f < FILES; f++) {
    const lines = [`import { asset } from "strata";`, "const noop = () => undefined;"];
    for (let i = f * per; i < (f + 1) * per; i++)
      lines.push(`export const a${i} = asset({ key: "g${Math.floor(i / 500)}/a${i}", group: "g${Math.floor(i / 500)}", kinds: ["sql"], deps: ${JSON.stringify(deps[i])} }, noop);`);
    files[`src/m${f}.ts`] = lines.join("\n") + "\n";
  }
  files["strata.config.ts"] = [
    `import { defineDefinitions } from "strata";`,
    ...Array.from({ length: FILES }, (_, f) => `import * as m${f} from "./src/m${f}.ts";`),
    `export default defineDefinitions({ assets: [${Array.from({ length: FILES }, (_, f) => `...Object.values(m${f})`).join(", ")}] });`,
  ].join("\n") + "\n";
  return files;
}

async function devRss(): Promise<void> {
  const project = makeProject(projectFiles(), { name: "bench-dev-rss" });
  let dev: CliProcess | undefined;
  try {
    const t0 = performance.now();
    dev = project.start(["dev", "--port", "0"]);
    const base = (await dev.waitFor(/Strata dev on (http:\/\/[^\s]+)/, 300_000))[1]!;
    const ready = performance.now() - t0;
    const assets = (await (await fetch(`${base}/api/assets`)).json()) as { total: number };
    if (assets.total !== N) throw new Error(`expected ${N} assets, got ${assets.total}`);
    await sleep(15_000); // idle: the daemon ticks, nothing runs
    const samples: number[] = [];
    let last: ReturnType<typeof processTreeRss> = [];
    for (let i = 0; i < 5; i++) {
      last = processTreeRss(dev.child.pid!);
      samples.push(last.reduce((s, p) => s + p.rssMb, 0));
      await sleep(2000);
    }
    const mb = pct(samples, 50);
    result.rows.push(row("strata dev: ready, then idle RSS of all processes (10,000 assets, 15,000 edges)", [ready], undefined, {
      "idle RSS": `${mb.toFixed(0)} MB (${Math.min(...samples).toFixed(0)}–${Math.max(...samples).toFixed(0)})`,
      processes: last.length,
      target: `≤ 400 MB: ${mb <= 400 ? "ok" : "MISSED"}`,
    }));
    for (const p of last) result.notes.push(`pid ${p.pid} ${p.rssMb.toFixed(0)} MB  ${p.name}`);
  } finally {
    if (dev) {
      dev.child.kill("SIGINT");
      await dev.done;
    }
    project.cleanup();
  }
}

async function runLog(): Promise<void> {
  if (browserUnavailable()) {
    result.notes.push(`run log: skipped (${browserUnavailable()})`);
    return;
  }
  await buildWeb();
  const project = makeProject({ "strata.config.ts": `import { asset, defineDefinitions } from "strata";\nexport const a = asset({ key: "a" }, () => 1);\nexport default defineDefinitions({ assets: [a] });\n` }, { name: "bench-run-log" });
  let ui: CliProcess | undefined;
  const browser = await launchBrowser();
  try {
    const storage = await openSqliteStorage(join(project.home, "strata.db"));
    const runId = "bench-run-100k";
    const now = Date.now();
    await storage.createRun({ runId, status: "SUCCESS", selection: "a", assetKeys: ["a"], checkKeys: [], tags: {}, location: "bench", createdAt: now - 100_000, startedAt: now - 100_000, endedAt: now, updatedAt: now, config: {} } as never);
    const LINES = 100_000;
    const tw = performance.now();
    for (let i = 0; i < LINES; i += 5000) {
      await storage.storeEvents(
        Array.from({ length: 5000 }, (_, j) => ({
          runId,
          type: "LOG" as const,
          timestamp: now - 100_000 + i + j,
          level: (["info", "debug", "warn", "error"] as const)[(i + j) % 4]!,
          message: `line ${i + j}: processed batch ${(i + j) % 97} of table orders_${(i + j) % 13}`,
          stepKey: `a${(i + j) % 4}`,
        })) as never,
      );
    }
    const writeMs = performance.now() - tw;
    await storage.close();
    ui = project.start(["ui", "--port", "0"]);
    const base = (await ui.waitFor(/Strata UI on (http:\/\/[^\s]+)/, 120_000))[1]!;
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1400, height: 900 });
    const firstRows: number[] = [];
    const complete: number[] = [];
    for (let r = 0; r < 3; r++) {
      await page.goto(base + "/");
      await page.getByTestId("live-state").waitFor();
      const t = Date.now();
      await page.goto(`${base}/runs/${runId}`);
      await page.locator('[data-testid="log-list"] [role="listitem"]').first().waitFor({ timeout: 60_000 });
      firstRows.push(Date.now() - t);
      await page.getByTestId("run-log").getByText(`Log (${LINES.toLocaleString("en-US")})`).waitFor({ timeout: 120_000 });
      complete.push(Date.now() - t);
    }
    // scroll: wheel down through the list, frame intervals seen by the page
    const list = page.getByTestId("log-list");
    const box = (await list.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    // a string, not a function: tsx's helper names would not exist in the page
    await page.evaluate(`(() => {
      window.__frames = []; window.__stop = false;
      let last = performance.now();
      const tick = (t) => { window.__frames.push(t - last); last = t; if (!window.__stop) requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    })()`);
    for (let i = 0; i < 120; i++) {
      await page.mouse.wheel(0, i < 100 ? 1200 : -6000);
      await sleep(16);
    }
    // jump to the end and back (scrollbar drag)
    await list.evaluate((el) => {
      const s = (el.matches("[data-testid=log-list]") && el.scrollHeight > el.clientHeight ? el : el.querySelector("*")) as HTMLElement;
      s.scrollTop = s.scrollHeight;
    });
    await sleep(200);
    const frames = await page.evaluate(() => {
      const w = window as unknown as { __frames: number[]; __stop: boolean };
      w.__stop = true;
      return w.__frames.slice(1);
    });
    // search over 100k lines
    const search: number[] = [];
    for (const term of ["orders_7", "batch 42", ""]) {
      const t = Date.now();
      await page.getByLabel("Search the log").fill(term);
      if (term) await page.getByTestId("run-log").getByText(/ of 100,000\)/).waitFor();
      else await page.getByTestId("run-log").getByText(`Log (${LINES.toLocaleString("en-US")})`).waitFor();
      search.push(Date.now() - t);
    }
    result.rows.push(row(`run log: write ${LINES.toLocaleString("en-US")} LOG events (storeEvents, 5,000/batch)`, [writeMs]));
    result.rows.push(row("run log: first rows visible (navigation → first row)", firstRows, 1000));
    result.rows.push(row("run log: all 100,000 lines loaded (10 pages of 10,000)", complete));
    result.rows.push(row("run log: scroll frame interval (wheel through the list)", frames, undefined, { p50: fmtMs(pct(frames, 50)), p95: fmtMs(pct(frames, 95)), max: fmtMs(Math.max(...frames)), frames: frames.length }));
    result.rows.push(row("run log: search filter over 100,000 lines (type → count shown)", search));
  } finally {
    await browser.close();
    if (ui) {
      ui.child.kill("SIGTERM");
      await ui.done;
    }
    project.cleanup();
  }
}

const only = process.argv.slice(2).find((a) => a === "rss" || a === "log");
if (only !== "log") await devRss();
if (only !== "rss") await runLog();
result.finish();
