-- Sales held because their customer, product or location has not arrived yet, and those this build
-- releases: held in the current publication's sales_quarantine, and in this build's fct_sales_delta.
-- Held sales are re-validated by every build, so the one in which the dimension arrives publishes them.
{%- set late_reasons = "'unknown_customer_id', 'unknown_product_id', 'unknown_location_id'" %}
{%- set published_quarantine = existing_relation(var('analytics_schema'), 'sales_quarantine') %}
with

sales_quarantine as (

    select * from {{ ref('sales_quarantine') }}

),

sales_delta as (

    select * from {{ ref('fct_sales_delta') }}

),

held as (

    select count(*) as held
    from sales_quarantine
    where quarantine_reason in ({{ late_reasons }})

),

released as (

    select count(*) as released
    from sales_delta
    {%- if published_quarantine is not none %}
        where sale_id in (
                select published.sale_id from {{ published_quarantine }} as published
                where published.quarantine_reason in ({{ late_reasons }})
            )
    {%- else %}
        where false
    {%- endif %}

),

final as (

    select
        cast('sales' as {{ dbt.type_string() }}) as stream,
        cast(held.held as bigint) as held,
        cast(released.released as bigint) as released
    from held
    cross join released

)

select * from final
