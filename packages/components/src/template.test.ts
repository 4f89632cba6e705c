import { describe, expect, it } from "vitest";
import { renderTemplate, TemplateError } from "./template.ts";
import { templateScope } from "./template-scope.ts";

const scope = (env: Record<string, string> = {}, extra: Partial<Parameters<typeof templateScope>[0]> = {}) =>
  templateScope({ environment: env, projectRoot: "/p", folder: "/p/defs/x", strataEnv: "dev", ...extra });

const fail = (text: string, s = scope()): TemplateError => {
  try {
    renderTemplate(text, s);
  } catch (err) {
    expect(err).toBeInstanceOf(TemplateError);
    return err as TemplateError;
  }
  throw new Error(`expected ${text} to fail`);
};

describe("templates", () => {
  it("reads env vars by member access and by call, with defaults and filters", () => {
    const s = scope({ HOST: "db.local", PORT: "5432" });
    expect(renderTemplate("{{ env.HOST }}", s)).toBe("db.local");
    expect(renderTemplate("postgres://{{ env.HOST }}:{{ env('PORT') }}/x", s)).toBe("postgres://db.local:5432/x");
    expect(renderTemplate("{{ env('MISSING', 'fallback') }}", s)).toBe("fallback");
    expect(renderTemplate("{{ env.MISSING | default('d') | upper }}", s)).toBe("D");
    expect(renderTemplate("{{ env.PORT | int }}", s)).toBe(5432);
    expect(renderTemplate("{{ strata_env }}-{{ env_schema('analytics') }}", s)).toBe("dev-analytics_dev");
    expect(renderTemplate("{{ env_schema('analytics') }}", scope({}, { strataEnv: "prod" }))).toBe("analytics");
  });

  it("fails on a missing env var with its name and the offset of the expression", () => {
    const e = fail("url: {{ env.API_URL }}");
    expect(e.code).toBe("ENV_MISSING");
    expect(e.message).toBe("Environment variable API_URL is not set");
    expect(e.offset).toBe(7);
    expect(fail("{{ env('X') }}").message).toContain("X is not set");
  });

  it("defers variables listed in requirements.env and secrets to run time", () => {
    const s = scope({}, { deferredEnv: new Set(["TOKEN"]) });
    expect(renderTemplate("{{ env.TOKEN }}", s)).toEqual({ kind: "env", name: "TOKEN", secret: false });
    expect(renderTemplate("{{ secret('KEY') }}", scope())).toEqual({ kind: "env", name: "KEY", secret: true });
  });

  it("returns whole-value expressions as data (partitions, lists, numbers)", () => {
    expect(renderTemplate("{{ daily_partitions('2024-01-01') }}", scope())).toMatchObject({ kind: "time_window", cron: "0 0 * * *", fmt: "YYYY-MM-DD" });
    expect(renderTemplate("{{ static_partitions(['us', 'eu']) }}", scope())).toEqual({ kind: "static", keys: ["us", "eu"] });
    expect(renderTemplate("{{ [1, 'a'] }}", scope())).toEqual([1, "a"]);
    expect(renderTemplate("{{ project_path('data/x.csv') }}", scope())).toBe("/p/data/x.csv");
  });

  it("automation and freshness helpers return the YAML data form; keyword arguments map onto parameters", () => {
    expect(renderTemplate("{{ automation.eager() }}", scope())).toEqual({ preset: "eager" });
    expect(renderTemplate("{{ automation.on_missing() }}", scope())).toEqual({ preset: "on_missing" });
    expect(renderTemplate("{{ automation.on_cron('0 6 * * *', 'UTC') }}", scope())).toEqual({ preset: "on_cron", cron: "0 6 * * *", timezone: "UTC" });
    expect(renderTemplate("{{ automation.on_cron(cron='0 6 * * *') }}", scope())).toEqual({ preset: "on_cron", cron: "0 6 * * *" });
    expect(renderTemplate("{{ freshness.time_window(fail_after='24h', warn_after='12h') }}", scope())).toEqual({ fail_after: "24h", warn_after: "12h" });
    expect(renderTemplate("{{ freshness.time_window('24h') }}", scope())).toEqual({ fail_after: "24h" });
    expect(renderTemplate("{{ freshness.cron(deadline_cron='0 9 * * *', lower_bound='3h') }}", scope())).toEqual({ deadline_cron: "0 9 * * *", lower_bound: "3h" });
    expect(fail("{{ freshness.time_window(fail='1h') }}", scope()).message).toContain('has no parameter "fail"');
    expect(fail("{{ freshness.time_window('1h', fail_after='1h') }}", scope()).message).toContain("given twice");
    expect(fail("{{ freshness.time_window(fail_after='1h', '2h') }}", scope()).message).toContain("Positional argument after a keyword argument");
    expect(fail("{{ env(name='X') }}", scope()).message).toContain("takes no keyword arguments");
    expect(fail("{{ a == b }}", scope()).message).toContain('Unexpected "="');
  });

  it("uses template vars: values and functions", () => {
    const s = scope({}, { vars: { team: { name: "core" }, suffix: (x: unknown) => `${String(x)}_v2` } });
    expect(renderTemplate("{{ team.name }}/{{ suffix('t') }}", s)).toBe("core/t_v2");
  });

  it("cannot reach JavaScript: no prototypes, no constructors, no calling non-helpers, no operators", () => {
    const s = scope({}, { vars: { obj: { a: 1 }, text: "abc" } });
    expect(fail("{{ obj.constructor }}", s).message).toContain("cannot be accessed");
    expect(fail("{{ obj.__proto__ }}", s).message).toContain("cannot be accessed");
    expect(fail("{{ text.constructor }}", s).code).toBe("TEMPLATE_INVALID");
    expect(fail("{{ obj.a() }}", s).message).toContain("is not a function templates can call");
    expect(fail("{{ 1 + 2 }}", s).message).toContain('Unexpected "+"');
    expect(fail("{{ process.exit() }}", s).message).toContain('Unknown name "process"');
    expect(fail("{{ env.X; }}", s).message).toContain('Unexpected ";"');
    expect(fail("{{ env }}", s).message).toContain("is a helper");
    expect(fail("{{ env.A | nope }}", scope({ A: "1" })).message).toContain('Unknown filter "nope"');
    expect(fail("abc {{ env.A", scope({ A: "1" })).message).toContain('Unclosed "{{"');
    expect(fail("{{ [1] }} text", scope()).message).toContain("cannot be put inside text");
  });
});
