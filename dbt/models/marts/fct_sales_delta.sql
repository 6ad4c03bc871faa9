{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='sale_id',
    contract={'enforced': false},
    meta={'publish': {'merge_into': 'fct_sales', 'day_column': 'sold_at'}},
) }}
-- The fct_sales rows this build adds or replaces: valid sales whose row differs from the published one
-- (new sales, corrected re-deliveries, sales released from quarantine once their dimension arrived, a new
-- customer or product version valid at sold_at). Publishing merges them into the store by sale_id.
-- gross = quantity * unit_price; discount = round(gross * discount rate, 2); net = gross - discount + tax.
{%- set store = published_store('fct_sales') %}
with

sales as (

    select * from {{ ref('int_sales__validated') }}

),

changed_sales as (

    select * from sales
    where
        quarantine_reason is null
        {%- if store is not none %}
            and (
                {{ in_backfill_window('sold_at') }}
                or not exists (
                    select 1 from {{ store }} as published
                    where
                        published.sale_id = sales.sale_id
                        and published._airbyte_raw_id = sales._airbyte_raw_id
                        and published.customer_key = sales.customer_key
                        and published.product_key = sales.product_key
                )
            )
        {%- endif %}

),

amounts as (

    select
        *,
        cast(quantity * unit_price as decimal(18, 2)) as gross_amount
    from changed_sales

),

discounted as (

    select
        *,
        cast(round(gross_amount * discount, 2) as decimal(18, 2)) as discount_amount
    from amounts

),

final as (

    select
        -- keys
        sale_id,
        customer_key,
        product_key,
        location_key,
        date_key,

        -- attributes
        sold_at,
        quantity,
        unit_price,

        -- amounts
        gross_amount,
        discount_amount,
        tax_amount,
        cast(gross_amount - discount_amount + tax_amount as decimal(18, 2)) as net_amount,

        -- airbyte metadata
        _airbyte_raw_id

    from discounted

)

select * from final
