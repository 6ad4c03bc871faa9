-- One row per customer version: exact re-deliveries of (customer_id, updated_at) are collapsed,
-- keeping the latest extraction. Records without a key (unparsable lines) are kept, one per raw record.
with

customers as (

    select * from {{ ref('base_retail__customers') }}

),

deduplicated as (

    select * from customers
    {{ latest_delivery(['customer_id', 'updated_at']) }}

)

-- The base model declares the columns.
select * from deduplicated  -- noqa: AM04
