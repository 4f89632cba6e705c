{# Integer cents to a decimal amount, e.g. 1999 -> 19.99. #}
{% macro cents_to_amount(column_name, scale=2) -%}
    round(cast({{ column_name }} as decimal(18, 4)) / 100, {{ scale }})
{%- endmacro %}
