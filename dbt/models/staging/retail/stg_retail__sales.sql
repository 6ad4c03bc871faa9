-- One row per sale: re-delivered records of a sale_id are collapsed, keeping the latest extraction.
-- Records without a sale_id (unparsable lines among them) are kept, one per raw record, so that
-- every one of them reaches fct_sales or sales_quarantine.
with

sales as (

    select * from {{ ref('base_retail__sales') }}

),

deduplicated as (

    select * from sales
    {{ latest_delivery(['sale_id']) }}

)

-- The base model declares the columns.
select * from deduplicated  -- noqa: AM04
