-- One row per sale of the slice this build validates (macros/slices.sql: every sale until the first
-- publication, then those delivered since and those whose outcome depends on what arrived): re-delivered
-- records of a sale_id are collapsed, keeping the latest extraction. Records without a sale_id (unparsable
-- lines among them) are kept, one per raw record of the newest version of their file, so that every one of
-- them reaches sales_quarantine once.
with

sales as (

    {{ revalidated_sales(ref('base_retail__sales')) }}

),

deduplicated as (

    select * from sales
    {{ latest_delivery(['sale_id']) }}

)

-- The base model declares the columns.
select * from deduplicated  -- noqa: AM04
