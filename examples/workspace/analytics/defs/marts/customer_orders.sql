-- description: Orders joined with their customer
select o.order_id, o.amount, o.ordered_at, c.customer_id, c.name, c.email
from silver.orders o
join silver.customers c on c.customer_id = o.customer_id
