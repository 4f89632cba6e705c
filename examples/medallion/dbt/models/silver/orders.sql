-- Silver orders, built incrementally: each run merges only the rows landed since the last one
-- (a re-landed day replaces its orders, thanks to unique_key).
{{
    config(
        materialized='incremental',
        unique_key='order_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns'
    )
}}

select
    order_id,
    customer_id,
    status,
    amount,
    currency,
    ordered_at,
    order_date,
    _loaded_at
from {{ ref('stg_orders') }}
{% if is_incremental() %}
where _loaded_at > (select max(_loaded_at) from {{ this }})
{% endif %}
