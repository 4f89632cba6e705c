/**
 * Macros dbt ships in its internal `dbt` package, written in Jinja and loaded before the
 * project's own (which may override them): schema/alias naming, the four generic tests,
 * cross-database macros with `duckdb__`/`postgres__`/`default__` implementations, `statement`.
 *
 * @example
 * // {{ dateadd('day', 7, 'order_date') }} on duckdb  ->  date_add(order_date, interval (7) day)
 */
export const BUILTIN_MACROS_FILE = "<dbt>/macros/builtins.sql";

export const BUILTIN_MACROS = String.raw`
{% macro generate_schema_name(custom_schema_name=none, node=none) -%}
  {{ return(adapter.dispatch('generate_schema_name', 'dbt')(custom_schema_name, node)) }}
{%- endmacro %}
{% macro default__generate_schema_name(custom_schema_name, node) -%}
  {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ target.schema }}_{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
{% macro generate_alias_name(custom_alias_name=none, node=none) -%}
  {{ return(adapter.dispatch('generate_alias_name', 'dbt')(custom_alias_name, node)) }}
{%- endmacro %}
{% macro default__generate_alias_name(custom_alias_name, node) -%}
  {%- if custom_alias_name -%}{{ custom_alias_name | trim }}
  {%- elif node.version -%}{{ return(node.name ~ "_v" ~ (node.version | replace(".", "_"))) }}
  {%- else -%}{{ node.name }}{%- endif -%}
{%- endmacro %}
{% macro generate_database_name(custom_database_name=none, node=none) -%}
  {%- if custom_database_name is none -%}{{ target.database }}{%- else -%}{{ custom_database_name | trim }}{%- endif -%}
{%- endmacro %}

{% macro should_store_failures() %}{{ return(config.get('store_failures', false)) }}{% endmacro %}

{% macro test_not_null(model, column_name) %}{{ return(adapter.dispatch('test_not_null', 'dbt')(model, column_name)) }}{% endmacro %}
{% macro default__test_not_null(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is null
{% endmacro %}

{% macro test_unique(model, column_name) %}{{ return(adapter.dispatch('test_unique', 'dbt')(model, column_name)) }}{% endmacro %}
{% macro default__test_unique(model, column_name) %}
select
    {{ column_name }} as unique_field,
    count(*) as n_records
from {{ model }}
where {{ column_name }} is not null
group by {{ column_name }}
having count(*) > 1
{% endmacro %}

{% macro test_accepted_values(model, column_name, values, quote=true) %}{{ return(adapter.dispatch('test_accepted_values', 'dbt')(model, column_name, values, quote)) }}{% endmacro %}
{% macro default__test_accepted_values(model, column_name, values, quote=true) %}
with all_values as (
    select
        {{ column_name }} as value_field,
        count(*) as n_records
    from {{ model }}
    group by {{ column_name }}
)
select *
from all_values
where value_field not in (
    {% for value in values -%}
        {% if quote -%}
        '{{ value | replace("'", "''") }}'
        {%- else -%}
        {{ value }}
        {%- endif -%}
        {%- if not loop.last -%},{%- endif %}
    {%- endfor %}
)
{% endmacro %}

{% macro test_relationships(model, column_name, to, field) %}{{ return(adapter.dispatch('test_relationships', 'dbt')(model, column_name, to, field)) }}{% endmacro %}
{% macro default__test_relationships(model, column_name, to, field) %}
with child as (
    select {{ column_name }} as from_field
    from {{ model }}
    where {{ column_name }} is not null
),
parent as (
    select {{ field }} as to_field
    from {{ to }}
)
select
    from_field
from child
left join parent
    on child.from_field = parent.to_field
where parent.to_field is null
{% endmacro %}

{% macro statement(name=none, fetch_result=false, auto_begin=true, language='sql') -%}
  {%- if execute -%}{%- do __statement(name, caller(), fetch_result) -%}{%- endif -%}
{%- endmacro %}

{% macro dateadd(datepart, interval, from_date_or_timestamp) %}{{ return(adapter.dispatch('dateadd', 'dbt')(datepart, interval, from_date_or_timestamp)) }}{% endmacro %}
{% macro duckdb__dateadd(datepart, interval, from_date_or_timestamp) -%}
date_add({{ from_date_or_timestamp }}, interval ({{ interval }}) {{ datepart }})
{%- endmacro %}
{% macro default__dateadd(datepart, interval, from_date_or_timestamp) -%}
{{ from_date_or_timestamp }} + ((interval '1 {{ datepart }}') * ({{ interval }}))
{%- endmacro %}

{% macro datediff(first_date, second_date, datepart) %}{{ return(adapter.dispatch('datediff', 'dbt')(first_date, second_date, datepart)) }}{% endmacro %}
{% macro duckdb__datediff(first_date, second_date, datepart) -%}
date_diff('{{ datepart }}', {{ first_date }}::timestamp, {{ second_date }}::timestamp)
{%- endmacro %}
{% macro default__datediff(first_date, second_date, datepart) -%}
{%- set dp = datepart | lower -%}
{%- if dp == 'year' -%}
(date_part('year', ({{ second_date }})::date) - date_part('year', ({{ first_date }})::date))
{%- elif dp == 'quarter' -%}
((date_part('year', ({{ second_date }})::date) - date_part('year', ({{ first_date }})::date)) * 4 + date_part('quarter', ({{ second_date }})::date) - date_part('quarter', ({{ first_date }})::date))
{%- elif dp == 'month' -%}
((date_part('year', ({{ second_date }})::date) - date_part('year', ({{ first_date }})::date)) * 12 + date_part('month', ({{ second_date }})::date) - date_part('month', ({{ first_date }})::date))
{%- elif dp == 'day' -%}
(({{ second_date }})::date - ({{ first_date }})::date)
{%- elif dp == 'week' -%}
case when date_part('dow', ({{ first_date }})::timestamp) <= date_part('dow', ({{ second_date }})::timestamp) then
  case when ({{ first_date }}) <= ({{ second_date }}) then floor((({{ second_date }})::date - ({{ first_date }})::date) / 7) else ceil((({{ second_date }})::date - ({{ first_date }})::date) / 7) end
else
  case when ({{ first_date }}) <= ({{ second_date }}) then ceil((({{ second_date }})::date - ({{ first_date }})::date) / 7) else floor((({{ second_date }})::date - ({{ first_date }})::date) / 7) end
end
{%- elif dp == 'hour' -%}
((({{ second_date }})::date - ({{ first_date }})::date) * 24 + date_part('hour', ({{ second_date }})::timestamp) - date_part('hour', ({{ first_date }})::timestamp))
{%- elif dp == 'minute' -%}
(((({{ second_date }})::date - ({{ first_date }})::date) * 24 + date_part('hour', ({{ second_date }})::timestamp) - date_part('hour', ({{ first_date }})::timestamp)) * 60 + date_part('minute', ({{ second_date }})::timestamp) - date_part('minute', ({{ first_date }})::timestamp))
{%- elif dp == 'second' -%}
floor(extract(epoch from ({{ second_date }})::timestamp) - extract(epoch from ({{ first_date }})::timestamp))
{%- else -%}
{{ exceptions.raise_compiler_error("Unsupported datepart for macro datediff in postgres: " ~ datepart) }}
{%- endif -%}
{%- endmacro %}

{% macro concat(fields) %}{{ return(adapter.dispatch('concat', 'dbt')(fields)) }}{% endmacro %}
{% macro default__concat(fields) -%}{{ fields | join(' || ') }}{%- endmacro %}

{% macro hash(field) %}{{ return(adapter.dispatch('hash', 'dbt')(field)) }}{% endmacro %}
{% macro default__hash(field) -%}md5(cast({{ field }} as {{ type_string() }})){%- endmacro %}

{% macro type_string() %}{{ return(adapter.dispatch('type_string', 'dbt')()) }}{% endmacro %}
{% macro duckdb__type_string() %}{{ return('VARCHAR') }}{% endmacro %}
{% macro default__type_string() %}{{ return('varchar') }}{% endmacro %}
{% macro type_int() %}{{ return('integer') }}{% endmacro %}
{% macro type_bigint() %}{{ return('bigint') }}{% endmacro %}
{% macro type_float() %}{{ return(adapter.dispatch('type_float', 'dbt')()) }}{% endmacro %}
{% macro duckdb__type_float() %}{{ return('DOUBLE') }}{% endmacro %}
{% macro default__type_float() %}{{ return('float') }}{% endmacro %}
{% macro type_numeric() %}{{ return('numeric(28,6)') }}{% endmacro %}
{% macro type_timestamp() %}{{ return('timestamp') }}{% endmacro %}
{% macro type_boolean() %}{{ return('boolean') }}{% endmacro %}

{% macro safe_cast(field, type) %}{{ return(adapter.dispatch('safe_cast', 'dbt')(field, type)) }}{% endmacro %}
{% macro duckdb__safe_cast(field, type) -%}try_cast({{ field }} as {{ type }}){%- endmacro %}
{% macro default__safe_cast(field, type) -%}cast({{ field }} as {{ type }}){%- endmacro %}

{% macro current_timestamp() %}{{ return(adapter.dispatch('current_timestamp', 'dbt')()) }}{% endmacro %}
{% macro default__current_timestamp() -%}now(){%- endmacro %}

{% macro any_value(expression) %}{{ return(adapter.dispatch('any_value', 'dbt')(expression)) }}{% endmacro %}
{% macro duckdb__any_value(expression) -%}any_value({{ expression }}){%- endmacro %}
{% macro default__any_value(expression) -%}min({{ expression }}){%- endmacro %}

{% macro listagg(measure, delimiter_text="','", order_by_clause=none, limit_num=none) %}{{ return(adapter.dispatch('listagg', 'dbt')(measure, delimiter_text, order_by_clause, limit_num)) }}{% endmacro %}
{% macro duckdb__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
{%- if limit_num -%}array_to_string(list_slice(array_agg({{ measure }} {{ order_by_clause or '' }}), 1, {{ limit_num }}), {{ delimiter_text }})
{%- else -%}string_agg({{ measure }}, {{ delimiter_text }} {{ order_by_clause or '' }}){%- endif -%}
{%- endmacro %}
{% macro default__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
{%- if limit_num -%}array_to_string((array_agg({{ measure }} {{ order_by_clause or '' }}))[1:{{ limit_num }}], {{ delimiter_text }})
{%- else -%}string_agg({{ measure }}, {{ delimiter_text }} {{ order_by_clause or '' }}){%- endif -%}
{%- endmacro %}

{% macro date_trunc(datepart, date) -%}date_trunc('{{ datepart }}', {{ date }}){%- endmacro %}
{% macro cast_bool_to_text(field) -%}cast({{ field }} as {{ type_string() }}){%- endmacro %}
{% macro split_part(string_text, delimiter_text, part_number) -%}split_part({{ string_text }}, {{ delimiter_text }}, {{ part_number }}){%- endmacro %}
{% macro last_day(date, datepart) -%}cast({{ dateadd('day', '-1', dateadd(datepart, '1', date_trunc(datepart, date))) }} as date){%- endmacro %}
{% macro escape_single_quotes(expression) -%}{{ expression | replace("'", "''") }}{%- endmacro %}
{% macro string_literal(value) -%}'{{ value }}'{%- endmacro %}
{% macro right(string_text, length_expression) -%}right({{ string_text }}, {{ length_expression }}){%- endmacro %}
{% macro length(expression) -%}length({{ expression }}){%- endmacro %}
{% macro position(substring_text, string_text) -%}position({{ substring_text }} in {{ string_text }}){%- endmacro %}
{% macro replace(field, old_chars, new_chars) -%}replace({{ field }}, {{ old_chars }}, {{ new_chars }}){%- endmacro %}
{% macro bool_or(expression) -%}bool_or({{ expression }}){%- endmacro %}
{% macro except() -%}except{%- endmacro %}
{% macro intersect() -%}intersect{%- endmacro %}
`;
