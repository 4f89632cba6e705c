-- One row per customer: the CRM export can hold several versions of a customer; keep the
-- latest, and normalise names, e-mails and country codes.
with ranked as (
    select
        *,
        row_number() over (partition by customer_id order by updated_at desc) as version_rank
    from {{ source('shop', 'customers') }}
)

select
    customer_id,
    trim(name) as customer_name,
    {{ normalize_email('email') }} as email,
    upper(trim(country)) as country_code,
    lower(segment) as segment,
    cast(signup_date as date) as signup_date,
    updated_at
from ranked
where version_rank = 1
