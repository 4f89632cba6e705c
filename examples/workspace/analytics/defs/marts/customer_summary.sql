-- description: One row per customer: revenue and activity
select o.customer_id, any_value(o.name) as name, sum(o.amount) as revenue, any_value(a.events) as events
from analytics.customer_orders o
left join analytics.customer_activity a on a.customer_id = o.customer_id
group by o.customer_id
