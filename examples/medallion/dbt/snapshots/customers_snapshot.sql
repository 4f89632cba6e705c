{#
  Slowly changing dimension (type 2) of customers: a new version whenever the e-mail or the
  segment changes, with dbt_valid_from / dbt_valid_to.
#}
{% snapshot customers_snapshot %}
{{
    config(
        unique_key='customer_id',
        strategy='check',
        check_cols=['email', 'segment'],
    )
}}
select customer_id, customer_name, email, segment, country_code from {{ ref('stg_customers') }}
{% endsnapshot %}
