import { describe, expect, it } from "vitest";
import { evaluateSelection } from "./evaluate.ts";
import { parseSelection } from "./parser.ts";
import { testAsset, testGraph } from "./test-graph.ts";

// 10,000 assets in 100 layers of 100; each depends on three assets of the layer above.
const LAYERS = 100;
const WIDTH = 100;
const assets = [];
for (let l = 0; l < LAYERS; l++) {
  for (let w = 0; w < WIDTH; w++) {
    const deps = l === 0 ? [] : [0, 7, 31].map((o) => `l${l - 1}/a${(w + o) % WIDTH}`);
    assets.push(
      testAsset(`l${l}/a${w}`, deps, {
        group: `g${l % 10}`,
        kinds: w % 2 === 0 ? ["duckdb"] : ["python"],
        tags: w % 5 === 0 ? { tier: "gold" } : {},
        owners: [`team${w % 3}`],
      }),
    );
  }
}
const graph = testGraph(assets);

/**
 * Median CPU time of evaluating `input` (already parsed) a few times, in ms. CPU time, not wall
 * time: these bounds catch algorithmic regressions, and must not fail because a shared CI
 * machine is busy.
 */
function medianMs(input: string): { ms: number; size: number } {
  const ast = parseSelection(input);
  let size = 0;
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t = process.cpuUsage();
    size = evaluateSelection(ast, graph).size;
    const d = process.cpuUsage(t);
    times.push((d.user + d.system) / 1000);
  }
  times.sort((a, b) => a - b);
  return { ms: times[3]!, size };
}

describe("evaluateSelection on 10,000 assets", () => {
  // Generous bounds: these take about 1-3 ms on an idle machine; CI shares its cores.
  const cases: [string, number][] = [
    ["l50/a5", 1],
    ['key:"l5/*"', 100],
    ["group:g3", 1000],
    ["tag:tier=gold and kind:duckdb", 1000],
    ["not owner:team1", 6700],
    ["roots(group:g3)", 1000],
    ['roots(key:"l3/*" or key:"l4/*")', 100],
    // Offsets 0, 7, 31 give 3 parents and 6 distinct grandparents (likewise downstream).
    ["2+l50/a5+2", 1 + 3 + 6 + 3 + 6],
  ];

  it.each(cases)("%s", (input, size) => {
    const r = medianMs(input);
    expect(r.size).toBe(size);
    expect(r.ms).toBeLessThan(25);
  });

  it("walks the whole graph for unbounded traversals in well under 100 ms", () => {
    const up = medianMs("+l99/a0");
    expect(up.size).toBeGreaterThan(8000);
    expect(up.ms).toBeLessThan(100);
    const down = medianMs("l0/a0+");
    expect(down.size).toBeGreaterThan(8000);
    expect(down.ms).toBeLessThan(100);
  });
});
