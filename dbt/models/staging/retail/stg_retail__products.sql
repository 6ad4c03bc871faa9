-- One row per product version: exact re-deliveries of (product_id, updated_at) are collapsed, keeping the
-- latest extraction. Records without a key (unparsable lines) are kept, one per raw record.
with

products as (

    select * from {{ ref('base_retail__products') }}

),

deduplicated as (

    select * from products
    {{ latest_delivery(['product_id', 'updated_at']) }}

)

-- The base model declares the columns.
select * from deduplicated  -- noqa: AM04
