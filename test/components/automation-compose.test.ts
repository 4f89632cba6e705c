/**
 * Composed automation conditions in YAML: the data form, the expression string and the template
 * helpers build the same core trees (with the presets' labels kept for evaluation trees), work in
 * built-in attributes, post_processing and project component types, are in the published JSON
 * Schema, and every wrong operand or argument is reported at its exact file:line:col.
 */
import { describe, expect, it } from "vitest";
import {
  attributesJsonSchema,
  BUILTIN_COMPONENTS,
  checkJsonSchema,
  checkYaml,
  defsJsonSchema,
  formatProblem,
  parseConditionExpression,
  readConditionAttribute,
  renderTemplate,
  templateScope,
  type JsonSchema,
} from "@strata/components";
import {
  asset,
  AssetGraph,
  AutomationCondition,
  buildSnapshot,
  defineDefinitions,
  evaluateAutomation,
  MemoryAutomationView,
  type ConditionEvaluation,
} from "@strata/core";
import { makeProject } from "../helpers/run-cli.ts";

const C = AutomationCondition;
const EXPECTED = C.and(C.eager(), C.anyDepsMatch(C.inProgress()).not());

const PROJECT_TYPE = `import { z } from "strata";
import { asset, defineDefinitions } from "@strata/core";
import { automationAttributeSchema, defineComponent, toAutomationCondition } from "@strata/components";
export const timed = defineComponent({
  type: "acme.timed",
  description: "one asset with a condition",
  attributes: z.strictObject({ key: z.string(), automation: automationAttributeSchema }),
  buildDefs: (ctx) => defineDefinitions({ assets: [asset({ key: ctx.attributes.key, automation: toAutomationCondition(ctx.attributes.automation) }, () => undefined)] }),
});
`;

