-- description: Events per customer from the events API
select customer_id, count(*) as events, count(*) filter (where type = 'purchase') as purchases
from raw.events
group by customer_id
