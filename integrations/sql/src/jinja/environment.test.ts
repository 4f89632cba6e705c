import { describe, expect, it } from "vitest";
import { isStrataError } from "@strata/core";
import { createJinjaEnvironment, compileTemplate, renderTemplate, templateError } from "./environment.ts";

const env = createJinjaEnvironment();
const render = (src: string, ctx: Record<string, unknown> = {}) => renderTemplate(env, compileTemplate(env, src, "t.sql"), ctx);
const renderError = (src: string) => {
  try {
    render(src);
  } catch (e) {
    return templateError(e, "models/t.sql", src) as Error & { where?: string };
  }
  throw new Error("expected an error");
};

describe("Jinja2 compatibility on nunjucks", () => {
  it("namespace() with attribute assignment inside loops", () => {
    expect(render("{% set ns = namespace(total=0, seen=[]) %}{% for x in [1,2,3] %}{% set ns.total = ns.total + x %}{% endfor %}{{ ns.total }}")).toBe("6");
  });
  it("loop variables", () => {
    expect(render("{% for x in ['a','b','c'] %}{{ loop.index }}{{ loop.index0 }}{{ 'F' if loop.first }}{{ 'L' if loop.last }}{{ loop.length }}|{% endfor %}")).toBe("10F3|213|32L3|");
  });
  it("is none / is not none / is defined", () => {
    expect(render("{{ a is none }} {{ b is not none }} {{ c is defined }}", { a: null, b: 1 })).toBe("true true false");
  });
  it("~ concatenation and inline if", () => {
    expect(render("{{ 'a' ~ 1 ~ 'b' }}|{{ 'x' if false else 'y' }}")).toBe("a1b|y");
  });
  it("tojson filter and global, fromjson", () => {
    expect(render("{{ {'a': [1, 'b']} | tojson }}")).toBe('{"a":[1,"b"]}');
    expect(render("{{ tojson([1]) }}|{{ fromjson('{\"k\": 2}').k }}")).toBe("[1]|2");
  });
  it("dict methods: items, keys, values, get, update, pop", () => {
    expect(render("{% set d = {'a': 1, 'b': 2} %}{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{{ d.keys() | join }}{{ d.values() | sum }}{{ d.get('z', 'dflt') }}{{ d.get('a') }}")).toBe("a=1;b=2;ab3dflt1");
    expect(render("{% set d = {'a': 1} %}{% do d.update({'b': 2}) %}{{ d.pop('a') }}{{ d | tojson }}")).toBe('1{"b":2}');
  });
  it("list.append / extend / pop via {% do %}", () => {
    expect(render("{% set l = [] %}{% do l.append('a') %}{% do l.extend(['b', 'c']) %}{% do l.pop() %}{{ l | join(',') }}")).toBe("a,b");
  });
  it("str methods", () => {
    expect(render("{{ ' Ab '.strip().upper() }}|{{ 'A'.lower() }}|{{ 'a,b'.split(',') | length }}|{{ 'a_b'.replace('_', '-') }}|{{ 'abc'.startswith('ab') }}|{{ 'x.sql'.endswith('.sql') }}|{{ 'xxaxx'.strip('x') }}")).toBe("AB|a|2|a-b|true|true|a");
    expect(render("{{ '{}-{name}'.format(1, name='n') }}|{{ 'a b  c'.split() | length }}")).toBe("1-n|3");
  });
  it("whitespace control", () => {
    expect(render("a\n  {%- if true -%}\n  b\n  {%- endif -%}\n  c")).toBe("abc");
  });
  it("{% call %} with caller()", () => {
    expect(render("{% macro wrap(t) %}<{{ t }}>{{ caller() }}</{{ t }}>{% endmacro %}{% call wrap('b') %}hi{% endcall %}")).toBe("<b>hi</b>");
  });
  it("return() returns values (not text) from macros, also nested", () => {
    expect(render("{% macro cols() %}{{ return(['a', 'b']) }}{% endmacro %}{% macro outer() %}{% set c = cols() %}{{ return(c | length) }}{% endmacro %}{{ outer() + 1 }}")).toBe("3");
    expect(render("{% macro f(x) %}{% for i in range(10) %}{% if i == x %}{% do return(i * 2) %}{% endif %}{% endfor %}{% endmacro %}{{ f(4) }}")).toBe("8");
  });
  it("an early return() inside a call block does not corrupt the caller's frame", () => {
    const src = "{% macro r() %}{{ return('R') }}{% endmacro %}{% macro w(flag=false) %}{% set body = caller() %}{{ body }}:{{ flag }}{% endmacro %}{% call w(flag=true) %}{{ r() }}{% endcall %}|{% call w(flag=true) %}x{% endcall %}";
    expect(render(src)).toBe("R:true|x:true");
  });
  it("range, zip, dict(), set-blocks, slices", () => {
    expect(render("{{ range(3) | list | join }}|{{ zip([1,2],['a','b']) | tojson }}|{{ dict(a=1, b=2) | tojson }}|{% set x %}blk{% endset %}{{ x | upper }}|{{ [1,2,3][1:] | join }}")).toBe('012|[[1,"a"],[2,"b"]]|{"a":1,"b":2}|BLK|23');
  });
  it("map, selectattr with a test, unique, min/max, format", () => {
    expect(render("{{ [{'n':'a'},{'n':'b'}] | map(attribute='n') | join(',') }}|{{ ['A','B'] | map('lower') | join }}|{{ [{'n':'a'},{'n':'b'}] | selectattr('n', 'equalto', 'b') | list | length }}|{{ [1,1,2] | unique | join }}|{{ [3,1,2] | min }}{{ [3,1,2] | max }}|{{ '%s=%d' | format('x', 2.7) }}")).toBe("a,b|ab|1|12|13|x=2");
  });
  it("True/False/None and trailing commas", () => {
    expect(render("{{ True }} {{ False }} {{ None is none }}")).toBe("true false true");
    expect(render("{% macro f(a, b) %}{{ a }}{{ b }}{% endmacro %}{{ f(1, b=2,) }}{{ [1, 2,] | length }}")).toBe("122");
  });
  it("modules.datetime basics", () => {
    expect(render("{{ modules.datetime.datetime(2024, 1, 31, 13, 5).strftime('%Y-%m-%d %H:%M') }}|{{ modules.datetime.date(2024, 2, 1).isoformat() }}|{{ modules.datetime.datetime(2024,1,1).plus(modules.datetime.timedelta(days=2)).day }}")).toBe("2024-01-31 13:05|2024-02-01|3");
    expect(render("{{ modules.re.sub('[^a-z]', '_', 'a-b c') }}|{{ modules.re.match('(\\\\d+)', '42x').group(1) }}")).toBe("a_b_c|42");
  });
  it("{% test %} blocks become test_ macros", () => {
    expect(render("{% test positive(model, column_name) %}select {{ column_name }} from {{ model }}{% endtest %}{{ test_positive('t', 'c') }}")).toBe("select c from t");
  });
  it("maps render errors to file:line", () => {
    const e = renderError("select 1\nfrom x\n{{ missing_fn() }}");
    expect(isStrataError(e, "SQL_TEMPLATE")).toBe(true);
    expect(e.where).toBe("models/t.sql:3");
    expect(e.message).toContain("missing_fn");
  });
  it("maps syntax errors to file:line", () => {
    const src = "select 1\n{% if x %}\nfrom t\n{% endfor %}";
    let err: (Error & { where?: string }) | undefined;
    try {
      compileTemplate(env, src, "models/bad.sql");
    } catch (e) {
      err = e as Error & { where?: string };
    }
    expect(err?.where).toBe("models/bad.sql:4");
  });
});
