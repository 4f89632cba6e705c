-- Revenue per day across all customers, with the share of returned orders.
select
    order_date,
    count(*) as orders,
    count(distinct customer_id) as customers,
    sum(case when status = 'returned' then 0 else amount end) as revenue,
    round(avg(case when status = 'returned' then 1.0 else 0.0 end), 3) as return_rate
from {{ ref('orders') }}
group by order_date
