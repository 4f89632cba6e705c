-- Orders, deduplicated (the shop re-sends an order now and then) and typed.
select
    order_id,
    customer_id,
    lower(status) as status,
    {{ cents_to_amount('amount_cents') }} as amount,
    currency,
    ordered_at,
    cast(ordered_at as date) as order_date,
    partition_key as landed_partition,
    _loaded_at
from {{ source('shop', 'orders') }}
qualify row_number() over (partition by order_id order by _loaded_at desc) = 1
