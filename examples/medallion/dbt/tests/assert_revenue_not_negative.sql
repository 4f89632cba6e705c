-- Singular test: a day's revenue for a customer is never negative.
select *
from {{ ref('revenue_by_customer_day') }}
where revenue < 0