describe("composed automation conditions", () => {
  it("expression, data form and composed helpers build the same tree; presets keep their labels", () => {
    const expr = parseConditionExpression("eager() & ~any_deps_match(in_progress)");
    const data = readConditionAttribute({
      and: [{ preset: "eager" }, { not: { any_deps_match: { in_progress: true } } }],
    });
    expect(expr.snapshot).toEqual(EXPECTED.snapshot);
    expect(data).toEqual({ ok: true, condition: EXPECTED });
    expect(expr.snapshot.type === "and" && expr.snapshot.operands[0]!.label).toBe("eager");
    expect(parseConditionExpression("(missing & ~in_progress).with_label('waiting')").toString()).toBe(
      "waiting",
    );
    const deps = parseConditionExpression(
      `any_deps_match(execution_failed, ignore='key:"raw/*"') | on_cron('0 6 * * *', timezone='Europe/Berlin')`,
    );
    expect(deps.snapshot).toEqual(
      C.or(C.anyDepsMatch(C.executionFailed()).ignore('key:"raw/*"'), C.onCron("0 6 * * *", "Europe/Berlin"))
        .snapshot,
    );
    expect(
      parseConditionExpression(
        "in_latest_time_window & missing.newly_true().since_last_handled() & ~any_deps_missing",
      ).snapshot,
    ).toEqual(
      C.and(C.inLatestTimeWindow(), C.missing().newlyTrue().sinceLastHandled(), C.anyDepsMissing().not())
        .snapshot,
    );
  });

  it("a daemon evaluation of a YAML-composed condition stores the composed tree with the labels", () => {
    const r = readConditionAttribute({
      and: ["missing()", { not: { any_deps_match: { in_progress: true } } }],
      label: "missing, deps idle",
    });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const assets = [asset({ key: "up" }, () => 1), asset({ key: "a", deps: ["up"] }, () => 1)];
    const graph = AssetGraph.fromSnapshot(
      JSON.parse(
        JSON.stringify(buildSnapshot(defineDefinitions({ assets }), { location: "test", root: "/" })),
      ),
    );
    const view = new MemoryAutomationView();
    const conditions = new Map([["a", r.condition]]);
    view.startRun("up");
    const first = evaluateAutomation(graph, conditions, view, undefined, Date.parse("2024-05-01T12:00Z"));
    expect(first.requests.flatMap((q) => q.assetKeys)).not.toContain("a");
    const shape = (n: ConditionEvaluation): unknown => [n.label ?? n.type, n.value, ...n.children.map(shape)];
    const tree = first.evaluations.find((e) => e.assetKey === "a")!.tree;
    expect(shape(tree)).toEqual([
      "missing, deps idle",
      false,
      ["missing", true],
      ["not", false, ["any_deps_match", true, ["in_progress", true]]],
    ]);
    view.endRun("up");
    const state = JSON.parse(JSON.stringify(first.nextState)) as typeof first.nextState;
    const second = evaluateAutomation(graph, conditions, view, state, Date.parse("2024-05-01T13:00Z"));
    expect(second.requests.flatMap((q) => q.assetKeys)).toContain("a");
  });

  it("template helpers compose every function, with keyword arguments and labels", () => {
    const s = templateScope({ environment: {}, projectRoot: "/p", folder: "/p/defs/x", strataEnv: "dev" });
    const render = (t: string) => {
      const r = readConditionAttribute(renderTemplate(t, s));
      if (!r.ok) throw new Error(JSON.stringify(r.issues));
      return r.condition.snapshot;
    };
    expect(render("{{ automation.any_deps_match(automation.missing(), ignore='key:\"raw/*\"') }}")).toEqual(
      C.anyDepsMatch(C.missing()).ignore('key:"raw/*"').snapshot,
    );
    expect(
      render("{{ automation.since(automation.cron_tick_passed('0 6 * * *'), automation.newly_updated()) }}"),
    ).toEqual(C.cronTickPassed("0 6 * * *").since(C.newlyUpdated()).snapshot);
    expect(
      render(
        "{{ automation.with_label(automation.or(automation.on_missing(), automation.execution_failed()), 'retry') }}",
      ),
    ).toEqual(C.or(C.onMissing(), C.executionFailed()).withLabel("retry").snapshot);
    expect(render("{{ automation.with_label('missing & ~in_progress', \"it's missing\") }}")).toEqual(
      C.missing().and(C.inProgress().not()).withLabel("it's missing").snapshot,
    );
    expect(
      render("{{ automation.since_last_handled(automation.newly_true(automation.missing())) }}"),
    ).toEqual(C.missing().newlyTrue().sinceLastHandled().snapshot);
  });

  it("expression errors carry the offset of the offending token", () => {
    const at = (src: string) => {
      try {
        parseConditionExpression(src);
      } catch (err) {
        return [(err as { offset: number }).offset, (err as Error).message] as const;
      }
      throw new Error(`${src} parsed`);
    };
    expect(at("eager() & ~in_progres()")).toEqual([11, 'Unknown condition "in_progres"']);
    expect(at("eager() && missing")).toEqual([9, 'Expected a condition, found "&"']);
    expect(at("on_cron('61 * * * *')")[0]).toBe(8);
    expect(at("missing.newlyTrue()")).toEqual([8, 'Unknown method ".newlyTrue()"']);
    expect(at("(missing | in_progress")[1]).toContain('Expected ")"');
    expect(at("not('missing')")[1]).toBe("not(): condition must be a condition, not a string");
    expect(at("process.exit()")).toEqual([0, 'Unknown condition "process"']);
  });

  it("works in built-ins, post_processing and project types; check yaml points at every wrong operand", async () => {
    const good = makeProject(
      {
        "components/timed.ts": PROJECT_TYPE,
        "defs/expr/defs.yaml":
          'type: strata.command\nattributes:\n  key: raw/expr\n  command: echo\n  automation: "eager() & ~any_deps_match(in_progress)"\n',
        "defs/data/defs.yaml": [
          "type: strata.command",
          "attributes:",
          "  key: raw/data",
          "  command: echo",
          "  automation:",
          "    and:",
          "      - preset: eager",
          "      - not: { any_deps_match: { in_progress: true } }",
          "post_processing:",
          "  assets:",
          "    - attributes:",
          "        automation:",
          "          or: ['on_missing()', { cron_tick_passed: { cron: '0 6 * * *' } }]",
          "          label: missing or daily",
          "",
        ].join("\n"),
        "defs/helpers/defs.yaml": [
          "type: acme.timed",
          "attributes:",
          "  key: raw/helpers",
          '  automation: "{{ automation.and(automation.eager(), automation.not(automation.any_deps_match(automation.in_progress()))) }}"',
          "",
        ].join("\n"),
      },
      { name: "automation-compose" },
    );
    try {
      const r = await good.run(["list", "--json"]);
      expect(r.code, r.output).toBe(0);
      const byKey = new Map(
        (JSON.parse(r.stdout) as { assets: { key: string; automation?: unknown }[] }).assets.map((a) => [
          a.key,
          a.automation,
        ]),
      );
      expect(byKey.get("raw/expr")).toEqual(EXPECTED.snapshot);
      expect(byKey.get("raw/helpers")).toEqual(EXPECTED.snapshot);
      expect(byKey.get("raw/data")).toEqual(
        C.or(C.onMissing(), C.cronTickPassed("0 6 * * *")).withLabel("missing or daily").snapshot,
      );
      // `list` wrote the schema snapshot: check yaml now validates the project type's condition too.
      const checked = checkYaml({ root: good.dir, environment: {} });
      expect(checked.problems.map((p) => formatProblem(p))).toEqual([]);
      expect(checked.instances).toBe(3);
    } finally {
      good.cleanup();
    }
  });

  it("reports each wrong operand or argument at file:line:col, inside expressions too", async () => {
    const bad = makeProject(
      {
        "components/timed.ts": PROJECT_TYPE,
        "defs/bad/defs.yaml": [
          "type: strata.command",
          "attributes:",
          "  key: raw/x",
          "  command: echo",
          '  automation: "eager() & ~any_deps_in_progres()"',
          "---",
          "type: strata.duckdb_sql",
          "post_processing:",
          "  assets:",
          "    - attributes:",
          "        automation:",
          "          and:",
          "            - preset: eager",
          "            - nott: { in_progress: true }",
          "            - any_deps_match: { condition: missing, allow: 'key:\"x' }",
          "            - cron_tick_passed: { cron: '0 6 * * *', tz: UTC }",
          "            - missing: 3",
          "---",
          "type: acme.timed",
          "attributes:",
          "  key: raw/y",
          "  automation: on_cron('0 6 * * *', timezone='Mars/Base')",
          "---",
          "type: strata.medallion",
          "attributes:",
          "  tables: [{ name: t, keys: [id] }]",
          "  automation: |",
          "    eager()",
          "      & ~in_progress() & all",
          "",
        ].join("\n"),
      },
      { name: "automation-compose-bad" },
    );
    try {
      // Record the project type's schema first (check defs / list do), then check without loading code.
      await bad.run(["list", "components"]);
      const r = checkYaml({ root: bad.dir, environment: {} });
      const lines = r.problems.map((x) => formatProblem(x).split("\n")[0]);
      expect(lines).toEqual([
        'defs/bad/defs.yaml:5:27: error[COMPONENT_INVALID] attributes.automation: Unknown condition "any_deps_in_progres"',
        'defs/bad/defs.yaml:14:15: error[COMPONENT_INVALID] post_processing.assets[0].attributes.automation.and[1].nott: unknown condition "nott"',
        expect.stringMatching(
          /^defs\/bad\/defs\.yaml:15:60: error\[COMPONENT_INVALID\] post_processing\.assets\[0\]\.attributes\.automation\.and\[2\]\.any_deps_match\.allow: any_deps_match: selection: invalid selection/,
        ),
        'defs/bad/defs.yaml:16:54: error[COMPONENT_INVALID] post_processing.assets[0].attributes.automation.and[3].cron_tick_passed.tz: cron_tick_passed has no argument "tz"',
        "defs/bad/defs.yaml:17:24: error[COMPONENT_INVALID] post_processing.assets[0].attributes.automation.and[4].missing: missing takes no arguments (got 3)",
        expect.stringMatching(
          /^defs\/bad\/defs\.yaml:22:45: error\[COMPONENT_INVALID\] attributes\.automation: on_cron\(\): timezone: /,
        ),
        'defs/bad/defs.yaml:29:26: error[COMPONENT_INVALID] attributes.automation: Unknown condition "all"',
      ]);
      expect(r.problems.find((p) => p.line === 5)!.hint).toContain('Did you mean "any_deps_in_progress"?');
      expect(r.problems.find((p) => p.line === 14)!.hint).toContain('Did you mean "not"?');
      expect(r.problems.find((p) => p.line === 29)!.hint).toContain('Did you mean "and"?');

      // Loading reports the same first problem with its position, and no stack trace.
      const loaded = await bad.run(["check", "defs"]);
      expect(loaded.code).toBe(1);
      expect(loaded.output).toContain("defs/bad/defs.yaml:5:27");
      expect(loaded.output).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
    } finally {
      bad.cleanup();
    }
  });

  it("the published JSON Schema describes conditions (resolvable $refs) and check yaml's validator uses the condition reader", () => {
    const types = BUILTIN_COMPONENTS.map((c) => ({
      type: c.type,
      description: c.description,
      schema: attributesJsonSchema(c),
    }));
    const schema = defsJsonSchema(types) as JsonSchema & { $defs: Record<string, JsonSchema> };
    expect(Object.keys(schema.$defs)).toEqual(["StrataAutomationCondition"]); // one shared definition, hoisted from every type
    const def = schema.$defs.StrataAutomationCondition!;
    const fnNames = Object.keys((def.anyOf![2]!.properties ?? {}) as object);
    for (const n of [
      "eager",
      "missing",
      "in_progress",
      "any_deps_match",
      "and",
      "or",
      "not",
      "since",
      "cron_tick_passed",
      "label",
    ])
      expect(fnNames).toContain(n);
    const refs = JSON.stringify(schema).match(/"#\/\$defs\/[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(schema.$defs[ref.slice(9, -1)], ref).toBeDefined();
    const attr = (schema.properties!.post_processing as JsonSchema).properties!.assets!.items!.properties!
      .attributes!.properties!.automation!;
    expect(checkJsonSchema(attr, { not: { in_progres: true } }, schema)).toEqual([
      expect.objectContaining({
        path: ["not", "in_progres"],
        atKey: true,
        message: 'unknown condition "in_progres"',
      }),
    ]);
    // Partitions attributes carry a marker too: check yaml validates them with the core's reader.
    const command = attributesJsonSchema(BUILTIN_COMPONENTS.find((c) => c.type === "strata.command")!);
    const base = { key: "k", command: "echo" };
    expect(checkJsonSchema(command, { ...base, partitions: { kind: "static", keys: ["us"] } })).toEqual([]);
    expect(checkJsonSchema(command, { ...base, partitions: { kind: "daily" } })).toEqual([
      expect.objectContaining({ path: ["partitions"], hint: expect.stringContaining("daily_partitions('2024-01-01')") }),
    ]);
  });
});
