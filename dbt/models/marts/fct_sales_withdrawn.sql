{{ config(
    materialized='table',
    contract={'enforced': false},
    meta={'publish': {'withdraw_from': 'fct_sales'}},
) }}
-- Published sales whose latest delivery is quarantined now (a correction that breaks a rule, or one that names
-- a customer, product or location not arrived yet). Publishing deletes them from the store by sale_id, so each
-- sale stays in exactly one of fct_sales and sales_quarantine; a later valid delivery publishes it again.
{%- set store = published_store('fct_sales') %}
with

sales as (

    select * from {{ ref('int_sales__validated') }}

),

withdrawn as (

    select sale_id from sales
    where
        quarantine_reason is not null
        and sale_id is not null
        {%- if store is not none %}
            and exists (
                select 1 from {{ store }} as published
                where published.sale_id = sales.sale_id
            )
        {%- else %}
            and false
        {%- endif %}

)

select * from withdrawn
