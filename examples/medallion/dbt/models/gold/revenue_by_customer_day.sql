-- Revenue per customer and day. Returned orders do not count; orders from customers unknown
-- to the CRM are left out until the CRM knows them.
select
    o.order_date,
    o.customer_id,
    c.customer_name,
    c.segment,
    count(*) as orders,
    sum(o.amount) as revenue
from {{ ref('orders') }} as o
join {{ ref('customers') }} as c using (customer_id)
where o.status not in (
    {%- for s in var('non_revenue_statuses') %}'{{ s }}'{% if not loop.last %}, {% endif %}{% endfor -%}
)
group by all
