-- Silver customers, enriched with the country reference data (a seed).
select
    c.customer_id,
    c.customer_name,
    c.email,
    c.segment,
    c.country_code,
    cc.country_name,
    cc.region,
    c.signup_date,
    c.updated_at
from {{ ref('stg_customers') }} as c
left join {{ ref('country_codes') }} as cc using (country_code)
