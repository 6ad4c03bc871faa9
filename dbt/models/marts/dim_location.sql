-- One row per store location: its latest record.
with

locations as (

    select * from {{ ref('stg_retail__locations') }}

),

final as (

    select
        -- keys
        {{ dbt.hash('location_id') }} as location_key,
        location_id,

        -- attributes
        store_name,
        city,
        state,
        region,
        country,
        opened_on

    from locations
    where not is_unparsable and location_id is not null

)

select * from final
