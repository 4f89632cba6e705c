/**
 * Automation conditions and freshness policies in YAML: template helpers and the data form give
 * the same snapshot values (built-in attributes and post_processing, per key of a multi-asset),
 * and bad presets / crons / durations are reported with file:line:col.
 */
import { afterAll, describe, expect, it } from "vitest";
import { checkYaml, formatProblem } from "@strata/components";
import { AutomationCondition, freshnessPolicy } from "@strata/core";
import { makeProject } from "../helpers/run-cli.ts";

const MULTI = `import { z } from "strata";
import { multiAsset, defineDefinitions } from "@strata/core";
import { defineComponent } from "@strata/components";
export const multi = defineComponent({
  type: "acme.multi",
  description: "two assets from one step",
  attributes: z.strictObject({}),
  buildDefs: () => defineDefinitions({ assets: [multiAsset({ specs: [{ key: "m/a" }, { key: "m/b" }] }, () => undefined)] }),
});
`;

const p = makeProject(
  {
    "components/multi.ts": MULTI,
    "defs/templated/defs.yaml": [
      "type: strata.command",
      "attributes:",
      "  key: raw/templated",
      "  command: echo",
      "  automation: \"{{ automation.on_cron('0 6 * * *', 'Europe/Berlin') }}\"",
      "  freshness: \"{{ freshness.time_window(fail_after='24h', warn_after='12h') }}\"",
      "",
    ].join("\n"),
    "defs/data/defs.yaml": [
      "type: strata.command",
      "attributes:",
      "  key: raw/data",
      "  command: echo",
      "  automation: { preset: on_cron, cron: '0 6 * * *', timezone: Europe/Berlin }",
      "  freshness: { fail_after: 24h, warn_after: 12h }",
      "",
    ].join("\n"),
    "defs/multi/defs.yaml": [
      "type: acme.multi",
      "post_processing:",
      "  assets:",
      "    - attributes: { group: mm, automation: { preset: eager } }",
      "    - target: 'key:\"m/b\"'",
      "      attributes:",
      "        automation: '{{ automation.on_missing() }}'",
      "        freshness: { deadline_cron: '0 9 * * *', lower_bound: 3h }",
      "",
    ].join("\n"),
  },
  { name: "automation-yaml" },
);
afterAll(() => p.cleanup());

type Listed = { key: string; group: string; automation?: { label?: string }; freshness?: unknown };

describe("automation and freshness in YAML", () => {
  it("template helpers and the data form give the same conditions and policies; post_processing patches only the selected keys", async () => {
    const r = await p.run(["list", "--json"]);
    expect(r.code, r.output).toBe(0);
    const byKey = new Map((JSON.parse(r.stdout) as { assets: Listed[] }).assets.map((a) => [a.key, a]));
    const onCron = AutomationCondition.onCron("0 6 * * *", "Europe/Berlin").snapshot;
    const window = freshnessPolicy.timeWindow({ failAfter: "24h", warnAfter: "12h" });
    for (const key of ["raw/templated", "raw/data"]) {
      expect(byKey.get(key)!.automation).toEqual(onCron);
      expect(byKey.get(key)!.freshness).toEqual(window);
    }
    const a = byKey.get("m/a")!;
    const b = byKey.get("m/b")!;
    expect([a.group, b.group]).toEqual(["mm", "mm"]);
    expect(a.automation).toEqual(AutomationCondition.eager().snapshot);
    expect(a.freshness).toBeUndefined();
    expect(b.automation).toEqual(AutomationCondition.onMissing().snapshot);
    expect(b.freshness).toEqual(freshnessPolicy.cron({ deadlineCron: "0 9 * * *", lowerBound: "3h" }));
  });

  it("reports bad presets, crons, durations and helper arguments with file:line:col", () => {
    const bad = makeProject(
      {
        "defs/bad/defs.yaml": [
          "type: strata.command",
          "attributes:",
          "  key: raw/x",
          "  command: echo",
          "  automation: { preset: eagre }",
          "  freshness: { fail_after: 24 hours }",
          "---",
          "type: strata.duckdb_sql",
          "post_processing:",
          "  assets:",
          "    - attributes:",
          "        automation: { preset: on_cron, cron: '61 * * * *' }",
          "        freshness: { fail_after: 1h, warn_after: 2h }",
          "---",
          "type: strata.medallion",
          "attributes:",
          "  tables: [{ name: t, keys: [id] }]",
          "  automation: \"{{ automation.on_cron(crn='0 6 * * *') }}\"",
          "  freshness: { deadline_cron: '0 9 * * *' }",
          "",
        ].join("\n"),
      },
      { name: "automation-yaml-bad" },
    );
    try {
      const r = checkYaml({ root: bad.dir, environment: {} });
      const lines = r.problems.map((x) => formatProblem(x));
      const find = (at: string, text: string) => expect(lines.find((l) => l.includes(at) && l.includes(text)), `${at} ${text}\n${lines.join("\n")}`).toBeDefined();
      find("defs/bad/defs.yaml:5:25", "preset must be one of eager, on_cron, on_missing");
      find("defs/bad/defs.yaml:6:28", "Invalid fail_after");
      find("defs/bad/defs.yaml:12:46", "on_cron");
      find("defs/bad/defs.yaml:13:50", "shorter than failAfter");
      find("defs/bad/defs.yaml:18:38", 'has no parameter "crn"'); // at the keyword itself
      find("defs/bad/defs.yaml:19:31", "needs lower_bound too");
    } finally {
      bad.cleanup();
    }
  });
});
