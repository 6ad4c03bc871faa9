with

source as (

    select * from {{ source('retail', 'locations') }}

),

renamed as (

    select
        -- keys
        location_id,

        -- attributes
        store_name,
        city,
        state,
        region,
        country,
        opened_on,

        -- parse errors recorded by airbyte
        {{ airbyte_parse_error_columns('_airbyte_meta') }},

        -- airbyte metadata
        {{ airbyte_metadata_columns() }}

    from source

)

select * from renamed
