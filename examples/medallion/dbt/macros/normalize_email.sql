{# Lower-cased, trimmed e-mail address; empty strings become null. #}
{% macro normalize_email(column_name) -%}
    nullif(lower(trim({{ column_name }})), '')
{%- endmacro %}
