-- The latest record of each location (by extraction). Records without a key (unparsable lines)
-- are kept, one per raw record.
with

locations as (

    select * from {{ ref('base_retail__locations') }}

),

deduplicated as (

    select * from locations
    {{ latest_delivery(['location_id']) }}

)

-- The base model declares the columns.
select * from deduplicated  -- noqa: AM04
